"""Sparse logistic regression benchmark: satori-linear's fit_csr against scikit-learn's
LogisticRegression(lbfgs) on a scipy.sparse.csr_matrix.

    bench/run.sh bench_logistic_sparse [--rows N] [--cols P] [--rounds R] [--no-build]

Data: a TF-IDF-like CSR matrix, N rows (default 100,000) × P terms (default 50,000), made once
with a fixed seed: each document draws Poisson(60) + 5 tokens from a Zipf-like (s = 1.1)
distribution over the terms; the counts go through scikit-learn's TfidfTransformer (smooth idf,
l2 rows). The label is 1 when a sparse hidden weight vector (2,000 informative terms) scores the
row above the median (plus 5% flipped labels). Written to bench/data/logistic_sparse_NxP.* as raw
little-endian CSR parts (indptr u64, indices u32, data f64, labels u8).

Each contender, in its own process, fits scikit-learn's defaults (L2, C=1, solver="lbfgs",
tol=1e-4, max_iter=100) on the CSR matrix, never densified; the time is the fit alone. Both use
every core (scikit-learn: scipy's sparse products and OpenMP; satori: rayon over fixed row
chunks): compare the CPU-seconds ratio. The table also shows the iterations and the largest
coefficient difference from scikit-learn's fit of the same round.

satori's side is crates/satori-linear/examples/bench_logistic_sparse.rs (release build).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "scipy"]
SEED = 20261129


def make_data(stem: str, rows: int, cols: int) -> None:
    """Write the CSR parts and labels (run in a subprocess: the harness stays small)."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(SEED)
    ranks = np.arange(1, cols + 1, dtype=np.float64)
    prob = ranks ** -1.1
    prob /= prob.sum()
    perm = rng.permutation(cols)  # frequent terms scattered over the columns
    lengths = rng.poisson(60, size=rows) + 5
    tokens = perm[rng.choice(cols, size=int(lengths.sum()), p=prob)]
    row_of = np.repeat(np.arange(rows), lengths)
    counts = sp.csr_matrix((np.ones(len(tokens)), (row_of, tokens)), shape=(rows, cols))
    counts.sum_duplicates()
    x = TfidfTransformer().fit_transform(counts).tocsr()
    x.sort_indices()
    hidden = np.zeros(cols)
    informative = rng.choice(cols, size=2000, replace=False)
    hidden[informative] = rng.normal(size=2000) * 3.0
    score = x @ hidden
    y = (score > np.median(score)).astype(np.uint8)
    flip = rng.uniform(size=rows) < 0.05
    y[flip] = 1 - y[flip]
    x.indptr.astype("<u8").tofile(stem + ".indptr")
    x.indices.astype("<u4").tofile(stem + ".indices")
    x.data.astype("<f8").tofile(stem + ".data")
    y.tofile(stem + ".u8")


def load(stem: str, rows: int, cols: int):
    import numpy as np
    import scipy.sparse as sp

    indptr = np.fromfile(stem + ".indptr", dtype="<u8").astype(np.int64)
    indices = np.fromfile(stem + ".indices", dtype="<u4").astype(np.int32)
    data = np.fromfile(stem + ".data", dtype="<f8")
    y = np.fromfile(stem + ".u8", dtype=np.uint8)
    return sp.csr_matrix((data, indices, indptr), shape=(rows, cols)), y


def sklearn_logistic(stem: str, rows: int, cols: int):
    """scikit-learn's LogisticRegression with its defaults (lbfgs) on the CSR matrix."""
    from sklearn.linear_model import LogisticRegression

    x, y = load(stem, rows, cols)

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
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_logistic_sparse", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="rows (default 100,000)")
    ap.add_argument("--cols", type=int, default=50_000, help="terms (default 50,000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    stem = os.path.join(HERE, "data", f"logistic_sparse_{args.rows}x{args.cols}")
    if not all(os.path.exists(stem + s) for s in (".indptr", ".indices", ".data", ".u8")):
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_logistic_sparse as b; "
            f"b.make_data({stem!r}, {args.rows}, {args.cols})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
    nnz = os.path.getsize(stem + ".data") // 8

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_logistic_sparse")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-linear", "--example", "bench_logistic_sparse"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    kw = {"stem": stem, "rows": args.rows, "cols": args.cols}
    contenders = [
        harness.Contender(
            "satori LogisticRegression (fit_csr)",
            cmd=[example, stem, str(args.rows), str(args.cols), str(nnz)],
            satori=True,
        ),
        harness.Contender("scikit-learn LogisticRegression(lbfgs), csr_matrix", call=(me, "sklearn_logistic", kw)),
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
        f"Fit on a {args.rows:,} × {args.cols:,} TF-IDF-like CSR matrix ({nnz:,} stored entries, "
        f"{nnz / (args.rows * args.cols):.2%} dense), binary labels, scikit-learn's defaults (L2, "
        "C=1, lbfgs, tol=1e-4, max_iter=100), contenders alternating; the time excludes reading "
        "the data. Coefficient difference: largest absolute difference of the coefficients and "
        "intercept from scikit-learn's, over scikit-learn's largest (last round).",
    ]
    md = harness.render_markdown(
        summaries,
        title="Sparse logistic regression (lbfgs fit on CSR input)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_logistic_sparse", runs, summaries, md), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
