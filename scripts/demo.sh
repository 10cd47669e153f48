#!/usr/bin/env bash
# The demo: embedded Gemma-3-270m vs the same model with a warm persona prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/warmgate demo "$@"
