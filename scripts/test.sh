#!/usr/bin/env bash
# The test suite (includes end-to-end tests on the real embedded model), on the locked versions.
# `bash scripts/test.sh --latest [PYTEST ARGS]` runs it on the newest releases instead (in
# .venv-latest; the scheduled workflow .github/workflows/latest.yml does this daily).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
if [ "${1:-}" = "--latest" ]; then
  shift
  export WARMGATE_LATEST=1
  VENV=.venv-latest
fi
bash scripts/setup.sh
"$VENV/bin/python" -m pip list --format=freeze 2>/dev/null \
  | grep -i -E '^(torch|transformers|peft|gguf|pandas|pyarrow|ray)==' | tr '\n' ' '; echo
"$VENV/bin/ruff" check .
exec "$VENV/bin/python" -m pytest -n 2 -p no:cacheprovider "$@"
