#!/usr/bin/env bash
# Regenerate every golden case: tests/golden/<case>/generate.py writes <case>/expected.json.
# Usage: tests/golden/regenerate.sh [case ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=$("$here/setup-venv.sh" | tail -n 1)
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  for d in "$here"/*/; do [ -f "$d/generate.py" ] && cases+=("$(basename "$d")"); done
fi
for c in "${cases[@]}"; do
  echo "== $c"
  if [ "$c" = nn_safetensors ]; then
    # Needs PyTorch, which only the benchmarks' venv has (bench/setup.sh --with-torch), and the
    # satori-written weight files first (see its generate.py).
    bench_py="$here/../../bench/.venv/bin/python"
    if [ -x "$bench_py" ] && "$bench_py" -c "import torch" 2>/dev/null; then
      (cd "$here/$c" && "$bench_py" generate.py)
    else
      echo "   skipped: needs PyTorch in bench/.venv (bench/setup.sh --with-torch)"
    fi
    continue
  fi
  (cd "$here/$c" && "$py" generate.py)
done
