#!/usr/bin/env bash
# Create (or reuse) the Python venv used to regenerate golden expected outputs.
# cargo test never needs it: the outputs it writes are committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -r "$here/requirements.txt"
echo "$venv/bin/python"
