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

Here: the backend (the cluster, the pool's start and identity check, the datasets); the actors
are `warmgate.backends.ray_pool`'s, the options `warmgate.backends.ray_options`'.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from warmgate.backends import Decoding, ModelSpec, Progress
from warmgate.backends.ray_options import RayOptions
from warmgate.backends.ray_pool import Dispatcher, Engine, forward
from warmgate.errors import WarmgateError
from warmgate.identity import INPUTS, RUNTIME, record

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
