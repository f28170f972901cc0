#!/usr/bin/env bash
# Run one benchmark:
#
#   bench/run.sh data_loading [options]     # options: bench/run.sh data_loading --help
#   bench/run.sh metrics [args]             # a benchmark with its own folder: bench/metrics/run.sh
#
# bench/NAME.py runs with the peer tools' venv (made by bench/setup.sh); its table is printed and
# written to bench/results/NAME.md (and every run to NAME.json). bench/NAME/run.sh is run as is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python="$here/.venv/bin/python"
available=$(cd "$here" && { ls *.py | grep -v -e '^harness\.py$' -e '^test_' | sed 's/\.py$//'; ls */run.sh 2>/dev/null | sed 's,/run\.sh$,,'; } | tr '\n' ' ')
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh BENCHMARK [options]   (benchmarks: $available)" >&2
  exit 2
fi
name=$1
shift
export BENCH_COMMAND="bench/run.sh $name${*:+ $*}"
if [[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] && [ -x "$here/$name/run.sh" ]; then
  exec "$here/$name/run.sh" "$@"
fi
if ! [[ "$name" =~ ^[A-Za-z0-9_]+$ ]] || [ ! -f "$here/$name.py" ] || [ "$name" = harness ] || [[ "$name" == test_* ]]; then
  echo "bench/run.sh: no benchmark '$name' (benchmarks: $available)" >&2
  exit 2
fi
if [ ! -x "$python" ]; then
  echo "bench/run.sh: $python not found; run bench/setup.sh first" >&2
  exit 2
fi
cd "$here/.."
exec "$python" "$here/$name.py" "$@"
