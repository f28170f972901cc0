"""Isolation forest benchmark: satori-tree against scikit-learn's IsolationForest.

    bench/run.sh bench_isolation [--rows N] [--cols P] [--rounds R] [--no-build]

Data: N rows (default 1,000,000) × P columns (default 8): 99% standard normal rows and 1%
injected anomalies drawn uniformly from [-6, 6]^P (numpy seed 0), written once to
bench/data/isolation_NxP.f64 (row-major float64) with the labels in .u8. Each contender, in its own
process, fits with scikit-learn's defaults (100 trees, max_samples="auto", contamination="auto")
on all rows and scores all rows (score_samples); the time is fit + score, reading the data is not
timed. scikit-learn runs with its default n_jobs=None (one thread; IsolationForest scores
sequentially by design), satori with its default rayon pool (every core): the CPU-seconds ratio
is the comparison that does not depend on the thread count. Both report the ROC-AUC of the
anomaly score against the injected labels.

satori's side is crates/satori-tree/examples/bench_isolation.rs (release build).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy"]


def make_data(path: str, labels: str, rows: int, cols: int) -> None:
    """Write the benchmark matrix and labels (run in a subprocess: the harness stays small)."""
    import numpy as np

    rng = np.random.default_rng(0)
    n_anom = rows // 100
    x = rng.standard_normal((rows, cols))
    x[rows - n_anom :] = rng.uniform(-6.0, 6.0, size=(n_anom, cols))
    y = np.zeros(rows, dtype=np.uint8)
    y[rows - n_anom :] = 1
    order = rng.permutation(rows)
    x[order].astype("<f8").tofile(path)
    y[order].tofile(labels)


def sklearn_iforest(path: str, labels: str, rows: int, cols: int):
    """scikit-learn's IsolationForest with its defaults: fit, then score every row."""
    import numpy as np
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    x = np.fromfile(path, dtype="<f8").reshape(rows, cols)
    y = np.fromfile(labels, dtype=np.uint8)

    def fit_score():
        forest = IsolationForest(random_state=0).fit(x)
        return forest, forest.score_samples(x)

    def report(result):
        forest, scores = result
        return {
            "auc": float(roc_auc_score(y, -scores)),
            "flagged": float((scores < forest.offset_).mean()),
        }

    return fit_score, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_isolation", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    ap.add_argument("--cols", type=int, default=8, help="columns (default 8)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    stem = os.path.join(data_dir, f"isolation_{args.rows}x{args.cols}")
    path, labels = stem + ".f64", stem + ".u8"
    if not (os.path.exists(path) and os.path.exists(labels)):
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_isolation as b; "
            f"b.make_data({path!r}, {labels!r}, {args.rows}, {args.cols})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_isolation")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-tree", "--example", "bench_isolation"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    kw = {"path": path, "labels": labels, "rows": args.rows, "cols": args.cols}
    contenders = [
        harness.Contender(
            "satori IsolationForest",
            cmd=[example, path, str(args.rows), str(args.cols), labels],
            satori=True,
        ),
        harness.Contender("scikit-learn IsolationForest", call=(me, "sklearn_iforest", kw)),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    extra = [
        ("ROC-AUC", lambda s: f"{s.report['auc']:.4f}" if s.report else "—"),
        ("flagged", lambda s: f"{s.report['flagged']:.4f}" if s.report else "—"),
    ]
    notes = [
        f"Fit + score_samples on {args.rows:,} × {args.cols} (1% injected uniform anomalies), "
        "100 trees, max_samples=\"auto\" (256), contenders alternating; the time excludes reading "
        "the data. ROC-AUC: of −score_samples against the injected labels (last round).",
    ]
    md = harness.render_markdown(
        summaries,
        title="Isolation forest (fit + score)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_isolation", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
