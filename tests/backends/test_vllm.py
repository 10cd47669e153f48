"""vLLM backend plumbing. vLLM cannot run here (no GPU): a stand-in `vllm` module records what
the backend asks of it (engine arguments, LoRA requests, prompts). The real engine is covered by
the conformance suite (test_backend_conformance.py), which runs it where vLLM and a GPU exist.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest

from warmgate.backends import Decoding, ModelSpec, make_backend
from warmgate.errors import WarmgateError


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_without_vllm_the_error_names_the_extra(tmp_path: Path) -> None:
    with pytest.raises(WarmgateError, match=r"pip install 'warmgate\[vllm\]'"):
        make_backend("vllm", {"base": ModelSpec(str(tmp_path))}, Decoding())


class _Tok:
    chat_template = None

    def __call__(self, text: str) -> types.SimpleNamespace:
        return types.SimpleNamespace(input_ids=[2, *range(10, 10 + len(text.split()))])


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """A stand-in vllm with LLM, SamplingParams and LoRARequest that record their calls."""
    log = types.SimpleNamespace(engines=[], calls=[])

    class LLM:
        def __init__(self, **kw: object) -> None:
            log.engines.append(kw)

        def get_tokenizer(self) -> _Tok:
            return _Tok()

        def generate(self, prompts, params, lora_request=None, use_tqdm=True):
            log.calls.append((prompts, params, lora_request))
            name = lora_request.lora_name if lora_request else "base"
            return [types.SimpleNamespace(outputs=[types.SimpleNamespace(
                text=f" {name}:{len(p['prompt_token_ids'])}\nmore")]) for p in prompts]

    class LoRARequest:
        def __init__(self, lora_name: str, lora_int_id: int, lora_path: str) -> None:
            self.lora_name, self.lora_int_id, self.lora_path = lora_name, lora_int_id, lora_path

    vllm = types.ModuleType("vllm")
    vllm.__version__ = "0.0-test"
    vllm.LLM = LLM
    vllm.SamplingParams = lambda **kw: kw
    lora = types.ModuleType("vllm.lora")
    request = types.ModuleType("vllm.lora.request")
    request.LoRARequest = LoRARequest
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.lora", lora)
    monkeypatch.setitem(sys.modules, "vllm.lora.request", request)
    return log


def _adapter(path: Path, r: int) -> str:
    path.mkdir()
    (path / "adapter_config.json").write_text(json.dumps({"r": r, "peft_type": "LORA"}))
    return str(path)


def test_base_and_adapters_share_one_engine(fake_vllm, tmp_path: Path) -> None:
    model = str(tmp_path / "model")
    warm, cold = _adapter(tmp_path / "warm", 12), _adapter(tmp_path / "cold", 8)
    variants = {"base": ModelSpec(model), "candidate": ModelSpec(model, adapter=warm),
                "cold": ModelSpec(model, adapter=cold, persona="Be brief.")}
    opts = {"tensor_parallel_size": 4, "dtype": "bfloat16", "max_model_len": 4096,
            "gpu_memory_utilization": 0.85, "engine_args": {"swap_space": 8}}
    b = make_backend("vllm", variants, Decoding(max_new_tokens=16), opts)
    msgs = ["one two three", "four", "five six"]
    base = b.generate("base", msgs)
    cand = b.generate("candidate", msgs)
    cold_out = b.generate("cold", msgs)
    assert len(fake_vllm.engines) == 1  # one engine for the base and both adapters
    eng = fake_vllm.engines[0]
    assert eng["model"] == model and eng["enable_lora"] is True and eng["max_loras"] == 2
    assert eng["max_lora_rank"] == 16  # r=12 rounded up to a rank vLLM accepts
    assert (eng["tensor_parallel_size"], eng["dtype"], eng["max_model_len"]) == (4, "bfloat16", 4096)
    assert eng["gpu_memory_utilization"] == 0.85 and eng["enable_prefix_caching"] is True
    assert eng["swap_space"] == 8
    (_, params, lora_base), (_, _, lora_warm), (_, _, lora_cold) = fake_vllm.calls
    assert lora_base is None
    assert (lora_warm.lora_int_id, lora_warm.lora_path) == (1, warm)
    assert (lora_cold.lora_int_id, lora_cold.lora_path) == (2, cold)
    assert params == {"temperature": 0.0, "max_tokens": 16, "stop": ["\n"]}
    # Replies in input order, cut at the newline; the prompt is `Q: ...\nA:` (+ persona).
    assert base == ["base:6", "base:4", "base:5"]
    assert cand == ["adapter1:6", "adapter1:4", "adapter1:5"]
    assert cold_out == ["adapter2:8", "adapter2:6", "adapter2:7"]


def test_without_adapters_lora_is_off_and_limits_are_checked(fake_vllm, tmp_path: Path) -> None:
    model = str(tmp_path / "model")
    variants = {"base": ModelSpec(model), "candidate": ModelSpec(model, persona="Be warm.")}
    b = make_backend("vllm", variants, Decoding(max_new_tokens=8), {"max_model_len": 12})
    assert "enable_lora" not in b.engine_kwargs(model)
    assert b.generate("base", ["hi"]) == ["base:4"]
    with pytest.raises(WarmgateError, match="exceeds backend_options.max_model_len = 12"):
        b.generate("base", ["a b c d e f g h i"])
    with pytest.raises(WarmgateError, match="unknown option.*engine_args"):
        make_backend("vllm", variants, Decoding(), {"tp": 2})


class _InlineRank:
    """RankProcess without the process: the same VLLMBackend, built here on the stand-in."""

    made: list[tuple[str, dict]] = []

    def __init__(self, devices: str, variants, decoding, options: dict) -> None:
        from warmgate.backends.vllm import VLLMBackend

        _InlineRank.made.append((devices, options))
        self.backend, self.sent = VLLMBackend(variants, decoding, **options), []

    def submit(self, role: str, messages: list[str]) -> None:
        self.sent.append(messages)
        self.pending = self.backend.generate(role, messages)

    def result(self) -> list[str]:
        return self.pending

    def close(self) -> None:
        pass


def test_data_parallel_deals_prompts_over_one_engine_per_gpu_group(
        fake_vllm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import warmgate.backends.vllm as vb

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    monkeypatch.setattr(vb, "RankProcess", _InlineRank)
    _InlineRank.made = []
    model = str(tmp_path / "model")
    warm = _adapter(tmp_path / "warm", 8)
    variants = {"base": ModelSpec(model), "candidate": ModelSpec(model, adapter=warm)}
    d = Decoding(max_new_tokens=16)
    msgs = ["a", "b c d e f", "g h", "i j k l m n o", "p q r"]
    single = make_backend("vllm", variants, d, {"tensor_parallel_size": 2})
    dp = make_backend("vllm", variants, d, {"tensor_parallel_size": 2, "data_parallel_size": 2})
    ticks: list[int] = []
    for role in ("base", "candidate"):
        assert dp.generate(role, msgs, ticks.append) == single.generate(role, msgs), role
    assert sum(ticks) == 2 * len(msgs)
    # One engine per pair of GPUs, each a plain single engine (its own tensor parallel 2).
    assert [dev for dev, _ in _InlineRank.made] == ["0,1", "2,3"]
    assert all(o["data_parallel_size"] == 1 and o["tensor_parallel_size"] == 2
               for _, o in _InlineRank.made)
    assert all("data_parallel_size" not in e for e in fake_vllm.engines)
    # Dealt by length, round robin: the longest to rank 0, the next to rank 1, ...
    first, second = (r.sent[0] for r in dp._ranks)
    assert first == ["i j k l m n o", "p q r", "a"] and second == ["b c d e f", "g h"]
    too_many = make_backend("vllm", variants, d, {"tensor_parallel_size": 2,
                                                  "data_parallel_size": 4})
    with pytest.raises(WarmgateError, match="needs 8 GPUs on this node, but 4 are visible"):
        too_many.generate("base", msgs)
    with pytest.raises(WarmgateError, match="data_parallel_size must be >= 1"):
        make_backend("vllm", variants, d, {"data_parallel_size": 0})


def test_a_data_parallel_rank_serves_until_stopped_and_reports_errors(
        fake_vllm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import os
    import threading

    from warmgate.backends.vllm_parallel import serve_rank

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # restored after the test
    variants = {"base": ModelSpec(str(tmp_path / "model"))}
    parent, child = multiprocessing.Pipe()
    t = threading.Thread(target=serve_rank, args=(child, "3", variants,
                                                  Decoding(max_new_tokens=8), {}))
    t.start()
    parent.send(("base", ["one two", "three"]))
    assert parent.recv() == ("ok", ["base:5", "base:4"])
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"  # pinned before vLLM is built
    parent.send(("nobody", ["x"]))
    kind, message = parent.recv()
    assert kind == "error" and "KeyError" in message  # the engine goes on serving
    parent.send(("base", ["three"]))
    assert parent.recv() == ("ok", ["base:4"])
    parent.send(None)
    t.join(5)
    assert not t.is_alive() and len(fake_vllm.engines) == 1


def test_data_parallel_on_real_gpus_replies_like_one_engine(tmp_path: Path) -> None:
    """2+ GPUs only (benchmarks/gpu_check.sh runs it): data_parallel_size = 2 on the real vLLM,
    one engine process per GPU, reply for reply one engine's."""
    if importlib.util.find_spec("vllm") is None:
        pytest.skip("vllm is not installed (pip install 'warmgate[vllm]' on a GPU machine)")
    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("data parallel needs 2 or more CUDA GPUs")
    from test_backend_conformance import MESSAGES, _tiny_model

    model = str(_tiny_model(tmp_path / "tiny"))
    variants = {"base": ModelSpec(model), "candidate": ModelSpec(model, persona="Be warm.")}
    opts = {"gpu_memory_utilization": 0.3, "max_model_len": 4096, "enforce_eager": True,
            "dtype": "float32"}
    one = make_backend("vllm", variants, Decoding(max_new_tokens=10), opts)
    expected = {role: one.generate(role, MESSAGES) for role in variants}
    del one
    dp = make_backend("vllm", variants, Decoding(max_new_tokens=10),
                      {**opts, "data_parallel_size": 2})
    try:
        for role in variants:
            assert dp.generate(role, MESSAGES) == expected[role], role
    finally:
        dp.close()
