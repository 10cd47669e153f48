#!/usr/bin/env bash
# Idempotent set-up: a virtual environment in .venv with warmgate (editable) and its dev tools.
# torch is pinned to the CPU build on this machine's disk; GPU users install the `vllm` extra.
# The `ray` extra (Ray Data, about 80 MB, 10 s) is in, so that the ray backend's tests run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.warmgate-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q "torch==2.13.0"
  .venv/bin/python -m pip install -q -e ".[dev,ray,reader]"
  touch "$stamp"
fi
