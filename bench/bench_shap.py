"""SHAP benchmark: satori's TreeSHAP and KernelSHAP against the shap package and LightGBM.

    bench/run.sh bench_shap [--threads T] [--rounds R] [--no-build] [--rows N] [--cols P]
                            [--kernel-rows K]

The issue's shape: N (default 10,000) rows × P (default 100) columns to explain, a binary
boosting model of 100 trees × 31 leaves (learning rate 0.1, 255 bins) trained by each tool on the
same 20,000 training rows (numpy seed 0; a sparse linear signal plus two interactions and 5 %
missing values). satori's model is trained by `satori train` (release build), LightGBM's by
`LGBMClassifier`; the trees differ but have the same size, and the table shows their mean depth
(TreeSHAP's cost is O(rows · trees · leaves · depth²)).

Contenders, each in its own process, model and data loaded untimed:

- **TreeSHAP, N rows**: satori `explain` (`--method tree`, path-dependent, all T threads) against
  `shap.TreeExplainer(booster).shap_values(X)` (shap's C++ TreeSHAP) and LightGBM's own
  `booster.predict(X, pred_contrib=True)`.
- **TreeSHAP, one row**: the median time of explaining a one-row table, over 1,000 calls (satori
  `explain` in-process; shap's `TreeExplainer.shap_values` on a 1-row array; LightGBM's
  `pred_contrib` on a 1-row array).
- **KernelSHAP, K rows** (default 10): satori `--method kernel` against `shap.KernelExplainer`
  with the first 100 rows as background, both at shap's default number of coalitions
  (2·P + 2048) — each on its own tool's model, so the cost of one model evaluation is part of it.

Threads: T (default: every core) for all — `RAYON_NUM_THREADS`, `OMP_NUM_THREADS`, LightGBM's
`num_threads`. satori's side is crates/satori-explain/examples/shap_bench.rs.
Results: bench/results/shap.json (every run) and shap.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["shap", "lightgbm", "numpy", "scikit-learn"]
TRAIN_ROWS = 20_000


def make_data(stem: str, rows: int, cols: int) -> None:
    """Training and explanation rows as CSV (for satori) and float64 (for the peers)."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = TRAIN_ROWS + rows
    x = rng.standard_normal((n, cols))
    w = np.zeros(cols)
    w[: min(cols, 20)] = rng.uniform(-1.5, 1.5, min(cols, 20))
    score = x @ w + 1.5 * x[:, 0] * x[:, 1] - np.abs(x[:, 2]) * x[:, 3]
    y = (score + rng.logistic(size=n) > 0).astype(np.uint8)
    x[rng.random((n, cols)) < 0.05] = np.nan
    header = ",".join([f"x{j}" for j in range(cols)] + ["y"])

    def write(path, xs, ys):
        with open(path, "w") as f:
            f.write(header + "\n")
            for r, t in zip(xs, ys):
                f.write(",".join("" if np.isnan(v) else repr(float(v)) for v in r))
                f.write(f",{int(t)}\n")

    write(stem + "_train.csv", x[:TRAIN_ROWS], y[:TRAIN_ROWS])
    write(stem + "_explain.csv", x[TRAIN_ROWS:], y[TRAIN_ROWS:])
    x[:TRAIN_ROWS].astype("<f8").tofile(stem + "_train.f64")
    y[:TRAIN_ROWS].tofile(stem + "_train.u8")
    x[TRAIN_ROWS:].astype("<f8").tofile(stem + "_explain.f64")


def lightgbm_model(stem: str, cols: int, threads: int) -> str:
    """Train (once) and save LightGBM's 100 × 31 booster; returns the model file's path."""
    path = f"{stem}_lightgbm.txt"
    if os.path.exists(path):
        return path
    import lightgbm
    import numpy as np

    x = np.fromfile(stem + "_train.f64", dtype="<f8").reshape(-1, cols)
    y = np.fromfile(stem + "_train.u8", dtype=np.uint8)
    params = dict(objective="binary", num_leaves=31, learning_rate=0.1, max_bin=255,
                  num_threads=threads, verbose=-1, seed=0)
    booster = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=100)
    booster.save_model(path + ".tmp")
    os.replace(path + ".tmp", path)
    return path


def lightgbm_depth(model_path: str) -> float:
    import lightgbm

    info = lightgbm.Booster(model_file=model_path).dump_model()

    def depth(n, d=0):
        if "leaf_index" in n or "leaf_value" in n and "split_index" not in n:
            return [d]
        return depth(n["left_child"], d + 1) + depth(n["right_child"], d + 1)

    depths = [d for t in info["tree_info"] for d in depth(t["tree_structure"])]
    return sum(depths) / len(depths)


def satori_mean_depth(binary: str, model: str) -> str:
    """Mean leaf depth of satori's trees, from `satori explain --tree N --format text`."""
    depths = []
    for i in range(100):
        out = subprocess.run([binary, "explain", model, "--tree", str(i), "--format", "text"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            break
        depths += [line.count("|") for line in out.stdout.splitlines() if "value:" in line
                   or "class:" in line]
    return f"{sum(depths) / len(depths):.2f}" if depths else "?"


def _explain_rows(stem: str, cols: int):
    import numpy as np

    return np.fromfile(stem + "_explain.f64", dtype="<f8").reshape(-1, cols)


def _report(values):
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    return {"sum": float(v.sum()), "abs_sum": float(np.abs(v).sum())}


def peer_tree(stem: str, cols: int, threads: int, model: str, tool: str):
    """shap's TreeExplainer or LightGBM's pred_contrib over every row."""
    import lightgbm

    booster = lightgbm.Booster(model_file=model, params={"num_threads": threads})
    x = _explain_rows(stem, cols)
    if tool == "shap":
        import shap

        explainer = shap.TreeExplainer(booster)
        return (lambda: explainer.shap_values(x)), _report
    # pred_contrib has a last column with the base value: drop it from the checksums.
    return (lambda: booster.predict(x, pred_contrib=True)), lambda r: _report(r[:, :-1])


def peer_one(stem: str, cols: int, threads: int, model: str, tool: str, calls: int):
    """The median time of one row's explanation, over `calls` calls."""
    import time

    import lightgbm
    import numpy as np

    booster = lightgbm.Booster(model_file=model, params={"num_threads": threads})
    x = _explain_rows(stem, cols)
    if tool == "shap":
        import shap

        explainer = shap.TreeExplainer(booster)
        one = explainer.shap_values
    else:
        def one(r):
            return booster.predict(r, pred_contrib=True)

    def timed():
        times = []
        for i in range(calls):
            r = x[i % len(x): i % len(x) + 1]
            t = time.perf_counter()
            one(r)
            times.append(time.perf_counter() - t)
        times.sort()
        return {"median_seconds": times[len(times) // 2]}

    return timed


def peer_kernel(stem: str, cols: int, threads: int, model: str, rows: int):
    """shap's KernelExplainer (default nsamples = 2·P + 2048) on the LightGBM model."""
    import lightgbm
    import shap

    booster = lightgbm.Booster(model_file=model, params={"num_threads": threads})
    x = _explain_rows(stem, cols)
    background = x[:100]

    def f(z):
        return booster.predict(z, raw_score=True)

    explainer = shap.KernelExplainer(f, background)
    return (lambda: explainer.shap_values(x[:rows], silent=True)), _report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_shap", description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build satori")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--kernel-rows", type=int, default=10)
    ap.add_argument("--one-calls", type=int, default=1000)
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    t = str(args.threads)
    for var in ["RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]:
        harness.CHILD_ENV[var] = t
        os.environ[var] = t

    target = os.path.abspath(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"))
    example = os.path.join(target, "release", "examples", "shap_bench")
    binary = os.path.join(target, "release", "satori")
    if not args.no_build:
        for cmd in (["cargo", "build", "--release", "-p", "satori-cli"],
                    ["cargo", "build", "--release", "-p", "satori-explain", "--example", "shap_bench"]):
            print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
            if subprocess.run(cmd, cwd=ROOT).returncode != 0:
                return 2

    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    stem = os.path.join(data_dir, f"shap_{args.rows}x{args.cols}")
    if not os.path.exists(stem + "_explain.f64"):
        code = (f"import sys; sys.path.insert(0, {HERE!r}); import bench_shap as b; "
                f"b.make_data({stem!r}, {args.rows}, {args.cols})")
        subprocess.run([sys.executable, "-c", code], check=True)
    satori_model = stem + "_satori.satori"
    if not os.path.exists(satori_model):
        cmd = [binary, "train", stem + "_train.csv", "--target", "y", "--model", "gbm",
               "--set", "model.n_estimators=100", "--set", "model.num_leaves=31",
               "--set", "model.learning_rate=0.1", "--set", "model.max_bin=255",
               "--set", "model.early_stopping=off", "--out", satori_model]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    code = (f"import sys; sys.path.insert(0, {HERE!r}); import bench_shap as b; "
            f"p = b.lightgbm_model({stem!r}, {args.cols}, {args.threads}); "
            f"print(p); print(b.lightgbm_depth(p))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    lgb_model, lgb_depth = out.stdout.split()[0], float(out.stdout.split()[1])
    satori_depth = satori_mean_depth(binary, satori_model)
    explain_csv = stem + "_explain.csv"
    me = os.path.abspath(__file__)
    kw = {"stem": stem, "cols": args.cols, "threads": args.threads, "model": lgb_model}
    g_batch = f"TreeSHAP {args.rows:,} rows × {args.cols}"
    g_one = "TreeSHAP one row (median of calls)"
    g_kernel = f"KernelSHAP {args.kernel_rows} rows (2·P+2048 coalitions, 100 background rows)"
    contenders = [
        harness.Contender("satori tree", cmd=[example, satori_model, explain_csv, "batch"],
                          group=g_batch, satori=True),
        harness.Contender("shap TreeExplainer", call=(me, "peer_tree", dict(kw, tool="shap")),
                          group=g_batch),
        harness.Contender("LightGBM pred_contrib",
                          call=(me, "peer_tree", dict(kw, tool="lightgbm")), group=g_batch),
        harness.Contender("satori tree one row",
                          cmd=[example, satori_model, explain_csv, "one", str(args.one_calls)],
                          group=g_one, satori=True),
        harness.Contender("shap one row",
                          call=(me, "peer_one", dict(kw, tool="shap", calls=args.one_calls)),
                          group=g_one),
        harness.Contender("LightGBM pred_contrib one row",
                          call=(me, "peer_one", dict(kw, tool="lightgbm", calls=args.one_calls)),
                          group=g_one),
        harness.Contender("satori kernel",
                          cmd=[example, satori_model, explain_csv, "kernel", str(args.kernel_rows)],
                          group=g_kernel, satori=True),
        harness.Contender("shap KernelExplainer",
                          call=(me, "peer_kernel", dict(kw, rows=args.kernel_rows)), group=g_kernel),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    # One-row latency: the median of the calls each process reports, not the process's time.
    reports = {s.contender: (s.report or {}) for s in summaries}

    def one_row(s):
        rep = reports.get(s.contender, {})
        v = rep.get("median_seconds", rep.get("seconds") if "one row" in s.contender else None)
        return "—" if v is None or "one row" not in s.contender else f"{v * 1e6:.1f} µs"

    def agree(s):
        # satori's values against LightGBM's would differ (other trees); report Σ|φ| per row.
        rep = reports.get(s.contender, {})
        return f"{rep['abs_sum'] / args.rows:.3f}" if "abs_sum" in rep and "one" not in s.contender \
            and "kernel" not in s.contender.lower() else "—"

    md = harness.render_markdown(
        summaries,
        title=f"SHAP: satori vs shap {harness.package_versions(['shap']).get('shap', '')} and LightGBM",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=[("one-row median", one_row), ("mean Σ|φ| per row", agree)],
        notes=[
            f"{args.threads} thread(s) on every side (RAYON_NUM_THREADS; OMP_NUM_THREADS and "
            "LightGBM's num_threads); model and data loaded untimed; contenders alternate.",
            f"Each tool explains its own 100-tree × 31-leaf binary model trained on the same "
            f"{TRAIN_ROWS:,} rows (mean leaf depth: LightGBM {lgb_depth:.2f}, satori "
            f"{satori_depth}); the values therefore differ, their scale (mean Σ|φ| per row) is "
            "shown. Exactness is tested by the golden tests (LightGBM pred_contrib on the same "
            "trees to 1e-6).",
            "One row: the time of one explanation of a one-row input, median over "
            f"{args.one_calls} calls in one process (the process time in the table includes the "
            "loop and loading).",
        ],
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("shap", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
