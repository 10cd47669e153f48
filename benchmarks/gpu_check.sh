#!/usr/bin/env bash
# GPU check (about 1-3 minutes on one H100/H200; stops starting new measurements after 7 min):
# generation throughput of a Gemma-3-270m-shaped model with random weights at batch sizes
# 1, 8, 32, 128 (bf16, full-length rows), transformers and warmgate's own loop, plus vLLM
# when it is installed. Needs torch + transformers; no network, no model download.
#   bash benchmarks/gpu_check.sh            # on the GPU machine, from the repository root
#   bash benchmarks/gpu_check.sh --tiny     # CPU smoke run (tiny model, seconds)
# Writes $OUT/gpu_check.json when OUT is set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ]; then PY=.venv/bin/python; fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
exec timeout 470 "$PY" benchmarks/gpu_check.py "$@"
