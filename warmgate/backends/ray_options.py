"""The ray backend's `backend_options`, and its inner engine's, validated on the driver before
any actor starts (the driver may have no GPU and no vLLM)."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any

from warmgate.backends import BACKENDS, parse_options
from warmgate.errors import WarmgateError

#: Inner engines a Ray actor may hold (or a "package.module:factory" of the user's own).
ENGINES = ("transformers", "vllm")


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
        from warmgate.backends.vllm_options import VLLMOptions

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
