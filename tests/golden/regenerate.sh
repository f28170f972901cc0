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
  (cd "$here/$c" && "$py" generate.py)
done
