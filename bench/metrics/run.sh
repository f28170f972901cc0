#!/usr/bin/env bash
# ROC-AUC, average precision and log loss on the same 10 million binary scores: satori (release
# build) against scikit-learn (the pinned golden-test venv), alternating, ROUNDS rounds, medians.
# Writes bench/metrics/results.md and prints it.
# Usage: bench/metrics/run.sh [n_samples (default 10000000)] [rounds (default 5)]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-10000000}
rounds=${2:-5}
seed=42
py=${PYTHON:-$root/tests/golden/.venv/bin/python}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

(cd "$root" && cargo build --release -q -p satori-metrics --example bench_metrics)
bin="$root/target/release/examples/bench_metrics"
"$py" "$here/sklearn_side.py" gen "$data" "$n" "$seed"

log="$data/times.txt"
: >"$log"
for r in $(seq 1 "$rounds"); do
  "$bin" "$data" | sed 's/^/satori /' >>"$log"
  "$py" "$here/sklearn_side.py" time "$data" | sed 's/^/sklearn /' >>"$log"
  echo "round $r/$rounds done" >&2
done

"$py" - "$log" "$n" "$rounds" "$(nproc)" >"$here/results.md" <<'PY'
import statistics, sys, platform
import sklearn, numpy
log, n, rounds, cores = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
times, values = {}, {}
for line in open(log):
    who, name, t, v = line.split()
    times.setdefault((who, name), []).append(float(t))
    values[(who, name)] = float(v)
print(f"# satori-metrics vs scikit-learn ({n:,} binary scores)\n")
print(f"`bench/metrics/run.sh {n} {rounds}`: {rounds} alternating rounds, median wall time of the "
      f"metric call only (data already in memory); {cores} CPU cores; scikit-learn "
      f"{sklearn.__version__}, NumPy {numpy.__version__}, Python {platform.python_version()}.\n")
print("| metric | scikit-learn (s) | satori (s) | speed-up | value (scikit-learn) | value (satori) |")
print("|---|---:|---:|---:|---:|---:|")
for name in ("roc_auc", "average_precision", "log_loss"):
    sk = statistics.median(times[("sklearn", name)])
    sa = statistics.median(times[("satori", name)])
    print(f"| {name} | {sk:.3f} | {sa:.3f} | {sk / sa:.1f}× | {values[('sklearn', name)]!r} "
          f"| {values[('satori', name)]!r} |")
PY
cat "$here/results.md"
