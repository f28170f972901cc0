"""SMOTE (k_neighbors=5) on 100,000 × 20 rows: satori-imbalance against imbalanced-learn.

    bench/run.sh bench_smote [--rows 100000] [--features 20] [--repeats 3] [--no-build]

Data: scikit-learn's make_classification(n_samples=ROWS, n_features=FEATURES, n_informative=10,
weights=[0.9, 0.1], random_state=0), float64; SMOTE brings the 10% class up to the majority
(about 80,000 new rows). Both sides get the same matrix: satori reads it from a raw file written
here.

Contenders, each timed REPEATS times (the best and the median are reported), the data already in
memory:

- satori: the release example ``crates/satori-imbalance/examples/smote_timing.rs`` (its
  ``SmoteParams { k_neighbors: 5 }.fit_resample``), with RAYON_NUM_THREADS = 1 and = the
  machine's cores;
- imbalanced-learn: ``SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)`` (its neighbour
  search is scikit-learn's NearestNeighbors with its defaults; OMP/BLAS threads as given by
  OMP_NUM_THREADS, 1 and the machine's cores).

Each run also records its CPU seconds (user + system, all threads of the process: satori's from
/proc/self/stat around each repeat, imbalanced-learn's from time.process_time()), which are
steadier than wall time on a shared, busy machine, and the load average before and after.

Writes bench/results/bench_smote.json (every run) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imblearn_times(x, y, repeats):
    from imblearn.over_sampling import SMOTE

    times, cpu = [], []
    for _ in range(repeats):
        c = time.process_time()
        t = time.perf_counter()
        xr, _ = SMOTE(k_neighbors=5, random_state=0).fit_resample(x, y)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return times, cpu, int(xr.shape[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--threads", type=str, default=f"1,{os.cpu_count()}")
    ap.add_argument("--worker", type=str, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    import numpy as np
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=args.rows, n_features=args.features, n_informative=10,
        weights=[0.9, 0.1], random_state=0,
    )
    if args.worker == "imblearn":
        times, cpu, rows = imblearn_times(x, y, args.repeats)
        print(json.dumps({"seconds": times, "cpu_seconds": cpu, "rows_out": rows}))
        return

    data = ROOT / "bench" / "data" / "smote"
    data.mkdir(parents=True, exist_ok=True)
    xf, yf = data / "x.f64", data / "y.u8"
    x.astype("<f8").tofile(xf)
    y.astype(np.uint8).tofile(yf)
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    exe = Path(target) / "release" / "examples" / "smote_timing"
    if not args.no_build:
        subprocess.run(
            ["cargo", "build", "--release", "-p", "satori-imbalance", "--example", "smote_timing"],
            cwd=ROOT, check=True,
        )
    load_before = os.getloadavg()
    runs = []
    for threads in [int(t) for t in args.threads.split(",")]:
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        out = subprocess.run(
            [str(exe), str(xf), str(yf), str(args.rows), str(args.features), "5",
             str(args.repeats)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        r = json.loads(out)
        runs.append({"tool": "satori", "threads": threads, **r})
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        out = subprocess.run(
            [sys.executable, __file__, "--worker", "imblearn", "--rows", str(args.rows),
             "--features", str(args.features), "--repeats", str(args.repeats)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        r = json.loads(out)
        runs.append({"tool": "imbalanced-learn", "threads": threads, **r})
    import imblearn
    import sklearn

    result = {
        "command": os.environ.get("BENCH_COMMAND", "bench/run.sh bench_smote"),
        "rows": args.rows, "features": args.features, "repeats": args.repeats,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": {"imbalanced-learn": imblearn.__version__, "scikit-learn": sklearn.__version__,
                     "numpy": np.__version__},
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
        "runs": runs,
    }
    out = ROOT / "bench" / "results" / "bench_smote.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    def best(tool, threads, key):
        vals = [min(r[key]) for r in runs
                if r["tool"] == tool and r["threads"] == threads and r.get(key)]
        return min(vals) if vals else None

    print("| threads | satori best (s) | imbalanced-learn best (s) | ratio "
          "| satori CPU (s) | imbalanced-learn CPU (s) | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    for threads in sorted({r["threads"] for r in runs}):
        s, i = best("satori", threads, "seconds"), best("imbalanced-learn", threads, "seconds")
        sc = best("satori", threads, "cpu_seconds")
        ic = best("imbalanced-learn", threads, "cpu_seconds")
        cpu = (f"{sc:.2f} | {ic:.2f} | {sc / ic:.2f}×" if sc is not None and ic else "– | – | –")
        print(f"| {threads} | {s:.3f} | {i:.3f} | {s / i:.2f}× | {cpu} |")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    for r in runs:
        r["median"] = statistics.median(r["seconds"])
        if r.get("cpu_seconds"):
            r["cpu_median"] = statistics.median(r["cpu_seconds"])
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
