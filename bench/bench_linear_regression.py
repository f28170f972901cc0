"""Elastic net benchmark: satori-linear against scikit-learn's ElasticNet (coordinate descent).

    bench/run.sh bench_linear_regression [--rows N] [--rounds R] [--alpha A] [--l1-ratio L] [--no-build]

Data: the first N rows (default 1,000,000) of the 28 features of the synthetic set
(bench/data/synth_binary_1000000x28.parquet, made by bench/setup.sh with satori's generator),
with a regression target made once, seeded: y = X·β + 0.5 + N(0, 1) noise, half of β zero.
Written to bench/data/enet_Nx28.f64 (row-major float64) and .y.f64. Each contender, in its own
process, fits ElasticNet(alpha, l1_ratio, tol=1e-4, max_iter=1000, cyclic selection,
precompute=False: scikit-learn's defaults except alpha/l1_ratio) on all rows; the time is the
fit alone (scikit-learn's includes its Fortran-order copy and centring; satori's its column-major
copy and centring). scikit-learn's coordinate descent runs on one thread (its dot/axpy are
level-1 BLAS); satori's splits long columns into fixed row blocks on rayon: compare the CPU
seconds as well as the wall time. The table also shows each side's epochs and the largest
coefficient difference from scikit-learn's fit of the same round.

satori's side is crates/satori-linear/examples/bench_linear_regression.rs (release build).
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


def make_data(path: str, target: str, rows: int) -> None:
    """Write the feature matrix and target (run in a subprocess: the harness stays small)."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(SOURCE).slice(0, rows)
    names = [c for c in table.column_names if c != "target"]
    x = np.column_stack([table.column(c).to_numpy().astype("<f8") for c in names])
    rng = np.random.default_rng(28)
    beta = np.where(rng.uniform(size=x.shape[1]) < 0.5, 0.0, rng.normal(size=x.shape[1]))
    y = x @ beta + 0.5 + rng.normal(size=rows)
    x.tofile(path)
    y.astype("<f8").tofile(target)


def sklearn_enet(path: str, target: str, rows: int, cols: int, alpha: float, l1_ratio: float):
    """scikit-learn's ElasticNet with its defaults but alpha and l1_ratio."""
    import numpy as np
    from sklearn.linear_model import ElasticNet

    x = np.fromfile(path, dtype="<f8").reshape(rows, cols)
    y = np.fromfile(target, dtype="<f8")

    def fit():
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio).fit(x, y)

    def report(model):
        return {
            "n_iter": int(model.n_iter_),
            "dual_gap": float(model.dual_gap_),
            "coef": [float(v) for v in model.coef_.ravel()],
            "intercept": float(model.intercept_),
        }

    return fit, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="bench/run.sh bench_linear_regression", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--alpha", type=float, default=0.01, help="ElasticNet alpha (default 0.01)")
    ap.add_argument("--l1-ratio", type=float, default=0.5, help="ElasticNet l1_ratio (default 0.5)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    cols = 28
    stem = os.path.join(HERE, "data", f"enet_{args.rows}x{cols}")
    path, target = stem + ".f64", stem + ".y.f64"
    if not (os.path.exists(path) and os.path.exists(target)):
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_linear_regression as b; "
            f"b.make_data({path!r}, {target!r}, {args.rows})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    cargo_target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(cargo_target), "release", "examples", "bench_linear_regression")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-linear", "--example", "bench_linear_regression"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    kw = {
        "path": path,
        "target": target,
        "rows": args.rows,
        "cols": cols,
        "alpha": args.alpha,
        "l1_ratio": args.l1_ratio,
    }
    contenders = [
        harness.Contender(
            "satori ElasticNet",
            cmd=[example, path, str(args.rows), str(cols), target, str(args.alpha), str(args.l1_ratio)],
            satori=True,
        ),
        harness.Contender("scikit-learn ElasticNet", call=(me, "sklearn_enet", kw)),
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
        ("epochs", lambda s: str(s.report.get("n_iter", "—")) if s.report else "—"),
        ("max |Δcoef| / max |coef|", max_rel_diff),
    ]
    notes = [
        f"Fit on {args.rows:,} × {cols}, ElasticNet(alpha={args.alpha}, l1_ratio={args.l1_ratio}, "
        "tol=1e-4, max_iter=1000, cyclic), contenders alternating; the time excludes reading the "
        "data. Coefficient difference: largest absolute difference of the coefficients and "
        "intercept from scikit-learn's, over scikit-learn's largest (last round).",
    ]
    md = harness.render_markdown(
        summaries,
        title="Elastic net (coordinate descent fit)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_linear_regression", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
