#!/usr/bin/env bash
# GPU check (about 1-3 minutes on one H100/H200; stops starting new measurements after 7 min):
# generation throughput of a Gemma-3-270m-shaped model with random weights at batch sizes
# 1, 8, 32, 128 (bf16, full-length rows), transformers and warmgate's own loop, plus vLLM
# when it is installed. Needs torch + transformers; no network, no model download.
#   bash benchmarks/gpu_check.sh            # on the GPU machine, from the repository root
#   bash benchmarks/gpu_check.sh --tiny     # CPU smoke run (tiny model, seconds)
# Writes $OUT/gpu_check.json when OUT is set. Then (not with --tiny) the GPU-only tests, ~3 min.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ]; then PY=.venv/bin/python; fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
rc=0
timeout 470 "$PY" benchmarks/gpu_check.py "$@" || rc=$?
# The README scaling guide's GPU-only paths (each skips, saying why, where its GPUs are absent):
# vLLM in the conformance suite, vLLM data_parallel_size (2+ GPUs), Ray with vLLM engine actors.
if [ "${1:-}" != "--tiny" ]; then
  timeout 300 "$PY" -m pytest -q -rs -p no:cacheprovider tests/test_backend_conformance.py \
    tests/backends/test_vllm.py tests/backends/test_ray.py -k "vllm or real_gpus" || rc=$?
fi
exit "$rc"
