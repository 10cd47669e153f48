"""The test server's engine: a transformers model (and PEFT adapters) batching requests on
one worker thread."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from warmgate.backends import prompt
from warmgate.errors import WarmgateError


@dataclass
class Request:
    """One generation request waiting for the engine's worker thread."""

    model: str
    prompt: str
    chat: bool
    max_tokens: int
    stop: tuple[str, ...]
    temperature: float
    seed: int | None
    future: Future = field(default_factory=Future)

    def batch_key(self) -> tuple:
        return (self.model, self.chat, self.max_tokens, self.stop, self.temperature, self.seed)


class Engine:
    """The loaded model and adapters, and one worker thread that batches queued requests."""

    def __init__(self, model: str, served_name: str, loras: dict[str, str], max_batch: int = 1,
                 device: str = "cpu", dtype: str = "float32", max_model_len: int | None = None
                 ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from warmgate.embedded import resolve_model

        hf_logging.disable_progress_bar()
        path = resolve_model(model)
        try:
            self.tok = AutoTokenizer.from_pretrained(path)
            net = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype))
        except OSError as e:
            raise WarmgateError(f"cannot load model {model!r}: {e}") from None
        self.tok.padding_side = "left"
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        if loras:
            from peft import PeftModel

            items = list(loras.items())
            net = PeftModel.from_pretrained(net, items[0][1], adapter_name=items[0][0])
            for name, adapter in items[1:]:
                net.load_adapter(adapter, adapter_name=name)
        self.net = net.to(device).eval()
        self.device = device
        self.served_name = served_name
        self.loras = dict(loras)
        self.max_batch = max(1, max_batch)
        self.max_model_len = max_model_len or int(
            getattr(net.config, "max_position_embeddings", 0) or 1 << 30
        )
        self._queue: queue.Queue[Request] = queue.Queue()
        self._newline_ids = self._ids_with_newline()
        threading.Thread(target=self._work, daemon=True, name="warmgate-serve-engine").start()

    @property
    def models(self) -> list[str]:
        return [self.served_name, *self.loras]

    def _ids_with_newline(self) -> list[int]:
        vocab = self.tok.convert_ids_to_tokens(list(range(len(self.tok))))
        return [i for i, t in enumerate(vocab) if t and ("\n" in t or "Ċ" in t)]

    # -- prompts -------------------------------------------------------------------------
    def chat_prompt(self, messages: list[dict]) -> str:
        """The prompt text, formatted as every warmgate backend formats it."""
        return prompt.render(self.tok, messages)

    def prompt_tokens(self, prompt: str) -> int:
        return len(self.tok(prompt).input_ids)

    # -- generation ----------------------------------------------------------------------
    def submit(self, req: Request) -> Future:
        self._queue.put(req)
        return req.future

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            # Requests that arrive together and share settings go through the model together.
            deadline = time.monotonic() + 0.005
            held: list[Request] = []
            while len(batch) < self.max_batch and time.monotonic() < deadline:
                try:
                    nxt = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                (batch if nxt.batch_key() == first.batch_key() else held).append(nxt)
            for r in held:
                self._queue.put(r)
            try:
                texts = self._generate(batch)
            except Exception as e:  # reported to each waiting request as a 500
                for r in batch:
                    r.future.set_exception(e)
                continue
            for r, t in zip(batch, texts, strict=True):
                r.future.set_result(t)

    def _generate(self, batch: Sequence[Request]
                  ) -> list[tuple[str, str, int, int, list[float]]]:
        """Per request: text, finish reason, prompt and new token counts, and the log-probability
        of each new token (under the raw logits)."""
        import torch

        first = batch[0]
        stop_ids = [self.tok.eos_token_id] if self.tok.eos_token_id is not None else []
        if any("\n" in s for s in first.stop):
            stop_ids += self._newline_ids
        enc = self.tok([r.prompt for r in batch], return_tensors="pt", padding=True).to(self.device)
        sample = first.temperature > 0
        if sample:
            torch.manual_seed(first.seed or 0)
        use_base = first.model not in self.loras and hasattr(self.net, "disable_adapter")
        if first.model in self.loras:
            self.net.set_adapter(first.model)
        ctx = self.net.disable_adapter() if use_base else contextlib.nullcontext()
        with torch.inference_mode(), ctx:
            gen = self.net.generate(
                **enc, max_new_tokens=first.max_tokens, do_sample=sample,
                temperature=first.temperature if sample else None, top_p=None, top_k=None,
                eos_token_id=sorted(set(stop_ids)) or None, pad_token_id=self.tok.pad_token_id,
                output_logits=True, return_dict_in_generate=True,
            )
        new = gen.sequences[:, enc["input_ids"].shape[1]:]
        logits = torch.stack(gen.logits, dim=1).float().log_softmax(-1)  # batch, step, vocab
        picked = logits.gather(-1, new[:, : logits.shape[1], None])[..., 0]
        out = []
        for i, (row, text) in enumerate(zip(new, self.tok.batch_decode(
                new, skip_special_tokens=True), strict=True)):
            n_new = int((row != self.tok.pad_token_id).sum())
            reason = "length" if n_new >= first.max_tokens else "stop"
            for s in first.stop:
                if s and s in text:
                    text, reason = text.split(s, 1)[0], "stop"
            lps = [float(v) for v in picked[i, :n_new]]
            out.append((text, reason, int(enc["input_ids"].shape[1]), n_new, lps))
        return out
