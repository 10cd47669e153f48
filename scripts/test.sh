#!/usr/bin/env bash
# The test suite (includes end-to-end tests on the real embedded model).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
