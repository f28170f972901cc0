"""Random forest benchmark: satori-tree against scikit-learn's RandomForestClassifier.

    bench/run.sh bench_forest [--rows N] [--cols P] [--trees T] [--rounds R] [--no-build]

Data: scikit-learn's make_classification with N + N/4 rows (default 200,000 training rows and
50,000 test rows) × P columns (default 28, 20 informative, random_state 0), written once to
bench/data/forest_NxP_{train,test}.f64 (row-major float64) with the labels in .u8. Each
contender, in its own process, fits a 100-tree random forest with scikit-learn's defaults
(max_features="sqrt", bootstrap, fully grown trees) on the training rows; the timed region is the
fit alone (reading the data and predicting are not timed). scikit-learn runs with n_jobs=2,
satori with its default rayon pool (both cores). Both report the test accuracy and ROC AUC.

satori's side is crates/satori-tree/examples/bench_forest.rs (release build).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy"]


def make_data(stem: str, rows: int, cols: int) -> None:
    """Write the training and test matrices and labels (run in a subprocess)."""
    import numpy as np
    from sklearn.datasets import make_classification

    test = rows // 4
    x, y = make_classification(
        n_samples=rows + test, n_features=cols, n_informative=min(cols, 20), n_redundant=0,
        random_state=0,
    )
    x[:rows].astype("<f8").tofile(stem + "_train.f64")
    y[:rows].astype(np.uint8).tofile(stem + "_train.u8")
    x[rows:].astype("<f8").tofile(stem + "_test.f64")
    y[rows:].astype(np.uint8).tofile(stem + "_test.u8")


def sklearn_forest(stem: str, rows: int, cols: int, trees: int):
    """scikit-learn's RandomForestClassifier with its defaults and n_jobs=2: the fit is timed."""
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score

    x = np.fromfile(stem + "_train.f64", dtype="<f8").reshape(rows, cols)
    y = np.fromfile(stem + "_train.u8", dtype=np.uint8)
    xt = np.fromfile(stem + "_test.f64", dtype="<f8").reshape(-1, cols)
    yt = np.fromfile(stem + "_test.u8", dtype=np.uint8)

    def fit():
        return RandomForestClassifier(n_estimators=trees, n_jobs=2, random_state=0).fit(x, y)

    def report(forest):
        p = forest.predict_proba(xt)[:, 1]
        return {
            "accuracy": float(((p > 0.5) == yt).mean()),
            "auc": float(roc_auc_score(yt, p)),
            "nodes": int(sum(e.tree_.node_count for e in forest.estimators_)),
        }

    return fit, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_forest", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000, help="training rows (default 200,000)")
    ap.add_argument("--cols", type=int, default=28, help="columns (default 28)")
    ap.add_argument("--trees", type=int, default=100, help="trees (default 100)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    stem = os.path.join(data_dir, f"forest_{args.rows}x{args.cols}")
    if not all(os.path.exists(stem + s) for s in ["_train.f64", "_train.u8", "_test.f64", "_test.u8"]):
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_forest as b; "
            f"b.make_data({stem!r}, {args.rows}, {args.cols})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_forest")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-tree", "--example", "bench_forest"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    test_rows = args.rows // 4
    kw = {"stem": stem, "rows": args.rows, "cols": args.cols, "trees": args.trees}
    contenders = [
        harness.Contender(
            "satori RandomForestClassifier",
            cmd=[example, stem + "_train.f64", str(args.rows), str(args.cols), stem + "_train.u8",
                 stem + "_test.f64", str(test_rows), stem + "_test.u8", str(args.trees)],
            satori=True,
        ),
        harness.Contender("scikit-learn RandomForestClassifier (n_jobs=2)",
                          call=(me, "sklearn_forest", kw)),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    extra = [
        ("accuracy", lambda s: f"{s.report['accuracy']:.4f}" if s.report else "—"),
        ("ROC AUC", lambda s: f"{s.report['auc']:.4f}" if s.report else "—"),
        ("nodes", lambda s: f"{s.report['nodes']:,}" if s.report else "—"),
    ]
    notes = [
        f"Fit of {args.trees} trees on {args.rows:,} × {args.cols} (make_classification, 20 "
        f"informative), scikit-learn's defaults (max_features=\"sqrt\", bootstrap, fully grown); "
        f"accuracy and ROC AUC on {test_rows:,} held-out rows (last round); contenders alternating; "
        "the time excludes reading the data and predicting.",
    ]
    md = harness.render_markdown(
        summaries,
        title="Random forest classifier (fit)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_forest", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
