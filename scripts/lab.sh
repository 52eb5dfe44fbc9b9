#!/usr/bin/env bash
# Sets up the checkout, then starts JupyterLab with cellpipe and the example pipeline notebook open.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
ARGS=(--ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$PWD/examples" --no-browser)
[ "$(id -u)" = 0 ] && ARGS+=(--ServerApp.allow_root=True)
exec jupyter lab "${ARGS[@]}" "$@" "$PWD/examples/train_pipeline.ipynb"
