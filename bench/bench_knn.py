"""k-nearest-neighbour search benchmark: satori-neighbors against scikit-learn's NearestNeighbors.

    bench/run.sh bench_knn [--threads T] [--rounds R] [--no-build]
                           [--kd-rows N] [--kd-cols P] [--kd-queries Q]
                           [--brute-rows N] [--brute-cols P] [--brute-queries Q]

Two cases, k = 5, each contender in its own process, build + kneighbors timed (reading the data
is not):

- **kd_tree**: N (default 1,000,000) × P (default 10) standard normal rows, Q (default 10,000)
  standard normal queries; scikit-learn `NearestNeighbors(algorithm="kd_tree")` (leaf_size 30)
  against satori's KD-tree (leaf_size 30).
- **brute**: N (default 100,000) × P (default 100) rows, Q (default 2,000) queries, both from a
  mixture of 20 Gaussian clusters; `algorithm="brute"` on both sides.

Data: numpy seed 0, written once to bench/data/knn_<case>_*.f64 (row-major float64).
Threads: T (default: every core) for both — `RAYON_NUM_THREADS` for satori, `n_jobs=T` and
`OMP_NUM_THREADS`/`OPENBLAS_NUM_THREADS`/`MKL_NUM_THREADS` = T for scikit-learn (its brute force
runs on OpenMP and BLAS). Both report checksums of their answer (Σ (j+1)·index, Σ distance); the
table says whether they agree.

satori's side is crates/satori-neighbors/examples/knn_bench.rs (release build).
Results: bench/results/knn.json (every run) and knn.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "scipy"]
K = 5


def make_data(case: str, x_path: str, q_path: str, rows: int, cols: int, queries: int) -> None:
    """Write the benchmark rows and queries (in a subprocess: the harness stays small)."""
    import numpy as np

    rng = np.random.default_rng(0)
    if case == "kd_tree":
        x = rng.standard_normal((rows, cols))
        q = rng.standard_normal((queries, cols))
    else:
        centres = rng.standard_normal((20, cols)) * 3.0
        x = centres[rng.integers(0, 20, rows)] + rng.standard_normal((rows, cols))
        q = centres[rng.integers(0, 20, queries)] + rng.standard_normal((queries, cols))
    x.astype("<f8").tofile(x_path)
    q.astype("<f8").tofile(q_path)


def sklearn_knn(x_path: str, q_path: str, rows: int, cols: int, queries: int, algorithm: str,
                threads: int):
    """scikit-learn's NearestNeighbors: fit, then kneighbors of every query."""
    import numpy as np
    from sklearn.neighbors import NearestNeighbors

    x = np.fromfile(x_path, dtype="<f8").reshape(rows, cols)
    q = np.fromfile(q_path, dtype="<f8").reshape(queries, cols)

    def search():
        nn = NearestNeighbors(n_neighbors=K, algorithm=algorithm, n_jobs=threads).fit(x)
        return nn.kneighbors(q)

    def report(result):
        dist, ind = result
        weights = np.arange(1, K + 1, dtype=np.uint64)
        checksum = int((ind.astype(np.uint64) * weights).sum())
        return {"index_checksum": checksum, "distance_sum": float(dist.sum())}

    return search, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_knn", description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    ap.add_argument("--kd-rows", type=int, default=1_000_000)
    ap.add_argument("--kd-cols", type=int, default=10)
    ap.add_argument("--kd-queries", type=int, default=10_000)
    ap.add_argument("--brute-rows", type=int, default=100_000)
    ap.add_argument("--brute-cols", type=int, default=100)
    ap.add_argument("--brute-queries", type=int, default=2_000)
    ap.add_argument("--cases", default="kd_tree,brute", help="comma-separated (default both)")
    args = ap.parse_args(argv)
    sys.path.insert(0, HERE)
    import harness

    t = str(args.threads)
    for var in ["RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]:
        harness.CHILD_ENV[var] = t
        os.environ[var] = t

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "knn_bench")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-neighbors", "--example", "knn_bench"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2

    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    me = os.path.abspath(__file__)
    contenders = []
    shapes = {}
    for case in args.cases.split(","):
        rows, cols, queries = (
            (args.kd_rows, args.kd_cols, args.kd_queries)
            if case == "kd_tree"
            else (args.brute_rows, args.brute_cols, args.brute_queries)
        )
        shapes[case] = (rows, cols, queries)
        stem = os.path.join(data_dir, f"knn_{case}_{rows}x{cols}_{queries}")
        x_path, q_path = stem + "_x.f64", stem + "_q.f64"
        if not (os.path.exists(x_path) and os.path.exists(q_path)):
            code = (
                f"import sys; sys.path.insert(0, {HERE!r}); import bench_knn as b; "
                f"b.make_data({case!r}, {x_path!r}, {q_path!r}, {rows}, {cols}, {queries})"
            )
            subprocess.run([sys.executable, "-c", code], check=True)
        group = f"{case} {rows:,}×{cols}, {queries:,} queries"
        kw = {"x_path": x_path, "q_path": q_path, "rows": rows, "cols": cols,
              "queries": queries, "algorithm": case, "threads": args.threads}
        contenders += [
            harness.Contender(
                f"satori {case}",
                cmd=[example, x_path, str(rows), str(cols), q_path, str(queries), case, str(K)],
                group=group,
                satori=True,
            ),
            harness.Contender(f"scikit-learn {case}", call=(me, "sklearn_knn", kw), group=group),
        ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)

    # The same neighbours: satori's checksums against scikit-learn's, per case (last round).
    reports = {s.contender: s.report for s in summaries}
    agree = {}
    for case in shapes:
        a, b = reports.get(f"satori {case}"), reports.get(f"scikit-learn {case}")
        if a and b:
            agree[case] = (
                int(a["index_checksum"]) == int(b["index_checksum"])
                and abs(a["distance_sum"] - b["distance_sum"]) <= 1e-9 * abs(b["distance_sum"])
            )

    def same(s):
        case = s.contender.split(" ", 1)[1]
        return {True: "yes", False: "NO"}.get(agree.get(case), "—")

    extra = [("same neighbours", same)]
    notes = [
        f"build + kneighbors (k = {K}), {args.threads} thread(s) on both sides "
        "(RAYON_NUM_THREADS; n_jobs and OMP/OPENBLAS/MKL_NUM_THREADS), contenders alternating; "
        "the time excludes reading the data. 'same neighbours': the index checksum is equal and "
        "the distance sums agree to 1e-9 (relative).",
    ]
    md = harness.render_markdown(
        summaries,
        title="k-nearest-neighbour search (build + kneighbors, k = 5)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("knn", runs, summaries, md), file=sys.stderr)
    return 0 if all(agree.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
