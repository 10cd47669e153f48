"""The vllm backend's `backend_options` (validated before any engine starts, also by the ray
backend for its inner engine) and the LoRA rank an adapter folder needs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warmgate.backends import parse_options
from warmgate.errors import WarmgateError

#: vLLM's accepted LoRA ranks; max_lora_rank is rounded up to one of these.
LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)


@dataclass(frozen=True)
class VLLMOptions:
    """`backend_options` of the vllm backend."""

    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    dtype: str = "auto"
    max_model_len: int | None = None
    gpu_memory_utilization: float = 0.9
    enable_prefix_caching: bool = True
    max_loras: int | None = None
    max_lora_rank: int | None = None
    enforce_eager: bool = False
    seed: int = 0
    engine_args: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: dict) -> VLLMOptions:
        """Validate the options table, naming the bad field."""
        casts = {"tensor_parallel_size": int, "data_parallel_size": int, "dtype": str,
                 "max_model_len": int,
                 "gpu_memory_utilization": float, "enable_prefix_caching": bool,
                 "max_loras": int, "max_lora_rank": int, "enforce_eager": bool, "seed": int,
                 "engine_args": dict}
        opts = parse_options(cls, options, "vllm", casts,
                             " (put other vllm.LLM arguments in engine_args)")
        if opts.tensor_parallel_size < 1:
            raise WarmgateError("backend_options.tensor_parallel_size must be >= 1")
        if opts.data_parallel_size < 1:
            raise WarmgateError("backend_options.data_parallel_size must be >= 1")
        if not 0 < opts.gpu_memory_utilization <= 1:
            raise WarmgateError("backend_options.gpu_memory_utilization must be in (0, 1]")
        return opts


def adapter_rank(path: str) -> int:
    """The LoRA rank `r` of a PEFT adapter folder, from its adapter_config.json."""
    cfg_path = Path(path).expanduser() / "adapter_config.json"
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WarmgateError(f"adapter folder not found or not a PEFT adapter (no "
                            f"adapter_config.json): {path}") from None
    except json.JSONDecodeError as e:
        raise WarmgateError(f"{cfg_path}: invalid JSON ({e})") from None
    ranks = [int(cfg.get("r", 8)), *(int(v) for v in (cfg.get("rank_pattern") or {}).values())]
    return max(ranks)
