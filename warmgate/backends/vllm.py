"""vLLM in-process backend: base and candidate in one engine, the candidate as a LoRA request.

One `vllm.LLM` engine per distinct model. Roles that share a model share its engine: a role with
an adapter is served with a `LoRARequest` (one integer id per adapter path, so several adapters
can run in one engine), the base with none; a persona is only a system prompt. Engine settings
come from `backend_options`: tensor_parallel_size, data_parallel_size (engines on one node, each on
its own tensor_parallel_size GPUs, in a process of its own; prompts dealt round-robin by length, so
each engine gets an equal share), dtype, max_model_len, gpu_memory_utilization,
enable_prefix_caching (on by default: every framing of an item repeats the same long prefix),
max_loras, max_lora_rank (default: the largest adapter's `r`), enforce_eager, seed, and
`engine_args` for anything else `vllm.LLM` takes. Needs the `vllm` extra and a GPU.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from warmgate.backends import Decoding, ModelSpec, Progress, prompt
from warmgate.backends.vllm_options import LORA_RANKS, VLLMOptions, adapter_rank
from warmgate.backends.vllm_parallel import RankProcess, node_gpus, rank_devices
from warmgate.embedded import resolve_model
from warmgate.errors import WarmgateError
from warmgate.weights_id import weights_provenance

#: Prompts per engine call: large enough to fill the GPU, small enough for a live progress bar.
_CHUNK = 1024


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as e:
        raise WarmgateError(
            "backend 'vllm' needs vLLM, which is not installed (" + str(e) + "). Install the extra: "
            "pip install 'warmgate[vllm]' (Linux with an NVIDIA GPU), or choose "
            "backend = \"transformers\" or \"openai\""
        ) from None
    return vllm


class VLLMBackend:
    """Generation through vLLM engines, one per distinct model, adapters as LoRA requests."""

    name = "vllm"

    def __init__(self, variants: dict[str, ModelSpec], decoding: Decoding, **options: Any) -> None:
        self.options = VLLMOptions.from_options(options)
        self.vllm = _import_vllm()
        self.variants = variants
        self.decoding = decoding
        self._engines: dict[str, Any] = {}
        # Stable integer ids, in role order, so that several adapters coexist in one engine.
        self._lora_ids: dict[str, int] = {}
        for spec in variants.values():
            if spec.adapter and spec.adapter not in self._lora_ids:
                self._lora_ids[spec.adapter] = len(self._lora_ids) + 1
        self._ranks: list[Any] = []  # data-parallel engines, started on first use

    # -- engines -------------------------------------------------------------------------
    def _adapters_of(self, model: str) -> list[str]:
        return sorted({s.adapter for s in self.variants.values()
                       if s.adapter and resolve_model(s.model) == model})

    def engine_kwargs(self, model: str) -> dict[str, Any]:
        """The keyword arguments `vllm.LLM` gets for this model (inspectable, for tests/logs)."""
        o = self.options
        kw: dict[str, Any] = {
            "model": model,
            "tensor_parallel_size": o.tensor_parallel_size,
            "dtype": o.dtype,
            "gpu_memory_utilization": o.gpu_memory_utilization,
            "enable_prefix_caching": o.enable_prefix_caching,
            "enforce_eager": o.enforce_eager,
            "seed": o.seed,
        }
        if o.max_model_len:
            kw["max_model_len"] = o.max_model_len
        adapters = self._adapters_of(model)
        if adapters:
            rank = o.max_lora_rank or max(adapter_rank(a) for a in adapters)
            kw["enable_lora"] = True
            kw["max_loras"] = o.max_loras or len(adapters)
            kw["max_lora_rank"] = next((r for r in LORA_RANKS if r >= rank), rank)
        kw.update(o.engine_args)
        return kw

    def _engine(self, model: str) -> Any:
        if model not in self._engines:
            # A second full model does not fit beside the first on most GPUs: free it first.
            for old in list(self._engines):
                del self._engines[old]
            import gc

            gc.collect()
            try:
                self._engines[model] = self.vllm.LLM(**self.engine_kwargs(model))
            except (OSError, ValueError) as e:
                raise WarmgateError(f"vLLM could not load {model!r}: {e}") from None
        return self._engines[model]

    def lora_request(self, spec: ModelSpec) -> Any:
        """The candidate's LoRARequest (name, integer id, path); None for a role without adapter."""
        if not spec.adapter:
            return None
        from vllm.lora.request import LoRARequest

        lid = self._lora_ids[spec.adapter]
        return LoRARequest(f"adapter{lid}", lid, str(Path(spec.adapter).expanduser()))

    # -- prompts -------------------------------------------------------------------------
    def prompt_ids(self, tokenizer: Any, spec: ModelSpec, message: str) -> list[int]:
        """Token ids of the prompt (`warmgate.backends.prompt`), as every backend formats it."""
        return prompt.token_ids(tokenizer, prompt.chat_messages(spec.persona, message))

    def sampling_params(self) -> Any:
        d = self.decoding
        kw: dict[str, Any] = {"temperature": d.temperature, "max_tokens": d.max_new_tokens}
        if d.stop_at_newline:
            kw["stop"] = ["\n"]
        if d.temperature > 0:
            kw["seed"] = d.seed
        return self.vllm.SamplingParams(**kw)

    # -- the protocol --------------------------------------------------------------------
    def generate(self, role: str, messages: Sequence[str], progress: Progress | None = None
                 ) -> list[str]:
        """One reply per message, in order; vLLM schedules the batch itself."""
        if self.options.data_parallel_size > 1:
            return self._generate_parallel(role, messages, progress)
        spec = self.variants[role]
        llm = self._engine(resolve_model(spec.model))
        tok = llm.get_tokenizer()
        lora = self.lora_request(spec)
        params = self.sampling_params()
        limit = self.options.max_model_len
        out: list[str] = []
        for start in range(0, len(messages), _CHUNK):
            chunk = messages[start:start + _CHUNK]
            prompts = [{"prompt_token_ids": self.prompt_ids(tok, spec, m)} for m in chunk]
            if limit:
                for i, p in enumerate(prompts):
                    if len(p["prompt_token_ids"]) + self.decoding.max_new_tokens > limit:
                        raise WarmgateError(
                            f"prompt {start + i} has {len(p['prompt_token_ids'])} tokens; with "
                            f"max_new_tokens {self.decoding.max_new_tokens} it exceeds "
                            f"backend_options.max_model_len = {limit}; raise it"
                        )
            try:
                results = llm.generate(prompts, params, lora_request=lora, use_tqdm=False)
            except ValueError as e:
                raise WarmgateError(f"vLLM refused the batch: {e}") from None
            if len(results) != len(prompts):
                raise WarmgateError(f"vLLM returned {len(results)} replies for {len(prompts)}")
            for r in results:
                text = r.outputs[0].text
                if self.decoding.stop_at_newline:
                    text = text.split("\n", 1)[0]
                out.append(text.strip())
            if progress:
                progress(len(chunk))
        return out

    def _generate_parallel(self, role: str, messages: Sequence[str],
                           progress: Progress | None) -> list[str]:
        """Deal the messages round-robin by length over the data-parallel engines (each gets
        long and short ones alike), run them at once, and put the replies back in order."""
        o = self.options
        if not self._ranks:
            devices = rank_devices(o.data_parallel_size, o.tensor_parallel_size, node_gpus())
            one = {k: v for k, v in asdict(o).items() if v is not None}
            one["data_parallel_size"] = 1
            self._ranks = [RankProcess(d, self.variants, self.decoding, one) for d in devices]
        order = sorted(range(len(messages)), key=lambda i: -len(messages[i]))
        shares = [order[r::len(self._ranks)] for r in range(len(self._ranks))]
        for rank, share in zip(self._ranks, shares, strict=True):
            rank.submit(role, [messages[i] for i in share])
        out: list[str] = [""] * len(messages)
        for rank, share in zip(self._ranks, shares, strict=True):
            replies = rank.result()
            for i, reply in zip(share, replies, strict=True):
                out[i] = reply
            if progress and share:
                progress(len(share))
        return out

    def close(self) -> None:
        """Stop the data-parallel engine processes (also done at exit)."""
        for rank in self._ranks:
            rank.close()
        self._ranks = []

    def provenance(self, role: str) -> dict:
        """Fingerprints of weights and adapter, vLLM version, engine settings, GPU."""
        spec = self.variants[role]
        model = resolve_model(spec.model)
        try:
            import torch

            device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cuda"
            torch_version = torch.__version__
        except ImportError:
            device, torch_version = "cuda", "not installed"
        return {
            "backend": self.name,
            "backend_version": getattr(self.vllm, "__version__", "unknown"),
            "torch_version": torch_version,
            "model": spec.model,
            "adapter": spec.adapter or "",
            **weights_provenance(model, spec.adapter),
            "persona": spec.persona or "",
            "dtype": self.options.dtype,
            "device": device,
            "options": asdict(self.options),
            "decoding": self.decoding.to_dict(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
