"""Data-loading benchmark: satori's reader against pandas and pyarrow, on the same CSV and Parquet.

    bench/run.sh data_loading [--rows N] [--rounds R] [--peers-only] [--no-build] [--regenerate]

Defaults: 1M rows, 5 rounds; the whole run takes about 1-2 minutes (plus ~30 s to generate the
data the first time).

The data set is the shared synthetic binary-classification set, 1M rows × 28 features + a 0/1
`target` (header `f0..f27,target`), generated once into bench/data/ (git-ignored) and reused:
by satori's synthetic generator (crates/satori-data/examples/synth_csv.rs) when it builds, else
by numpy (seeded; a numpy-made set is remade once satori's generator works). Floats are written
in shortest round-trip form, so the file holds exactly the generated doubles and its content
does not depend on which tool reads it. A Parquet copy is written with pyarrow.

Each tool reads each file in its own process (see harness.py); satori's side is the example
crates/satori-data/examples/read.rs (release build). Every contender reports each column's sum
and the count of missing values; the benchmark checks that all tools read the same numbers
before it prints the table. Time = the read alone (without process start-up and imports).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
N_FEATURES = 28
SEED = 42
#: Tools whose versions the table records.
PACKAGES = ["pandas", "pyarrow", "numpy"]

# Targets from the issue: CSV read time ≤ 1.0× pyarrow's and < pandas', peak memory ≤ 2× the
# loaded f64 matrix.
TARGET_RATIO_PYARROW = 1.0
TARGET_PEAK_OVER_MATRIX = 2.0


# ---------------------------------------------------------------------------------------------
# The contenders' Python sides: each returns (timed callable, untimed report function).
# Imports happen here, in the prepare step, so they are not timed and each process imports only
# what its own tool needs.


def pandas_csv(path: str, engine: str | None = None):
    """pandas.read_csv with the default (C) engine, or the given one."""
    import pandas as pd

    kwargs = {} if engine is None else {"engine": engine}
    return (lambda: pd.read_csv(path, **kwargs)), _pandas_report


def pyarrow_csv(path: str):
    """pyarrow.csv.read_csv."""
    import pyarrow.csv

    return (lambda: pyarrow.csv.read_csv(path)), _arrow_report


def pyarrow_parquet(path: str):
    """pyarrow.parquet.read_table."""
    import pyarrow.dataset  # noqa: F401  (read_table imports it lazily: an import, not a read)
    import pyarrow.parquet

    return (lambda: pyarrow.parquet.read_table(path)), _arrow_report


def _pandas_report(df) -> dict:
    return {
        "rows": int(df.shape[0]),
        "cols": int(df.shape[1]),
        "column_sums": [float(df[c].sum()) for c in df.columns],
        "missing": int(df.isna().sum().sum()),
    }


def _arrow_report(table) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    sums, missing = [], 0
    for col in table.columns:
        missing += col.null_count
        if pa.types.is_floating(col.type):
            missing += pc.sum(pc.is_nan(col)).as_py() or 0
            sums.append(pc.sum(pc.if_else(pc.is_nan(col), None, col)).as_py() or 0.0)
        else:
            sums.append(float(pc.sum(col).as_py() or 0))
    return {"rows": table.num_rows, "cols": table.num_columns, "column_sums": sums, "missing": missing}


# ---------------------------------------------------------------------------------------------
# The data set


def dataset_paths(rows: int) -> tuple[str, str, str]:
    """(csv, parquet, metadata json) paths for a data set of ``rows`` rows."""
    stem = os.path.join(DATA, f"synth_binary_{rows}x{N_FEATURES}")
    return stem + ".csv", stem + ".parquet", stem + ".json"


def generate_numpy(rows: int, csv_path: str) -> str:
    """The numpy fallback generator; returns its description for the metadata.

    28 standard-normal features, 8 of them informative; the target is a Bernoulli draw from a
    logistic model with one interaction term, so the set is learnable but not separable.
    """
    import numpy as np

    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((rows, N_FEATURES))
    w = np.zeros(N_FEATURES)
    w[:8] = rng.standard_normal(8)
    logits = x @ w + 0.5 * x[:, 0] * x[:, 1]
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logits))).astype(np.int64)
    header = ",".join(f"f{i}" for i in range(N_FEATURES)) + ",target\n"
    tmp = csv_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(header)
        chunk = 50_000
        for start in range(0, rows, chunk):
            xs = x[start : start + chunk].tolist()
            ys = y[start : start + chunk].tolist()
            # repr(float) is the shortest string that round-trips to the same double.
            f.write("".join(",".join(map(repr, r)) + f",{t}\n" for r, t in zip(xs, ys)))
    os.replace(tmp, csv_path)
    return f"numpy {np.__version__} default_rng({SEED}) (fallback: satori's generator not available)"


SATORI_GENERATOR = "satori_data::synth::ClassificationParams"


def generate_satori(rows: int, csv_path: str, build: bool) -> str | None:
    """Generate with satori's generator (the example synth_csv); None where it is not available."""
    if build:
        cmd = ["cargo", "build", "--release", "-p", "satori-data", "--example", "synth_csv"]
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            print("satori's generator did not build: falling back to numpy", file=sys.stderr)
            return None
    exe = satori_example("synth_csv")
    if not os.path.exists(exe):
        return None
    tmp = csv_path + ".tmp"
    done = subprocess.run([exe, str(rows), tmp], capture_output=True, text=True)
    if done.returncode != 0:
        if os.path.exists(tmp):
            os.remove(tmp)
        print(f"satori's generator failed ({done.stderr.strip()}): falling back to numpy", file=sys.stderr)
        return None
    os.replace(tmp, csv_path)
    return (
        f"{SATORI_GENERATOR} (28 features: 8 informative, 4 redundant; seed 42; "
        "crates/satori-data/examples/synth_csv.rs)"
    )


def ensure_dataset(rows: int, regenerate: bool, build: bool) -> dict:
    """Generate the CSV (and its Parquet copy) unless already there; return the metadata.

    satori's generator is preferred; a set made by the numpy fallback is remade once satori's
    generator works.
    """
    csv_path, pq_path, meta_path = dataset_paths(rows)
    if not regenerate and all(os.path.exists(p) for p in (csv_path, pq_path, meta_path)):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("generator", "").startswith(SATORI_GENERATOR):
            return meta
    os.makedirs(DATA, exist_ok=True)
    t0 = time.perf_counter()
    print(f"generating {rows} × {N_FEATURES} into {csv_path}", file=sys.stderr, flush=True)
    generator = generate_satori(rows, csv_path, build)
    if generator is None:
        if not regenerate and all(os.path.exists(p) for p in (csv_path, pq_path, meta_path)):
            with open(meta_path) as f:
                return json.load(f)  # keep the numpy set already there
        generator = generate_numpy(rows, csv_path)
    import pyarrow.csv
    import pyarrow.parquet

    table = pyarrow.csv.read_csv(csv_path)
    pyarrow.parquet.write_table(table, pq_path + ".tmp")
    os.replace(pq_path + ".tmp", pq_path)
    del table
    meta = {
        "rows": rows,
        "features": N_FEATURES,
        "generator": generator,
        "csv_bytes": os.path.getsize(csv_path),
        "parquet_bytes": os.path.getsize(pq_path),
        "parquet_writer": f"pyarrow {pyarrow.__version__} (default: snappy)",
    }
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)
    print(f"generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return meta


def warm_page_cache(*paths: str) -> None:
    """Read the files once so that every contender reads them from memory, not disk."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


# ---------------------------------------------------------------------------------------------
# satori's side


def build_satori() -> bool:
    """Release build of the reader example (a no-op when up to date); False if it failed."""
    cmd = ["cargo", "build", "--release", "-p", "satori-data", "--example", "read"]
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode == 0


def satori_example(name: str) -> str:
    """The path of the release build of a satori-data example."""
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(os.path.abspath(target), "release", "examples", name)


# ---------------------------------------------------------------------------------------------
# Checks and the table


def check_same_numbers(summaries, rows: int) -> list[str]:
    """Every tool read rows × 29 values with the same column sums; returns the problems."""
    problems = []
    reference = None
    for s in summaries:
        r = s.report
        if r is None:
            continue
        if r.get("rows") != rows or r.get("cols") != N_FEATURES + 1:
            problems.append(f"{s.contender} read {r.get('rows')} × {r.get('cols')}, expected {rows} × {N_FEATURES + 1}")
            continue
        if r.get("missing") != 0:
            problems.append(f"{s.contender} found {r.get('missing')} missing values, expected 0")
        sums = r.get("column_sums") or []
        if reference is None:
            reference = (s.contender, sums)
            continue
        for i, (a, b) in enumerate(zip(reference[1], sums)):
            if a is None or b is None or not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6):
                problems.append(f"column {i}: {reference[0]} sums to {a!r}, {s.contender} to {b!r}")
                break
    return problems


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.sh data_loading", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows in the data set (default 1M)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds per contender (default 5; at least 3 for a published table)")
    ap.add_argument("--peers-only", action="store_true", help="leave satori out (while its reader is not ready)")
    ap.add_argument("--no-build", action="store_true", help="do not (re)build the satori reader example")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the data set even if present")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rows < 1 or args.rounds < 1:
        ap.error("--rows and --rounds must be at least 1")

    sys.path.insert(0, HERE)
    import harness

    if args.generate_only:
        ensure_dataset(args.rows, args.regenerate, build=not args.no_build)
        return 0
    # Generate in a subprocess: this process spawns the contenders and must stay small (see
    # harness.run_once on ru_maxrss).
    gen = [sys.executable, os.path.abspath(__file__), "--generate-only", "--rows", str(args.rows)]
    gen += ["--regenerate"] if args.regenerate else []
    gen += ["--no-build"] if args.no_build else []
    if subprocess.run(gen).returncode != 0:
        print("bench/run.sh data_loading: generating the data set failed (above)", file=sys.stderr)
        return 2
    with open(dataset_paths(args.rows)[2]) as f:
        meta = json.load(f)
    csv_path, pq_path, _ = dataset_paths(args.rows)
    warm_page_cache(csv_path, pq_path)

    me = os.path.abspath(__file__)
    contenders = []
    if not args.peers_only:
        if not args.no_build and not build_satori():
            print(
                "bench/run.sh data_loading: the release build of satori's reader failed (above); "
                "fix it, or pass --no-build to use the last build, or --peers-only",
                file=sys.stderr,
            )
            return 2
        reader = satori_example("read")
        if not os.path.exists(reader):
            print(f"bench/run.sh data_loading: {reader} not found; run bench/setup.sh", file=sys.stderr)
            return 2
        contenders += [
            harness.Contender("satori CSV", cmd=[reader, csv_path], group="CSV", satori=True),
            harness.Contender("satori Parquet", cmd=[reader, pq_path], group="Parquet", satori=True),
        ]
    contenders += [
        harness.Contender("pyarrow.csv.read_csv", call=(me, "pyarrow_csv", {"path": csv_path}), group="CSV"),
        harness.Contender("pandas.read_csv", call=(me, "pandas_csv", {"path": csv_path}), group="CSV"),
        harness.Contender(
            'pandas.read_csv(engine="pyarrow")',
            call=(me, "pandas_csv", {"path": csv_path, "engine": "pyarrow"}),
            group="CSV",
        ),
        harness.Contender("pyarrow.parquet.read_table", call=(me, "pyarrow_parquet", {"path": pq_path}), group="Parquet"),
    ]
    # Keep the table grouped (CSV first) while the run alternates over all contenders.
    stats: dict = {}
    runs = harness.run_contenders(contenders, rounds=args.rounds, stats=stats)
    order = sorted(range(len(contenders)), key=lambda i: (contenders[i].group != "CSV", i))
    contenders = [contenders[i] for i in order]
    summaries = harness.summarize(runs, contenders)

    problems = check_same_numbers(summaries, args.rows)
    matrix_bytes = args.rows * (N_FEATURES + 1) * 8
    extra = [
        ("peak ÷ matrix", lambda s: f"{s.peak_rss_bytes / matrix_bytes:.2f}"),
    ]
    notes = [
        f"Data: {args.rows:,} rows × {N_FEATURES} features + target; CSV {meta['csv_bytes'] / 2**20:,.0f} MiB, "
        f"Parquet {meta['parquet_bytes'] / 2**20:,.0f} MiB ({meta['parquet_writer']}); generated by {meta['generator']}. "
        f"Matrix = rows × 29 × 8 bytes = {matrix_bytes / 2**20:,.0f} MiB. Files in the page cache. "
        "Time = the read alone (no process start-up or imports); CPU = user + sys over all threads "
        "during the read; peak RSS = the process's high-water mark.",
    ]
    notes += targets_verdict(summaries, matrix_bytes)
    if problems:
        notes.append("**The tools did not read the same numbers:** " + "; ".join(problems))
    else:
        notes.append("All tools read the same shape and the same column sums (checked before the table was written).")
    md = harness.render_markdown(
        summaries,
        title=f"Data loading: {args.rows:,} × {N_FEATURES + 1} CSV and Parquet",
        rounds=args.rounds,
        packages=PACKAGES,
        extra=extra,
        notes=notes,
        stats=stats,
    )
    path = harness.save_results("data_loading", runs, summaries, md)
    print(md)
    print(f"(written to {os.path.relpath(path, ROOT)})", file=sys.stderr)
    return 1 if problems else 0


def targets_verdict(summaries, matrix_bytes: int) -> list[str]:
    """Lines saying whether satori met the issue's targets (nothing when satori did not run)."""
    by = {s.contender: s for s in summaries}
    sat = by.get("satori CSV")
    if sat is None or sat.seconds is None:
        return ["satori's rows are pending: its reader did not run in this table."]
    pa = by.get("pyarrow.csv.read_csv")
    pd = by.get("pandas.read_csv")
    out = []
    if pa and pa.ratio is not None:
        ok = pa.ratio <= TARGET_RATIO_PYARROW
        out.append(f"Target CSV time ≤ {TARGET_RATIO_PYARROW:.1f}× pyarrow's: {pa.ratio:.2f}× — {'met' if ok else 'NOT met'}.")
    if pd and pd.ratio is not None:
        ok = pd.ratio < 1.0
        out.append(f"Target faster than pandas: {pd.ratio:.2f}× — {'met' if ok else 'NOT met'}.")
    peak = sat.peak_rss_bytes / matrix_bytes
    ok = peak <= TARGET_PEAK_OVER_MATRIX
    out.append(f"Target CSV peak memory ≤ {TARGET_PEAK_OVER_MATRIX:.0f}× the matrix: {peak:.2f}× — {'met' if ok else 'NOT met'}.")
    return [" ".join(out)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
