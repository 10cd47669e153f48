"""The ray backend's actor pool: long-lived engine actors, each holding one inner warmgate
backend; a dispatcher actor that hands each batch to the next free engine; and the Ray Data task
that sends a batch through the dispatcher. `warmgate.backends.ray` starts them and runs the
datasets."""

from __future__ import annotations

import os
from typing import Any

from warmgate.backends import Decoding, ModelSpec, make_backend
from warmgate.errors import WarmgateError


class Engine:
    """A long-lived Ray actor holding one inner warmgate backend, built once."""

    def __init__(self, engine: str, variants: dict[str, ModelSpec], decoding: Decoding,
                 options: dict, threads: int) -> None:
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass
        self.backend = make_backend(engine, variants, decoding, options)
        self.roles = list(variants)

    def provenance(self) -> dict[str, dict]:
        """Each role's provenance, as the inner backend reports it."""
        return {role: self.backend.provenance(role) for role in self.roles}

    def generate(self, role: str, messages: list[str]) -> tuple[list[str], int]:
        """The inner backend's replies, and this process's id."""
        return self.backend.generate(role, messages), os.getpid()

    def pid(self) -> int:
        """This engine's process id (logs; the fault test kills it)."""
        return os.getpid()


class Dispatcher:
    """An async Ray actor that hands each batch to a free engine and waits for its replies:
    a free engine takes the next batch, so a slow node holds up only its own batches. An
    engine that died for good (its restarts spent) leaves the pool; the others go on."""

    def __init__(self, engines: list[Any]) -> None:
        import asyncio

        self.engines = engines
        self.free: asyncio.Queue[int] = asyncio.Queue()
        for k in range(len(engines)):
            self.free.put_nowait(k)
        self.alive = len(engines)

    async def generate(self, role: str, messages: list[str]) -> tuple[list[str], int]:
        """The replies of one batch from the next free engine, and that engine's pid."""
        import ray

        while True:
            if self.alive == 0:
                raise WarmgateError("backend 'ray': every engine actor died and none could be "
                                    "restarted (raise backend_options.max_restarts)")
            k = await self.free.get()
            try:
                result = await self.engines[k].generate.remote(role, messages)
            except ray.exceptions.ActorDiedError:
                self.alive -= 1  # restarts spent: try the batch on another engine
                continue
            except BaseException:
                self.free.put_nowait(k)
                raise
            self.free.put_nowait(k)
            return result


def forward(batch: dict[str, Any], dispatcher: Any, role: str) -> dict[str, Any]:
    """A Ray Data task: one batch of messages through the dispatcher, replies beside their
    indices (and the engine's pid). Tasks, unlike Ray Data actors, reuse worker processes:
    a dataset run costs a fraction of a second, not an actor start per run."""
    import numpy as np
    import ray

    replies, pid = ray.get(dispatcher.generate.remote(role, [str(m) for m in batch["message"]]))
    return {"index": batch["index"], "reply": np.array(replies, dtype=object),
            "pid": np.full(len(replies), pid, dtype=np.int64)}
