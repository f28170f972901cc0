#!/usr/bin/env bash
# Prepare the benchmarks: the peer tools' venv (bench/.venv, git-ignored) with the pinned versions
# in bench/requirements.txt, and the release build of satori used by the benchmarks.
#
#   bench/setup.sh                 # venv (reused if present) + release build
#   bench/setup.sh --with-torch    # also PyTorch (opt-in: the PyPI wheel drags in GBs of CUDA)
#   bench/setup.sh --no-build      # venv only
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
venv="$here/.venv"
with_torch=0
build=1
for arg in "$@"; do
  case "$arg" in
    --with-torch) with_torch=1 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --with-torch, --no-build or --help)" >&2; exit 1 ;;
  esac
done

if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv"
  python3 -m venv "$venv"
fi
# Installing into an up-to-date venv is a quick no-op, so reuse is just a re-run.
"$venv/bin/python" -m pip install -q -r "$here/requirements.txt"
if [ "$with_torch" = 1 ]; then
  "$venv/bin/python" -m pip install -q -r "$here/requirements-torch.txt"
fi
"$venv/bin/python" - <<'PY'
import importlib.metadata as md
for name in ["numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "lightgbm", "xgboost-cpu",
             "imbalanced-learn", "optuna", "flaml", "shap", "torch"]:
    try:
        print(f"  {name} {md.version(name)}")
    except md.PackageNotFoundError:
        print(f"  {name} (not installed)")
PY

if [ "$build" = 1 ]; then
  echo "building satori (release)"
  (cd "$root" && cargo build --release -p satori-data --examples)
  # The `satori` binary joins the build once the CLI crate exists.
  if [ -d "$root/crates/satori-cli" ]; then
    (cd "$root" && cargo build --release -p satori-cli)
  fi
fi
echo "ready: $venv/bin/python"
