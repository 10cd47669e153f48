"""Bad input that needs a loaded model, a served one or a split run (issue 17): adapters that do
not fit the base and a prompt longer than the context (a tiny LLaMA with a byte-level tokenizer,
through both front doors), the served-model fingerprint of the openai backend, liveness decided
on the whole plan in every shard, the cache commands on the configured cache, blank approval.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_bad_input import BASE_TABLE, Case, jsonl, row, through_cli, through_pytest

from warmgate.cli import main
from warmgate.errors import WarmgateError


def _llama(hidden: int, vocab: int, seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    return LlamaForCausalLM(LlamaConfig(
        vocab_size=vocab, hidden_size=hidden, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
        pad_token_id=256, eos_token_id=257)).eval()


def _byte_tokenizer():
    """A byte-level BPE tokenizer with no merges: ids 0-255 are bytes, 256 pad, 257 eos."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from transformers import PreTrainedTokenizerFast

    vocab = {c: i for i, c in enumerate(pre_tokenizers.ByteLevel.alphabet())}
    vocab.update({"<pad>": 256, "<eos>": 257})
    tk = Tokenizer(BPE(vocab=vocab, merges=[]))
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>")


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """base/ (LLaMA, 256-token context, byte-level tokenizer), ad_other/ (a LoRA of a wider
    model), ad_missing/ (a LoRA whose target modules the base lacks)."""
    from peft import LoraConfig, get_peft_model

    root = tmp_path_factory.mktemp("models")
    _byte_tokenizer().save_pretrained(root / "base")
    _llama(32, 258).save_pretrained(root / "base")
    get_peft_model(_llama(64, 258), LoraConfig(r=2, target_modules=["q_proj"])
                   ).save_pretrained(root / "ad_other")
    get_peft_model(_llama(32, 258), LoraConfig(r=2, target_modules=["q_proj"])
                   ).save_pretrained(root / "ad_missing")
    get_peft_model(_llama(32, 258), LoraConfig(r=2, target_modules=["q_proj"])
                   ).save_pretrained(root / "ad_truncated")
    weights = root / "ad_truncated" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])  # a copy cut short (issue 31 item 13)
    cfg = root / "ad_missing" / "adapter_config.json"
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "target_modules": ["w_nothing"]}))
    return root


MODEL_CASES = {
    "lora-of-another-architecture": lambda m: Case(
        "lora-of-another-architecture",
        {"backend": "transformers", "base": str(m / "base"),
         "candidate": {"adapter": str(m / "ad_other")}},
        fragment="cannot be applied to base", cli_rc=2),
    "lora-target-modules-missing": lambda m: Case(
        "lora-target-modules-missing",
        {"backend": "transformers", "base": str(m / "base"),
         "candidate": {"adapter": str(m / "ad_missing")}},
        fragment="its target_modules match no layer of the base"),
    "adapter-weights-truncated": lambda m: Case(
        "adapter-weights-truncated",
        {"backend": "transformers", "base": str(m / "base"),
         "candidate": {"adapter": str(m / "ad_truncated")}},
        fragment="adapter_model.safetensors: its tensors need"),
    "prompt-longer-than-context": lambda m: Case(
        "prompt-longer-than-context",
        {"backend": "transformers", "base": str(m / "base"), "max_new_tokens": 4},
        {"toy.jsonl": jsonl(row(question="why " * 100))},
        fragment="more than the model's context of 256 tokens"),
}


@pytest.mark.parametrize("name", MODEL_CASES)
def test_model_cases_through_warmgate_run(name, models, tmp_path, monkeypatch, capsys) -> None:
    through_cli(MODEL_CASES[name](models), tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("name", MODEL_CASES)
def test_model_cases_through_pytest(name, models, pytester, monkeypatch) -> None:
    through_pytest(MODEL_CASES[name](models), pytester, monkeypatch)


def test_liveness_is_decided_on_the_whole_plan_in_every_shard(tmp_path, scripted) -> None:
    """A candidate that differs from the base on one item only (in shard 2 of 2) passes the
    liveness check in both shards, as in one process; an identical one fails in both."""
    from toys import make_suite

    from warmgate.config.merge import from_mapping
    from warmgate.gate import run
    from warmgate.shard import Shard

    cfg = from_mapping({**BASE_TABLE, "liveness_probes": 16,
                        "suites": [make_suite(tmp_path, 10)]})
    differs = scripted(lambda role, m: "x" if role == "candidate" and "item 1?" in m else "y")
    for index in (1, 2):
        part = run(cfg, backend=differs, select=Shard(index, 2).select)
        assert set(part.table.item_id) == {f"t-{i}" for i in range(index - 1, 10, 2)}
    run(cfg, backend=differs)
    same = scripted(lambda role, m: "y")
    for index in (1, 2):
        with pytest.raises(WarmgateError, match="liveness check failed"):
            run(cfg, backend=same, select=Shard(index, 2).select)
    run(replace(cfg, liveness_probes=0), backend=same)


class _Models(BaseHTTPRequestHandler):
    cards: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802
        found = self.path.rstrip("/") == "/v1/models" and self.cards is not None
        body = json.dumps({"object": "list", "data": self.cards}).encode()
        self.send_response(200 if found else 404)
        self.end_headers()
        self.wfile.write(body if found else b"{}")

    def do_POST(self) -> None:  # noqa: N802 (the probes of the behavioural fingerprint)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"choices": [{"message": {"content": "ok"}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _serve(cards: list[dict] | None, port: int = 0) -> ThreadingHTTPServer:
    handler = type("H", (_Models,), {"cards": cards})
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_served_model_is_fingerprinted_by_server_and_card_not_name() -> None:
    """Issue 17 item 6: the same name on another port, or another model (card) on the same
    port, never matches; a restart of the same model (vLLM restamps `created`) does."""
    from warmgate.backends.openai_http import OpenAIBackend
    from warmgate.baselines.match import ERROR_FIELDS
    from warmgate.config import Decoding, ModelSpec

    def fingerprint(cards: list[dict] | None, port: int = 0, name: str = "m") -> tuple[str, int]:
        server = _serve(cards, port)
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/v1"
            b = OpenAIBackend({"base": ModelSpec(name)}, Decoding(), base_url=url, max_retries=0)
            return b.provenance("base")["model_fingerprint"], server.server_address[1]
        finally:
            server.shutdown()
            server.server_close()

    card = {"id": "m", "root": "/weights/a", "owned_by": "vllm", "created": 1}
    a, port = fingerprint([card])
    assert a.startswith(f"served:m@127.0.0.1:{port}#")
    assert fingerprint([{**card, "created": 99}], port)[0] == a  # restarted: the same
    assert fingerprint([{**card, "root": "/weights/b"}], port)[0] != a  # another model
    holder = _serve([card], port)  # holds the port, so the next server gets another
    try:
        assert fingerprint([card])[0] != a  # the same name and card on another port
    finally:
        holder.shutdown()
        holder.server_close()
    assert fingerprint(None, port)[0] != a  # no /v1/models: name and host:port only
    assert "model_fingerprint" in ERROR_FIELDS  # a difference refuses the baseline
    with pytest.raises(WarmgateError, match="does not serve model 'x' .*serves m"):
        fingerprint([card], name="x")


@pytest.fixture(scope="module")
def served_models(tmp_path_factory) -> dict[str, Path]:
    """Two tiny LLaMAs (other random weights, one byte-level tokenizer) to serve as "m"."""
    import torch

    root = tmp_path_factory.mktemp("served")
    for name, seed in (("a", 1), ("b", 2)):
        model = _llama(32, 258, seed)
        with torch.no_grad():  # larger weights: decisive, varied greedy choices
            for p in model.parameters():
                p.mul_(8.0)
        _byte_tokenizer().save_pretrained(root / name)
        model.save_pretrained(root / name)
    return {"a": root / "a", "b": root / "b"}


def _provenance_served(folder: Path, port: int = 0, logprobs: bool = True,
                       endpoint: str = "chat") -> tuple[dict, int]:
    """The openai backend's base provenance against the stub server (warmgate.testing.server,
    in this process) serving `folder` as "m", on `port` (0: a free one)."""
    from warmgate.backends.openai_http import OpenAIBackend
    from warmgate.config import Decoding, ModelSpec
    from warmgate.testing.engine import Engine
    from warmgate.testing.faults import Faults
    from warmgate.testing.server import serve

    server = serve(Engine(str(folder), "m", {}), "127.0.0.1", port, Faults(), None,
                   logprobs=logprobs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        b = OpenAIBackend({"base": ModelSpec("m")}, Decoding(), endpoint=endpoint,
                          base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
        return b.provenance("base"), port
    finally:
        server.shutdown()
        server.server_close()


def test_another_model_served_under_the_same_name_and_address_is_refused(served_models) -> None:
    """Issue 31 item 7: the /v1/models card and the address are the same, the weights are not;
    the probes' replies tell, so a baseline made from the other model is refused (an error
    naming the behaviour) and its cached replies are not reused; the same model matches."""
    from warmgate.config import GateConfig
    from warmgate.identity import compare, record, variant_key
    from warmgate.run import Run

    a, port = _provenance_served(served_models["a"])
    stored = Run(GateConfig()).base_record(a, "rules", "1")  # what a baseline of "a" keeps
    assert stored["served_behaviour"]["logprobs"]  # the stub gives logprobs: they are used
    again, _ = _provenance_served(served_models["a"], port)  # restarted: the same model
    assert compare(stored, record(again)) == ([], [])
    other, _ = _provenance_served(served_models["b"], port)  # another model, same name/port
    assert other["model_fingerprint"] == a["model_fingerprint"]  # the card cannot tell
    errors, _ = compare(stored, record(other), "baseline v1")
    assert len(errors) == 1, errors
    assert errors[0].startswith("served_behaviour differs (the served model behaves "
                                "differently on the fixed probe prompts: its greedy replies")
    assert variant_key(other) != variant_key(again) == variant_key(a)
    older = {k: v for k, v in stored.items() if k != "served_behaviour"}  # an older baseline
    assert compare(older, record(other)) == ([], [])


def test_a_server_without_logprobs_is_fingerprinted_by_its_replies(served_models) -> None:
    """A server that refuses the logprobs field (400) is probed again without it: its replies
    are hashed alone, and they match a record made where logprobs were given."""
    from warmgate.identity import compare, record

    with_lp, port = _provenance_served(served_models["a"], endpoint="completions")
    without, _ = _provenance_served(served_models["a"], port, False, "completions")
    other, _ = _provenance_served(served_models["b"], port, False, "completions")
    assert without["served_behaviour"]["logprobs"] == "" != with_lp["served_behaviour"]["logprobs"]
    assert without["served_behaviour"]["replies"] == with_lp["served_behaviour"]["replies"]
    assert compare(record(with_lp), record(without))[0] == []
    assert "served_behaviour differs" in compare(record(with_lp), record(other))[0][0]
    # the same replies with log-probabilities moved past the tolerance: another model
    lps = with_lp["served_behaviour"]["logprobs"]
    assert all(lps), lps  # every probe was answered with tokens
    for step, refused in ((0.05, False), (0.5, True)):
        moved = [[v - step for v in probe] for probe in lps]
        now = {**with_lp, "served_behaviour": {**with_lp["served_behaviour"], "logprobs": moved}}
        errors = compare(record(with_lp), record(now))[0]
        assert bool(errors) == refused and (not refused or "log-probabilities moved by up to "
                                            "0.50 (tolerance 0.25)" in errors[0]), errors


@pytest.mark.parametrize("applied", [False, True])
def test_a_served_lora_that_changes_nothing_is_flagged(served_models, tmp_path, applied) -> None:
    """A candidate = served LoRA + persona passes the liveness check (the persona changes its
    prompts) even when the LoRA does nothing; the bare probes tell: a warning, only then."""
    import warnings

    from peft import LoraConfig, get_peft_model
    from toys import make_suite

    from warmgate.backends.openai_http import OpenAIBackend
    from warmgate.config.merge import from_mapping
    from warmgate.gate import run
    from warmgate.testing.engine import Engine
    from warmgate.testing.faults import Faults
    from warmgate.testing.server import serve

    # untrained LoRA weights (B = 0) change nothing; init_lora_weights=False: random A and B
    get_peft_model(_llama(32, 258, 1), LoraConfig(r=2, target_modules=["q_proj", "v_proj"],
                                                  init_lora_weights=not applied)
                   ).save_pretrained(tmp_path / "warm")
    engine = Engine(str(served_models["a"]), "m", {"warm": str(tmp_path / "warm")})
    server = serve(engine, "127.0.0.1", 0, Faults(), None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cfg = from_mapping({**BASE_TABLE, "backend": "openai", "base": "m", "max_new_tokens": 4,
                        "candidate": {"adapter": "warm", "persona": "Be warm."},
                        "suites": [make_suite(tmp_path, 3)], "liveness_probes": 3})
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        backend = OpenAIBackend({"base": cfg.base, "candidate": cfg.candidate}, cfg.decoding,
                                base_url=url, max_retries=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run(cfg, backend=backend)
    finally:
        server.shutdown()
        server.server_close()
    flagged = [str(w.message) for w in caught if "may not apply the LoRA" in str(w.message)]
    assert len(result.table) == 6
    assert flagged == ([] if applied else [
        "the candidate's served adapter 'warm' answers the fixed probe prompts exactly like the "
        "base 'm' (same greedy replies and log-probabilities): the server may not apply the "
        "LoRA (check its --lora-modules and the adapter's weights)"])


def test_cache_commands_act_on_the_configured_cache(tmp_path, monkeypatch, capsys) -> None:
    from warmgate.cache import GenerationCache

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WARMGATE_CACHE", str(tmp_path / "root"))
    for f in ("root/generations", "mine", "configured"):
        GenerationCache(tmp_path / f).put_many("v", {f: "reply"})

    def entries(f: str) -> int:
        return GenerationCache(tmp_path / f).info().entries

    monkeypatch.setenv("WARMGATE_GENERATION_CACHE", "mine")
    assert main(["cache", "prune", "--all"]) == 0
    assert (entries("mine"), entries("root/generations")) == (0, 1)
    monkeypatch.delenv("WARMGATE_GENERATION_CACHE")
    (tmp_path / "pyproject.toml").write_text('[tool.warmgate]\ncache = "configured"\n')
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    assert str(tmp_path / "configured") in capsys.readouterr().out
    assert main(["cache", "prune", "--older-than", "-1"]) == 2
    assert "--older-than must be a number of days >= 0" in capsys.readouterr().err
    assert main(["cache", "prune", "--all"]) == 0
    assert (entries("configured"), entries("root/generations")) == (0, 1)


def test_blank_approval_is_refused_in_ci_on_both_doors(tmp_path, pytester, monkeypatch,
                                                        capsys) -> None:
    monkeypatch.setenv("CI", "true")
    Case("blank").write(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["baseline", "update", "--approved-by", " ", "--reason", " ",
                 "--no-progress"]) == 2
    assert "refusing to update the baseline in CI" in capsys.readouterr().err
    Case("blank").write(pytester.path)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--warmgate-update-baselines",
                                          "--warmgate-approved-by", " ", "--warmgate-reason", "\t")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "refusing to update the baseline in CI" in result.stderr.str()
