"""Gradient boosting benchmark: satori-gbm against LightGBM and XGBoost (hist).

    bench/run.sh bench_gbm [--rows N] [--rounds R] [--threads 1,2] [--trees T] [--no-build]

Data: the synthetic binary set of bench/data_loading.py (`satori generate classification --rows N
--features 28 --informative 20 --seed 0`, bench/data/synth_binary_Nx28.csv, made by
`bench/run.sh data_loading --rows N` if missing), split 80/20 by row order (the rows are iid)
and written once as row-major float64 + uint8 labels (bench/data/gbm_Nx28_{train,test}.*).
Every contender, in its own process, trains a binary model with num_leaves 31, learning rate
0.1, max_bin 255 and T trees (default 100) at each thread count; the timed region is training
alone (reading the data is not timed). After it, untimed: test AUC and the time of
predict_proba on the test rows (batch prediction). XGBoost runs tree_method="hist" with
grow_policy="lossguide", max_leaves=31, max_depth=0 (the leaf-wise setting matched to
num_leaves). Peers run with OMP_WAIT_POLICY=PASSIVE (the harness sets it).

satori's side is crates/satori-gbm/examples/bench_gbm.rs (release build), which also reports the
mean single-row latency of predict_proba_one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["lightgbm", "xgboost-cpu", "scikit-learn", "numpy"]
COLS = 28


def make_split(csv: str, stem: str) -> None:
    """CSV -> train/test float64 + uint8 files (run in a subprocess: the harness stays small)."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(csv)
    x = df[[f"f{j}" for j in range(COLS)]].to_numpy(np.float64)
    y = df["target"].to_numpy().astype(np.uint8)
    k = int(len(y) * 0.8)
    x[:k].astype("<f8").tofile(stem + "_train.f64")
    y[:k].tofile(stem + "_train.u8")
    x[k:].astype("<f8").tofile(stem + "_test.f64")
    y[k:].tofile(stem + "_test.u8")


def _load(stem: str):
    import numpy as np

    x = np.fromfile(stem + "_train.f64", dtype="<f8").reshape(-1, COLS)
    y = np.fromfile(stem + "_train.u8", dtype=np.uint8)
    xt = np.fromfile(stem + "_test.f64", dtype="<f8").reshape(-1, COLS)
    yt = np.fromfile(stem + "_test.u8", dtype=np.uint8)
    return x, y, xt, yt


def _after(xt, yt):
    import time

    from sklearn.metrics import roc_auc_score

    def report(model):
        t = time.perf_counter()
        p = model.predict_proba(xt)[:, 1]
        return {"auc": float(roc_auc_score(yt, p)), "predict_seconds": time.perf_counter() - t}

    return report


def lightgbm_fit(stem: str, threads: int, trees: int):
    import lightgbm

    x, y, xt, yt = _load(stem)
    params = dict(n_estimators=trees, num_leaves=31, learning_rate=0.1, max_bin=255, n_jobs=threads, verbose=-1)
    return (lambda: lightgbm.LGBMClassifier(**params).fit(x, y)), _after(xt, yt)


def xgboost_fit(stem: str, threads: int, trees: int):
    import xgboost

    x, y, xt, yt = _load(stem)
    params = dict(
        n_estimators=trees,
        tree_method="hist",
        grow_policy="lossguide",
        max_leaves=31,
        max_depth=0,
        learning_rate=0.1,
        max_bin=255,
        n_jobs=threads,
    )
    return (lambda: xgboost.XGBClassifier(**params).fit(x, y)), _after(xt, yt)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_gbm", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows before the 80/20 split (default 1,000,000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--trees", type=int, default=100, help="trees (default 100)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    data_dir = os.path.join(HERE, "data")
    csv = os.path.join(data_dir, f"synth_binary_{args.rows}x{COLS}.csv")
    if not os.path.exists(csv):
        subprocess.run([os.path.join(HERE, "run.sh"), "data_loading", "--rows", str(args.rows), "--generate-only"], check=True)
    stem = os.path.join(data_dir, f"gbm_{args.rows}x{COLS}")
    if not os.path.exists(stem + "_test.u8"):
        code = f"import sys; sys.path.insert(0, {HERE!r}); import bench_gbm as b; b.make_split({csv!r}, {stem!r})"
        subprocess.run([sys.executable, "-c", code], check=True)

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_gbm")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-gbm", "--example", "bench_gbm"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    contenders = []
    for t in [int(v) for v in args.threads.split(",")]:
        files = [stem + s for s in ("_train.f64", "_train.u8", "_test.f64", "_test.u8")]
        kw = {"stem": stem, "threads": t, "trees": args.trees}
        contenders += [
            harness.Contender(
                f"satori GbmClassifier ({t} thr)",
                cmd=[example, *files, str(COLS), str(t), str(args.trees)],
                group=f"{t} thread(s)",
                satori=True,
            ),
            harness.Contender(f"LightGBM ({t} thr)", call=(me, "lightgbm_fit", kw), group=f"{t} thread(s)"),
            harness.Contender(f"XGBoost hist ({t} thr)", call=(me, "xgboost_fit", kw), group=f"{t} thread(s)"),
        ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    extra = [
        ("test AUC", lambda s: f"{s.report['auc']:.4f}" if s.report else "—"),
        ("predict 20% rows (s)", lambda s: f"{s.report['predict_seconds']:.2f}" if s.report else "—"),
        (
            "single row (µs)",
            lambda s: f"{s.report['single_row_us']:.1f}" if s.report and "single_row_us" in s.report else "—",
        ),
    ]
    notes = [
        f"Binary training on {int(args.rows * 0.8):,} × {COLS} (80% of the synthetic set), "
        f"{args.trees} trees, num_leaves 31, learning rate 0.1, max_bin 255; the time is training "
        "alone. Test AUC and batch prediction (predict_proba) on the other 20% (last round); "
        "single-row latency: satori's predict_proba_one, mean over 20,000 rows.",
    ]
    md = harness.render_markdown(
        summaries,
        title="Gradient boosting (binary, training)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_gbm", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
