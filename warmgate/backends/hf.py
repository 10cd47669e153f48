"""transformers backend: a Hugging Face folder or hub id, optionally a PEFT adapter on top.

Base and candidate share one loaded model when they share weights: an adapter is applied
without merging and switched off for the base; a persona is only a prompt prefix.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from warmgate.backends import Decoding, ModelSpec, Progress, prompt
from warmgate.backends.hf_decode import greedy_decode
from warmgate.embedded import model_source, resolve_model
from warmgate.errors import WarmgateError
from warmgate.weights_id import fingerprint_adapter, weights_provenance


def looks_like_path(name: str) -> bool:
    """A model name meant as a local folder: ./x, /x, ~/x, a folder that exists, more than one
    slash (hub ids are org/name), or org/name whose first part is a local folder (models/base)."""
    if name.startswith((".", "/", "~")) or os.sep in name and name.count("/") > 1:
        return True
    first = name.replace(os.sep, "/").split("/", 1)[0]
    return Path(name).exists() or ("/" in name.replace(os.sep, "/") and Path(first).is_dir())


def _check_paths(spec: ModelSpec) -> None:
    model = resolve_model(spec.model)
    if looks_like_path(model) and not (Path(model).expanduser() / "config.json").is_file():
        what = "has no config.json (not a Hugging Face model folder)" \
            if Path(model).expanduser().is_dir() else "does not exist"
        raise WarmgateError(f"model folder not found: {spec.model} {what} (from "
                            f"{Path.cwd()}); fix the path, or give a hub id such as org/name")
    if spec.adapter:
        _check_adapter(Path(spec.adapter).expanduser(), spec.adapter)


def _check_adapter(folder: Path, name: str) -> None:
    """A PEFT adapter folder with a readable adapter_config.json, checked before any loading."""
    config = folder / "adapter_config.json"
    if not config.is_file():
        raise WarmgateError(f"adapter folder not found or not a PEFT adapter (no "
                            f"adapter_config.json): {name}")
    try:
        raw = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise WarmgateError(f"{config}: not a valid adapter config ({e}); re-save the adapter "
                            "with peft's save_pretrained") from None
    if not isinstance(raw, dict) or not raw.get("peft_type"):
        raise WarmgateError(f"{config}: not a PEFT adapter config (no peft_type); re-save the "
                            "adapter with peft's save_pretrained")


def adapter_error(spec: ModelSpec, e: Exception) -> WarmgateError:
    """Why an adapter does not fit the base, in one line (peft and torch say it in many)."""
    text = str(e)
    if "size mismatch" in text:
        first = next((ln.strip() for ln in text.splitlines() if "size mismatch" in ln), text)
        why = (f"it was trained on a model of another architecture or size ({first[:300]}); "
               "train it on this base, or set base to the model it was trained on")
    elif "Target modules" in text or "target modules" in text:
        why = (f"its target_modules match no layer of the base ({text[:200]}); train it on this "
               "base, or set base to the model it was trained on")
    else:
        why = f"{type(e).__name__}: {text.splitlines()[0][:300] if text else ''}"
    return WarmgateError(f"adapter {spec.adapter} cannot be applied to base {spec.model}: {why}")


class TransformersBackend:
    """Batched greedy generation with left padding, stopping rows at newline or EOS."""

    name = "transformers"

    def __init__(
        self, variants: dict[str, ModelSpec], decoding: Decoding, batch_size: int = 32,
        device: str = "auto", dtype: str = "auto",
    ) -> None:
        import torch

        for spec in variants.values():
            _check_paths(spec)
        self.variants = variants
        self.decoding = decoding
        self.batch_size = batch_size
        # fp32 on CPU (measured faster than bf16 there); bf16 on a GPU.
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" \
            else device
        self.dtype = ("float32" if self.device == "cpu" else "bfloat16") if dtype == "auto" \
            else dtype
        self._models: dict[str, object] = {}  # resolved model path -> loaded (Peft)model
        self._tokenizers: dict[str, object] = {}
        self._adapters: dict[str, set[str]] = {}
        self._stops: dict[int, object] = {}  # id(tokenizer) -> tensor of stop token ids

    # -- loading -------------------------------------------------------------------------
    def _load(self, spec: ModelSpec):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # warmgate shows its own progress
        path = resolve_model(spec.model)
        if path not in self._models:
            try:
                tok = AutoTokenizer.from_pretrained(path)
                model = AutoModelForCausalLM.from_pretrained(
                    path, dtype=getattr(torch, self.dtype)
                ).to(self.device)
            except OSError as e:
                hint = "" if looks_like_path(path) else (
                    f" (read as a hub id; there is no local folder {Path(path).resolve()})")
                raise WarmgateError(f"cannot load model {spec.model!r}{hint}: "
                                    f"{str(e).splitlines()[0] if str(e) else e}") from None
            model.eval()
            tok.padding_side = "left"
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token
            self._models[path] = model
            self._tokenizers[path] = tok
            self._adapters[path] = set()
        model = self._models[path]
        if spec.adapter:
            from peft import PeftModel

            name = "a" + fingerprint_adapter(spec.adapter).split(":")[1][:12]
            if not self._adapters[path]:
                with warnings.catch_warnings():
                    # peft asks a deprecated transformers property on load: noise, not news
                    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing",
                                            category=FutureWarning)
                    try:
                        model = PeftModel.from_pretrained(model, spec.adapter, adapter_name=name)
                    except (ValueError, RuntimeError, KeyError, OSError) as e:
                        raise adapter_error(spec, e) from None
                self._models[path] = model
            elif name not in self._adapters[path]:
                try:
                    model.load_adapter(spec.adapter, adapter_name=name)
                except (ValueError, RuntimeError, KeyError, OSError) as e:
                    raise adapter_error(spec, e) from None
            self._adapters[path].add(name)
            model.set_adapter(name)
        return model, self._tokenizers[path]

    # -- prompts -------------------------------------------------------------------------
    def format_prompt(self, tokenizer, spec: ModelSpec, message: str) -> str:
        """The prompt text (`warmgate.backends.prompt`)."""
        return prompt.render(tokenizer, prompt.chat_messages(spec.persona, message))

    def _stop_ids(self, tokenizer):
        """Token ids that end a reply (EOS, and every id whose text holds a newline), cached.

        Stopping on ids is far cheaper than transformers' stop_strings, which re-decodes the
        262k vocabulary on every call; the set is built once per tokenizer (about 0.3 s).
        """
        import torch

        key = id(tokenizer)
        if key not in self._stops:
            ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
            if self.decoding.stop_at_newline:
                vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
                ids.update(i for i, t in enumerate(vocab) if t and ("\n" in t or "Ċ" in t))
            self._stops[key] = torch.tensor(sorted(ids), dtype=torch.long)
        return self._stops[key]

    # -- generation ----------------------------------------------------------------------
    def generate(
        self, role: str, messages: Sequence[str], progress: Progress | None = None
    ) -> list[str]:
        import torch

        if not messages:  # the tokenizer fails on an empty batch
            return []
        spec = self.variants[role]
        model, tok = self._load(spec)
        prompts = [self.format_prompt(tok, spec, m) for m in messages]
        stop_ids = self._stop_ids(tok)
        # Tokenise once, without padding; sort by token count, longest first, so similar
        # lengths share a batch and padding stays small (ties keep the given order).
        encoded = tok(prompts)["input_ids"]
        self._check_length(model, encoded, messages)
        order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))
        out: list[str] = [""] * len(prompts)
        # The base role of a model carrying an adapter runs with the adapter switched off.
        use_base = not spec.adapter and hasattr(model, "disable_adapter")
        ctx = model.disable_adapter() if use_base else nullcontext()
        with torch.inference_mode(), ctx:
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                enc = tok.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt")
                rows = greedy_decode(
                    model, enc["input_ids"].to(self.device),
                    enc["attention_mask"].to(self.device), stop_ids.to(self.device),
                    self.decoding.max_new_tokens,
                )
                texts = tok.batch_decode(rows, skip_special_tokens=True)
                for i, text in zip(idx, texts, strict=True):
                    out[i] = text.split("\n", 1)[0].strip() if self.decoding.stop_at_newline \
                        else text.strip()
                if progress:
                    progress(len(idx))
        return out

    def _check_length(self, model, encoded: list[list[int]], messages: Sequence[str]) -> None:
        """Refuse a prompt that with its reply would not fit the model's context, before any
        forward pass (a 5 MB question would otherwise try to allocate a terabyte)."""
        limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
        if not isinstance(limit, int) or not encoded:
            return
        i = max(range(len(encoded)), key=lambda k: len(encoded[k]))
        need = len(encoded[i]) + self.decoding.max_new_tokens
        if need > limit:
            head = " ".join(messages[i][:80].split())
            raise WarmgateError(
                f"a prompt is {len(encoded[i])} tokens; with max_new_tokens "
                f"{self.decoding.max_new_tokens} it needs {need}, more than the model's context "
                f"of {limit} tokens: shorten that item's question ({head!r}...) or lower "
                "max_new_tokens")

    def loglik(
        self, role: str, prompts: Sequence[str], options: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """Summed log-probability of each option given each (framed) message, without generating."""
        from warmgate.backends.hf_loglik import option_logprobs

        spec = self.variants[role]
        model, tok = self._load(spec)
        texts = [self.format_prompt(tok, spec, m) for m in prompts]
        use_base = not spec.adapter and hasattr(model, "disable_adapter")
        with model.disable_adapter() if use_base else nullcontext():
            scores = option_logprobs(model, tok, texts, options, batch_size=self.batch_size)
        return [[s.logprob for s in row] for row in scores]

    def provenance(self, role: str) -> dict:
        import torch
        import transformers

        spec = self.variants[role]
        return {
            "backend": self.name,
            "backend_version": transformers.__version__,
            "torch_version": torch.__version__,
            "model": spec.model,
            "adapter": spec.adapter or "",
            **weights_provenance(resolve_model(spec.model), spec.adapter),
            "model_source": model_source(resolve_model(spec.model)),
            "persona": spec.persona or "",
            "dtype": self.dtype,
            "device": self.device,
            "decoding": self.decoding.to_dict(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
