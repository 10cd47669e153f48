"""pytest-xdist awareness in one place: who is a worker, which GPU a worker takes, and the
private folder the controller makes for the session's parts."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

import pytest


def is_worker(config: pytest.Config) -> bool:
    """Is this process an xdist worker (not the controller, not a plain run)?"""
    return hasattr(config, "workerinput")


def worker_input(config: pytest.Config) -> dict[str, Any]:
    """The controller's message to this worker ({} outside xdist)."""
    return getattr(config, "workerinput", {})


def worker_part(config: pytest.Config) -> tuple[int, int]:
    """(this worker's part, number of parts): worker gwK makes part K+1 of N."""
    wi = worker_input(config)
    count = int(wi["workercount"])
    return int(wi["workerid"][2:]) % count + 1, count


def worker_gpu(worker_id: str, env: Mapping[str, str]) -> str | None:
    """The GPU an xdist worker takes: the k-th visible GPU for worker gw<k>, when there are 2+.

    The list is CUDA_VISIBLE_DEVICES when set, else the GPUs nvidia-smi lists; workers beyond
    the number of GPUs share them round-robin. None: leave the environment alone.
    """
    if env.get("WARMGATE_GPU_PER_WORKER", "1") == "0" or not worker_id.startswith("gw"):
        return None
    visible = env.get("CUDA_VISIBLE_DEVICES")
    gpus = _nvidia_smi_gpus() if visible is None else [
        g.strip() for g in visible.split(",") if g.strip()]
    if len(gpus) < 2:
        return None
    return gpus[int(worker_id[2:]) % len(gpus)]


def _nvidia_smi_gpus() -> list[str]:
    """GPU indices from nvidia-smi without initialising CUDA in this process; [] without one."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def pin_worker_gpu(config: pytest.Config, tensor_parallel_size: int) -> None:
    """Give this worker its own GPU (a tensor-parallel engine needs all of them: leave those)."""
    if is_worker(config) and tensor_parallel_size == 1:
        gpu = worker_gpu(worker_input(config)["workerid"], os.environ)
        if gpu is not None:
            os.environ["CUDA_VISIBLE_DEVICES"] = gpu
