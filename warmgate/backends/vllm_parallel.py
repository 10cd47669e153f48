"""Data parallelism for the vllm backend on one node: which GPUs each engine gets, and each
engine in a process of its own (`RankProcess` in the driver, `serve_rank` in the process).
The engine in each process is the vllm backend itself, built through the backend registry."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from warmgate.backends import Backend, Decoding, ModelSpec, make_backend
from warmgate.errors import WarmgateError


def node_gpus() -> list[str]:
    """This node's GPUs as CUDA_VISIBLE_DEVICES names them (or all the driver sees)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [g.strip() for g in visible.split(",") if g.strip()]
    try:
        import torch

        return [str(i) for i in range(torch.cuda.device_count())]
    except ImportError:
        return []


def rank_devices(data_parallel: int, tensor_parallel: int, gpus: list[str]) -> list[str]:
    """CUDA_VISIBLE_DEVICES for each data-parallel engine: its own tensor_parallel GPUs."""
    need = data_parallel * tensor_parallel
    if need > len(gpus):
        raise WarmgateError(
            f"backend_options.data_parallel_size = {data_parallel} x tensor_parallel_size = "
            f"{tensor_parallel} needs {need} GPUs on this node, but {len(gpus)} are visible "
            f"({','.join(gpus) or 'none'}); lower one of them, or use backend = \"ray\" with "
            "engine = \"vllm\" to spread engines over several nodes")
    return [",".join(gpus[r * tensor_parallel:(r + 1) * tensor_parallel])
            for r in range(data_parallel)]


class RankProcess:
    """One data-parallel vLLM engine in a process of its own, pinned to its GPUs before vLLM
    or CUDA is imported there (spawned, not forked: a forked CUDA context is unusable)."""

    def __init__(self, devices: str, variants: dict[str, ModelSpec], decoding: Decoding,
                 options: dict[str, Any]) -> None:
        import multiprocessing
        import weakref

        ctx = multiprocessing.get_context("spawn")
        self.devices = devices
        self.conn, child = ctx.Pipe()
        # Not a daemon: vLLM starts processes of its own, which a daemon may not.
        self.proc = ctx.Process(target=serve_rank, args=(child, devices, variants, decoding,
                                                         options), name=f"vllm-dp[{devices}]")
        self.proc.start()
        weakref.finalize(self, RankProcess._stop, self.conn, self.proc)

    def submit(self, role: str, messages: list[str]) -> None:
        """Send one role's messages to this engine."""
        self.conn.send((role, messages))

    def result(self) -> list[str]:
        """This engine's replies to what was submitted (its error, raised here)."""
        try:
            kind, value = self.conn.recv()
        except EOFError:
            raise WarmgateError(f"the vLLM engine on GPU(s) {self.devices} died (exit code "
                                f"{self.proc.exitcode}); see its log above") from None
        if kind == "error":
            raise WarmgateError(f"vLLM engine on GPU(s) {self.devices}: {value}")
        return value

    def close(self) -> None:
        """Stop the engine process."""
        RankProcess._stop(self.conn, self.proc)

    @staticmethod
    def _stop(conn: Any, proc: Any) -> None:
        with contextlib.suppress(OSError, ValueError):
            conn.send(None)
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()


def serve_rank(conn: Any, devices: str, variants: dict[str, ModelSpec], decoding: Decoding,
               options: dict[str, Any]) -> None:
    """A data-parallel engine process: one VLLMBackend on `devices`, serving batches until told
    to stop (None)."""
    os.environ["CUDA_VISIBLE_DEVICES"] = devices
    backend: Backend | None = None
    while (job := conn.recv()) is not None:
        role, messages = job
        try:
            backend = backend or make_backend("vllm", variants, decoding, options)
            conn.send(("ok", backend.generate(role, messages)))
        except Exception as e:  # sent to the driver, which raises it with the GPU named
            conn.send(("error", f"{type(e).__name__}: {e}"))
