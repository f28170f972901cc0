"""One-hot encoding benchmark: satori-preprocess's OneHotEncoder against scikit-learn's.

    bench/run.sh bench_onehot [--rows N] [--dense-rows M] [--categories K] [--rounds R] [--no-build]

Data: N rows (default 1,000,000) of one categorical column with K categories (default 1,000)
drawn with Zipf-like frequencies (p_k ∝ 1/(k+1)^1.1, the codes permuted so that frequency does
not follow code order; numpy seed 0), float64 codes written once to bench/data/onehot_N_K.f64.
Every category appears (the rarest 75 times in 1M rows). Two pairs of contenders, each
fit + transform in its own process (reading the data not timed):

- sparse: satori `OneHotEncoderParams::default()` fit + `transform_csr` (CSR) against
  `OneHotEncoder()` fit_transform (scipy CSR, scikit-learn's default `sparse_output=True`);
- dense: satori fit + `transform` against `OneHotEncoder(sparse_output=False)`, on the first M
  rows (default: N; the dense output is M × K float64, 8 GB at 1M × 1,000).

scikit-learn is single-threaded here; satori runs on its default rayon pool (every core), so the
CPU-seconds ratio is the thread-neutral comparison. Each contender reports the output shape, the
stored entries (nnz) and the sum of value × column index, which must agree.

satori's side is crates/satori-preprocess/examples/bench_onehot.rs (release build).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["scikit-learn", "numpy", "scipy"]


def make_data(path: str, rows: int, k: int) -> None:
    """Write the codes (run in a subprocess: the harness stays small)."""
    import numpy as np

    rng = np.random.default_rng(0)
    p = 1.0 / np.arange(1, k + 1) ** 1.1
    codes = rng.permutation(k)[rng.choice(k, size=rows, p=p / p.sum())]
    codes.astype("<f8").tofile(path)


def sklearn_onehot(path: str, rows: int, sparse: bool):
    """scikit-learn's OneHotEncoder (defaults, `sparse_output` as given): fit_transform."""
    import numpy as np
    from sklearn.preprocessing import OneHotEncoder

    x = np.fromfile(path, dtype="<f8", count=rows).reshape(rows, 1)

    def fit_transform():
        return OneHotEncoder(sparse_output=sparse).fit_transform(x)

    def report(m):
        if sparse:
            m = m.tocsr()
            nnz = int(m.nnz)
            checksum = float((m.data * m.indices).sum())
        else:
            nnz = int(np.count_nonzero(m))
            checksum = float((m @ np.arange(m.shape[1], dtype=np.float64)).sum())
        return {"rows": m.shape[0], "cols": m.shape[1], "nnz": nnz, "checksum": checksum}

    return fit_transform, report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh bench_onehot", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    ap.add_argument("--dense-rows", type=int, default=None, help="rows for dense output (default: --rows)")
    ap.add_argument("--categories", type=int, default=1000, help="categories (default 1,000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per contender (default 3)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori example")
    args = ap.parse_args(argv)
    dense_rows = args.rows if args.dense_rows is None else min(args.dense_rows, args.rows)
    sys.path.insert(0, HERE)
    import harness

    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    path = os.path.join(data_dir, f"onehot_{args.rows}_{args.categories}.f64")
    if not os.path.exists(path):
        code = (
            f"import sys; sys.path.insert(0, {HERE!r}); import bench_onehot as b; "
            f"b.make_data({path!r}, {args.rows}, {args.categories})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
    # the dense rows are the first dense_rows of the file: a prefix file for satori's reader
    dense_path = path
    if dense_rows != args.rows:
        dense_path = os.path.join(data_dir, f"onehot_{args.rows}_{args.categories}_first{dense_rows}.f64")
        if not os.path.exists(dense_path):
            with open(path, "rb") as f, open(dense_path, "wb") as g:
                g.write(f.read(8 * dense_rows))

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    example = os.path.join(os.path.abspath(target), "release", "examples", "bench_onehot")
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "satori-preprocess", "--example", "bench_onehot"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            return 2
    me = os.path.abspath(__file__)
    k = str(args.categories)
    contenders = [
        harness.Contender(
            "satori transform_csr", cmd=[example, path, str(args.rows), k, "sparse"],
            group="sparse", satori=True,
        ),
        harness.Contender(
            "scikit-learn OneHotEncoder()",
            call=(me, "sklearn_onehot", {"path": path, "rows": args.rows, "sparse": True}),
            group="sparse",
        ),
        harness.Contender(
            "satori transform (dense)", cmd=[example, dense_path, str(dense_rows), k, "dense"],
            group="dense", satori=True,
        ),
        harness.Contender(
            "scikit-learn sparse_output=False",
            call=(me, "sklearn_onehot", {"path": path, "rows": dense_rows, "sparse": False}),
            group="dense",
        ),
    ]
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    summaries = harness.summarize(runs, contenders)
    agree = True
    for group in ("sparse", "dense"):
        reps = [(s.report or {}) for s in summaries if s.group == group]
        keys = [(r.get("rows"), r.get("cols"), r.get("nnz"), r.get("checksum")) for r in reps]
        if len(set(keys)) != 1:
            agree = False
            print(f"warning: the {group} outputs differ: {keys}", file=sys.stderr)
    extra = [
        ("shape", lambda s: f"{s.report['rows']:,} × {s.report['cols']:,}" if s.report else "—"),
        ("nnz", lambda s: f"{s.report['nnz']:,}" if s.report else "—"),
        ("checksum", lambda s: f"{s.report['checksum']:.0f}" if s.report else "—"),
    ]
    notes = [
        f"Fit + transform of one column with {args.categories:,} Zipf-distributed categories: "
        f"{args.rows:,} rows for sparse output, {dense_rows:,} for dense; contenders alternating; "
        "reading the data not timed. checksum: the sum of value × column index over the output. "
        + ("The outputs agree (shape, nnz, checksum)." if agree else "THE OUTPUTS DIFFER."),
    ]
    md = harness.render_markdown(
        summaries,
        title="One-hot encoding (fit + transform)",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    print(md)
    print("written to " + harness.save_results("bench_onehot", runs, summaries, md), file=sys.stderr)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
