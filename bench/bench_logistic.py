"""Logistic regression benchmark: satori-linear against scikit-learn's LogisticRegression(lbfgs).

    bench/run.sh bench_logistic [--rows N] [--rounds R] [--no-build]

Data: the first N rows (default 1,000,000) of the 28-feature synthetic binary set
(bench/data/synth_binary_1000000x28.parquet, made by bench/setup.sh with satori's generator),
converted once to bench/data/logistic_Nx28.f64 (row-major float64) with the labels in .u8. Each
contender, in its own process, fits scikit-learn's defaults (L2, C=1, solver="lbfgs", tol=1e-4,
max_iter=100) on all rows; the time is the fit alone. Both use every core (scikit-learn's loss
and gradient run on OpenMP threads and BLAS; satori's on rayon with fixed chunks): compare the
CPU-seconds ratio. The table also shows each side's iterations and the largest coefficient
difference from scikit-learn's fit of the same round.

satori's side is crates/satori-linear/examples/bench_logistic.rs (release build).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "scipy"]
SOURCE = os.path.join(HERE, "data", "synth_binary_1000000x28.parquet")


def make_data(path: str, labels: str, rows: int) -> None:
    """Write the feature matrix and labels (run in a subprocess: the harness stays small)."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(SOURCE).slice(0, rows)
    names = [c for c in table.column_names if c != "target"]
    x = np.column_stack([table.column(c).to_numpy().astype("<f8") for c in names])
    x.tofile(path)
    table.column("target").to_numpy().astype(np.uint8).tofile(labels)


def sklearn_logistic(path: str, labels: str, rows: int, cols: int):
    """scikit-learn's LogisticRegression with its defaults (lbfgs)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.fromfile(path, dtype="<f8").reshape(rows, cols)
    y = np.fromfile(labels, dtype=np.uint8)

    def fit():
        return LogisticRegression(solver="lbfgs").fit(x, y)

    def report(model):
        return {
            "n_iter": int(model.n_iter_[0]),
            "coef": [float(v) for v in model.coef_.ravel()],
            "intercept": float(model.intercept_[0]),
        }

    return fit, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_logistic", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    cols = 28
    stem = os.path.join(HERE, "data", f"logistic_{args.rows}x{cols}")
    path, labels = stem + ".f64", stem + ".u8"
    if not (os.path.exists(path) and os.path.exists(labels)):
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_logistic as b; "
            f"b.make_data({path!r}, {labels!r}, {args.rows})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_logistic")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-linear", "--example", "bench_logistic"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    kw = {"path": path, "labels": labels, "rows": args.rows, "cols": cols}
    contenders = [
        harness.Contender(
            "satori LogisticRegression",
            cmd=[example, path, str(args.rows), str(cols), labels],
            satori=True,
        ),
        harness.Contender("scikit-learn LogisticRegression(lbfgs)", call=(me, "sklearn_logistic", kw)),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    reference = next((s.report for s in summaries if s.report and not s.satori), None)

    def max_rel_diff(s):
        if not (s.report and reference):
            return "—"
        a = s.report["coef"] + [s.report["intercept"]]
        b = reference["coef"] + [reference["intercept"]]
        scale = max(abs(v) for v in b)
        return f"{max(abs(x - y) for x, y in zip(a, b)) / scale:.1e}"

    extra = [
        ("iterations", lambda s: str(s.report.get("n_iter", "—")) if s.report else "—"),
        ("max |Δcoef| / max |coef|", max_rel_diff),
    ]
    notes = [
        f"Fit on {args.rows:,} × {cols} (binary), scikit-learn's defaults (L2, C=1, lbfgs, "
        "tol=1e-4, max_iter=100), contenders alternating; the time excludes reading the data. "
        "Coefficient difference: largest absolute difference of the coefficients and intercept "
        "from scikit-learn's, over scikit-learn's largest (last round).",
    ]
    md = harness.render_markdown(
        summaries,
        title="Logistic regression (lbfgs fit)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_logistic", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
