#!/usr/bin/env bash
# Sets up a checkout for running and testing cellpipe; safe to run again (it only does what is missing).
#   scripts/setup.sh            Python venv (.venv), npm packages, build, extension installed in the venv
#   scripts/setup.sh --browser  also Debian's Chromium and the ui-tests packages (Galata)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WITH_BROWSER=0
[ "${1:-}" = "--browser" ] && WITH_BROWSER=1

step() { printf '\n== %s\n' "$*" >&2; }

command -v node >/dev/null || { echo "cellpipe needs Node.js 20+ on PATH" >&2; exit 1; }

step "Python environment (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
export PATH="$ROOT/.venv/bin:$PATH"
python -m pip install -q --disable-pip-version-check -r scripts/requirements-dev.txt 2>&1 | grep -v 'is ignored' || true
python -c 'import jupyterlab, jupyter_builder, jupyter_server_proxy' # fail here if the install did

step "npm packages (jlpm install)"
jlpm install >/tmp/cellpipe-jlpm-install.log 2>&1 || { tail -40 /tmp/cellpipe-jlpm-install.log; exit 1; }

step "build: service bundle, TypeScript, labextension"
jlpm build

step "install the extension into .venv (editable) and link the labextension"
python -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e . 2>&1 | grep -v 'is ignored' || true
jupyter-builder develop --overwrite . >/dev/null
jupyter labextension list 2>&1 | grep -q 'jupyterlab-cellpipe.*enabled' || { echo "cellpipe labextension not enabled" >&2; exit 1; }

if [ "$WITH_BROWSER" = 1 ]; then
  step "Chromium (Debian) for the browser tests"
  if ! command -v chromium >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  step "ui-tests packages"
  (cd ui-tests && jlpm install >/tmp/cellpipe-ui-install.log 2>&1) || { tail -40 /tmp/cellpipe-ui-install.log; exit 1; }
fi
step "set-up done"
