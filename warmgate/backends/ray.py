"""Ray backend: generation through Ray Data on a cluster, one inner engine per actor.

The messages of one `generate` call become a Ray dataset, longest first, one block per
batch, with an index column that carries each message's place. `map_batches` runs a task
per batch that hands it to a dispatcher actor; the dispatcher gives it to the next free
engine actor, so a slow node holds up only its own batches. Each engine actor is long-lived
and holds one inner warmgate backend: `transformers` on CPU nodes, `vllm` on GPU nodes
(base and LoRA candidates in one engine), or a user's own "package.module:factory".

Why engine actors beside Ray Data: Ray Data builds a new actor pool for every dataset it
runs, and the gate calls `generate` several times a run (liveness probes, each role), so
engines held by Ray Data's actors would load the model once per call (seconds for a tiny
model, a minute or more for a vLLM engine); its tasks reuse worker processes and cost a
fraction of a second per run. `ray.data.llm` builds its vLLM engines per processor run too,
and formats prompts with its own chat-template stage, so its replies would not be keyed or
matched with a `vllm` baseline; the `vllm` engine here is warmgate's own backend instead.

Faults: a lost engine actor is restarted and its batch retried by Ray (`max_restarts`,
`max_task_retries`, both without limit by default); a lost task is retried by Ray Data; an
engine whose restarts are spent leaves the pool and its batch goes to another.
Replies come back in the order given, each message exactly once; `stream` hands them over
batch by batch as they finish, so the generation cache stores them as they land.

The inner engine is warmgate's own backend class, so prompts, stopping and provenance are
exactly that backend's: cache keys and stored baselines match a run with the inner backend
directly. Joins the cluster in `backend_options.address` or `RAY_ADDRESS`, else starts a
local one. Needs the `ray` extra (`pip install 'warmgate[ray]'`); workers need warmgate.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import logging
import math
import os
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from warmgate.backends import BACKENDS, Decoding, ModelSpec, Progress, make_backend, parse_options
from warmgate.errors import WarmgateError
from warmgate.identity import INPUTS, RUNTIME, record

#: Inner engines a Ray actor may hold (or a "package.module:factory" of the user's own).
ENGINES = ("transformers", "vllm")
#: Provenance fields the engines of one pool must agree on (those that decide replies).
_SAME = (*INPUTS, *RUNTIME)
#: The local cluster's object store: prompts and replies are small text.
_LOCAL_OBJECT_STORE = 256 * 1024 * 1024


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data is ray's `data` extra)
    except ImportError as e:
        raise WarmgateError(
            "backend 'ray' needs Ray Data, which is not installed (" + str(e) + "). Install "
            "the extra: pip install 'warmgate[ray]', or choose backend = \"transformers\""
        ) from None
    return ray


@dataclass(frozen=True)
class RayOptions:
    """`backend_options` of the ray backend."""

    actors: int = 2
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    batch_size: int = 16
    engine: str = "transformers"
    engine_options: dict[str, Any] = field(default_factory=dict)
    threads: int = 0  # torch threads per engine; 0 = num_cpus (at least 1)
    max_restarts: int = -1  # a lost engine actor is restarted, without limit
    max_task_retries: int = -1  # and the batch it held is retried
    address: str = ""  # "" = RAY_ADDRESS, else a local cluster
    runtime_env: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: dict) -> RayOptions:
        """Validate the options table (and the inner engine's), naming the bad field."""
        casts = {"actors": int, "num_cpus": float, "num_gpus": float, "batch_size": int,
                 "engine": str, "engine_options": dict, "threads": int, "max_restarts": int,
                 "max_task_retries": int, "address": str, "runtime_env": dict}
        opts = parse_options(cls, options, "ray", casts,
                             " (the inner engine's own options go in engine_options)")
        if opts.actors < 1:
            raise WarmgateError("backend_options.actors must be >= 1")
        if opts.batch_size < 1:
            raise WarmgateError("backend_options.batch_size must be >= 1")
        if opts.num_cpus < 0 or opts.num_gpus < 0 or opts.num_cpus + opts.num_gpus == 0:
            raise WarmgateError("backend_options.num_cpus and num_gpus must be >= 0, not both 0")
        if opts.threads < 0:
            raise WarmgateError("backend_options.threads must be >= 0 (0 = num_cpus)")
        if opts.max_restarts < -1 or opts.max_task_retries < -1:
            raise WarmgateError("backend_options.max_restarts and max_task_retries must be "
                                ">= -1 (-1 = without limit)")
        if opts.engine not in ENGINES and opts.engine.count(":") != 1:
            raise WarmgateError(f"backend_options.engine must be one of {', '.join(ENGINES)} "
                                f"or 'package.module:factory', got {opts.engine!r}")
        check_engine_options(opts)
        return opts

    @property
    def torch_threads(self) -> int:
        """Intra-op threads each engine uses."""
        return self.threads or max(1, int(self.num_cpus))


def check_engine_options(opts: RayOptions) -> None:
    """Validate the inner engine's options before any actor starts (the driver may have no
    GPU and no vLLM: only signatures and option schemas are read)."""
    if opts.engine == "vllm":
        from warmgate.backends.vllm import VLLMOptions

        v = VLLMOptions.from_options(opts.engine_options)
        gpus = v.tensor_parallel_size * getattr(v, "data_parallel_size", 1)
        if opts.num_gpus < gpus:
            raise WarmgateError(f"backend_options.num_gpus = {opts.num_gpus:g} per actor, but "
                                f"its vLLM engine needs {gpus} (tensor_parallel_size x "
                                "data_parallel_size in engine_options); raise num_gpus")
        return
    if opts.engine not in BACKENDS:
        return  # a user's own factory validates its own options
    module, name = BACKENDS[opts.engine].split(":")
    params = inspect.signature(getattr(importlib.import_module(module), name)).parameters
    known = [p for p in params if p not in ("self", "variants", "decoding")]
    unknown = sorted(set(opts.engine_options) - set(known))
    if unknown:
        raise WarmgateError(f"backend_options.engine_options: unknown option(s) "
                            f"{', '.join(unknown)} for the {opts.engine} engine; known: "
                            f"{', '.join(known)}")


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


class RayBackend:
    """Generation through a Ray Data actor pool in front of long-lived engine actors."""

    name = "ray"

    def __init__(self, variants: dict[str, ModelSpec], decoding: Decoding, **options: Any) -> None:
        self.options = RayOptions.from_options(options)
        self.ray = _import_ray()
        self.variants = variants
        self.decoding = decoding
        self.started_local = False
        self.engines: list[Any] = []
        self._dispatcher: Any = None
        self._provenance: dict[str, dict] | None = None
        self.pids: set[int] = set()  # engine processes that gave replies (tests, logs)

    # -- the cluster ---------------------------------------------------------------------
    def connect(self) -> None:
        """Join the cluster (address option, RAY_ADDRESS) or start a local one, once."""
        ray, o = self.ray, self.options
        if not ray.is_initialized():
            address = o.address or os.environ.get("RAY_ADDRESS", "")
            kw: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
            if o.runtime_env:
                kw["runtime_env"] = o.runtime_env
            try:
                if address:
                    ray.init(address=address, **kw)
                else:
                    # Enough logical CPUs for the pool on a small machine: the engines'
                    # threads, not Ray's accounting, decide how the cores are shared.
                    cpus = max(os.cpu_count() or 1, math.ceil(o.actors * o.num_cpus))
                    ray.init(num_cpus=cpus, include_dashboard=False,
                             object_store_memory=_LOCAL_OBJECT_STORE, **kw)
                    self.started_local = True
            except (ConnectionError, RuntimeError, ValueError) as e:
                where = f"the Ray cluster at {address!r}" if address else "a local Ray cluster"
                raise WarmgateError(f"backend 'ray': cannot start or join {where}: {e}") \
                    from None
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # one line per dataset run
        with warnings.catch_warnings():  # Ray Data's context warns of its own old settings
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # warmgate shows its own progress
        ctx.print_on_execution_start = False

    def start(self) -> None:
        """Start the engine actors (once) and check that they report one engine identity."""
        if self.engines:
            return
        self.connect()
        ray, o = self.ray, self.options
        engine = ray.remote(Engine).options(
            num_cpus=o.num_cpus, num_gpus=o.num_gpus, max_restarts=o.max_restarts,
            max_task_retries=o.max_task_retries)
        self.engines = [engine.remote(o.engine, self.variants, self.decoding,
                                      o.engine_options, o.torch_threads)
                        for _ in range(o.actors)]
        # The dispatcher holds no model and lives beside the driver: if that node goes, the
        # run goes with it, so it is not restarted (a restart would need its arguments kept).
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
        self._dispatcher = ray.remote(Dispatcher).options(
            num_cpus=0, max_restarts=0, scheduling_strategy=here).remote(self.engines)
        try:
            reports = ray.get([e.provenance.remote() for e in self.engines])
        except ray.exceptions.RayError as e:
            self.close()
            raise self._unwrap(e, "could not build the inner engine") from None
        first = reports[0]
        for k, other in enumerate(reports[1:], start=1):
            for role in first:
                a, b = ({f: record(r[role])[f] for f in _SAME} for r in (first, other))
                if a != b:
                    diff = {f: (a[f], b[f]) for f in _SAME if a[f] != b[f]}
                    self.close()
                    raise WarmgateError(
                        f"backend 'ray': engine actors 0 and {k} report different engines "
                        f"for {role} ({json.dumps(diff, default=str)}); their replies would "
                        "not be one variant's: give every node the same software and weights")
        self._provenance = first

    def close(self) -> None:
        """Stop the engines, and the local cluster if this backend started it."""
        for actor in [*self.engines, *([self._dispatcher] if self._dispatcher else [])]:
            with contextlib.suppress(Exception):  # already gone: nothing to stop
                self.ray.kill(actor, no_restart=True)
        self.engines, self._dispatcher, self._provenance = [], None, None
        if self.started_local and self.ray.is_initialized():
            self.ray.shutdown()
        self.started_local = False

    # -- the protocol --------------------------------------------------------------------
    def provenance(self, role: str) -> dict:
        """The inner engine's provenance, as it reports it, plus Ray's version and the pool."""
        self.start()
        assert self._provenance is not None
        prov = dict(self._provenance[role])
        prov["ray"] = {"version": self.ray.__version__, "actors": self.options.actors,
                       "engine": self.options.engine,
                       "cluster": self.options.address or os.environ.get("RAY_ADDRESS", "")
                       or "local"}
        return prov

    def generate(self, role: str, messages: Sequence[str], progress: Progress | None = None
                 ) -> list[str]:
        """One reply per message, in the order given; identical messages are asked once."""
        if role not in self.variants:
            raise KeyError(role)
        unique = list(dict.fromkeys(messages))
        counts = Counter(messages)
        replies: dict[str, str] = {}
        for part in self.stream(role, unique):
            for i, reply in part:
                replies[unique[i]] = reply
            if progress:
                progress(sum(counts[unique[i]] for i, _ in part))
        return [replies[m] for m in messages]

    def stream(self, role: str, messages: Sequence[str]) -> Iterator[list[tuple[int, str]]]:
        """(index, reply) pairs batch by batch as the actors finish them, in no set order;
        every index exactly once (a retried batch is not given twice)."""
        if not messages:
            return
        self.start()
        ray, o = self.ray, self.options
        # Longest first, so that a batch holds messages of similar length (little padding);
        # one block per batch, so that batches spread over the actors and a retry is small.
        order = sorted(range(len(messages)), key=lambda i: -len(messages[i]))
        rows = [{"index": i, "message": messages[i]} for i in order]
        blocks = math.ceil(len(rows) / o.batch_size)
        ds = ray.data.from_items(rows, override_num_blocks=blocks)
        # Two tasks in flight per engine, so that a finished engine finds its next batch
        # waiting; the tasks only wait (num_cpus=0), the engines hold the resources.
        ds = ds.map_batches(
            forward, batch_size=o.batch_size, batch_format="numpy",
            fn_kwargs={"dispatcher": self._dispatcher, "role": role},
            compute=ray.data.TaskPoolStrategy(size=min(2 * o.actors, blocks)),
            num_cpus=0,
        )
        seen: dict[int, str] = {}
        try:
            for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
                fresh = []
                for i, reply, pid in zip(batch["index"], batch["reply"], batch["pid"],
                                         strict=True):
                    i, reply = int(i), str(reply)
                    self.pids.add(int(pid))
                    if i in seen:
                        if seen[i] != reply:
                            raise WarmgateError(f"backend 'ray': message {i} came back twice "
                                                "with different replies")
                        continue
                    seen[i] = reply
                    fresh.append((i, reply))
                if fresh:
                    yield fresh
        except ray.exceptions.RayError as e:
            raise self._unwrap(e, "generation failed") from None
        missing = len(messages) - len(seen)
        if missing:
            raise WarmgateError(f"backend 'ray': {missing} of {len(messages)} messages got no "
                                "reply from the actor pool")

    @staticmethod
    def _unwrap(e: BaseException, what: str) -> WarmgateError:
        """A WarmgateError raised inside a worker as itself; anything else named as Ray's."""
        cause: BaseException | None = e
        for _ in range(8):  # RayTaskError.cause, then Python's own chain
            if cause is None:
                break
            if isinstance(cause, WarmgateError):
                return WarmgateError(str(cause))
            cause = getattr(cause, "cause", None) or cause.__cause__
        return WarmgateError(f"backend 'ray': {what}: {e}")
