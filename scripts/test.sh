#!/usr/bin/env bash
# Sets up the checkout (with Chromium), then runs every test suite: types, lint (ESLint with the layering
# rules, Prettier, ruff), unit and server (Jest), Python package (pytest, real Jupyter server), UI (Galata
# in JupyterLab and Chromium).
# Runs all suites even when one fails; exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh --browser || exit 1
export PATH="$ROOT/.venv/bin:$PATH"
LOGS=$(mktemp -d)
FAILED_SUITES=()
PASSED=0
FAILED=0

count() { # count FILE REGEX -> the number before the word, summed over matching lines
  grep -aoE "$2" "$1" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}'
}

suite() { # suite NAME COMMAND...
  local name=$1; shift
  printf '\n===== %s: %s\n' "$name" "$*"
  if "$@" 2>&1 | tee "$LOGS/$name.log"; then :; else FAILED_SUITES+=("$name"); fi
}

suite types jlpm typecheck
suite lint jlpm lint
# --forceExit: once, a combined run of the server and unit projects reported an open handle after
# its last test (every spec file exits on its own); the suite must end for the suites after it.
suite jest npx jest --ci --forceExit
PASSED=$((PASSED + $(count "$LOGS/jest.log" 'Tests:.* [0-9]+ passed')))
FAILED=$((FAILED + $(count "$LOGS/jest.log" 'Tests:.* [0-9]+ failed')))
suite python python -m pytest -q -p no:cacheprovider
PASSED=$((PASSED + $(count "$LOGS/python.log" '[0-9]+ passed')))
FAILED=$((FAILED + $(count "$LOGS/python.log" '[0-9]+ (failed|error)')))
suite ui bash -c 'cd ui-tests && jlpm playwright test'
if [[ " ${FAILED_SUITES[*]} " == *" ui "* ]]; then
  echo "--- last lines of ui-tests/jupyter-server.log"; tail -40 ui-tests/jupyter-server.log
fi
PASSED=$((PASSED + $(count "$LOGS/ui.log" '^ *[0-9]+ passed')))
FAILED=$((FAILED + $(count "$LOGS/ui.log" '^ *[0-9]+ (failed|flaky)')))

printf '\n===== summary\n'
if [ ${#FAILED_SUITES[@]} -gt 0 ]; then
  echo "failed suites: ${FAILED_SUITES[*]}"
  [ "$FAILED" -gt 0 ] || FAILED=${#FAILED_SUITES[@]}
fi
echo "tests: $PASSED passed, $FAILED failed"
[ ${#FAILED_SUITES[@]} -eq 0 ]
