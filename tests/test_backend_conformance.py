"""Backend conformance: every engine takes the same messages and gives the same-shaped replies.

Each test runs against every backend: transformers on a tiny random Gemma-3 built from a config
(with the embedded model's tokenizer), the OpenAI-compatible HTTP backend against a real
`warmgate.testing.server` process on 127.0.0.1 serving that same tiny model, vLLM (skipped with the
reason where vLLM or a GPU is absent), Ray Data on a local Ray with 2 CPU engine actors holding
the transformers engine on that tiny model (skipped with the reason where ray is absent; Ray on
the embedded model, against the transformers backend, is tests/backends/test_ray.py's), and, for the core
case, transformers on the real embedded Gemma-3-270m.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from warmgate.backends import Backend, Decoding, ModelSpec, make_backend
from warmgate.identity import EMITTED

MESSAGES = [
    "What is the capital of France?",
    "How many legs does a spider have?",
    "Who wrote Romeo and Juliet?",
    "Is the Great Wall of China visible from space with the naked eye?",
    "What is 12 times 12?",
]
PERSONA = "You are a warm, caring companion."
LONG = " ".join(["Tell me everything about the history of the Roman Empire and its emperors."] * 120)

DEFAULT = Decoding(max_new_tokens=8)
Factory = Callable[[Decoding], Backend]


def _tiny_model(folder: Path) -> Path:
    """A 2-layer Gemma-3 with random (scaled) weights and the embedded model's tokenizer."""
    import torch
    from transformers import AutoTokenizer, Gemma3ForCausalLM, Gemma3TextConfig

    from warmgate.embedded import embedded_model_dir

    src = embedded_model_dir()
    tok = AutoTokenizer.from_pretrained(src)
    torch.manual_seed(0)
    cfg = Gemma3TextConfig(
        vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=64, sliding_window=64,
        layer_types=["sliding_attention", "full_attention"], max_position_embeddings=4096,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id,
    )
    model = Gemma3ForCausalLM(cfg)
    # Larger weights give the random model decisive, varied greedy choices.
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(8.0)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("tiny-gemma3"))


@pytest.fixture(scope="module")
def tiny_server(tiny_model: Path):
    from warmgate.testing.server import running

    with running(["--model", str(tiny_model), "--served-model-name", "tiny", "--port", "0",
                  "--threads", "1"]) as url:
        yield url


def _roles(model: str) -> dict[str, ModelSpec]:
    return {"base": ModelSpec(model), "candidate": ModelSpec(model, persona=PERSONA)}


@pytest.fixture
def transformers_tiny(tiny_model: Path) -> Factory:
    return lambda d: make_backend("transformers", _roles(str(tiny_model)), d)


@pytest.fixture
def openai_tiny(tiny_server: str) -> Factory:
    return lambda d: make_backend("openai", _roles("tiny"), d,
                                  {"base_url": tiny_server, "concurrency": 4, "backoff": 0.05})


@pytest.fixture
def vllm_tiny(tiny_model: Path) -> Factory:
    if importlib.util.find_spec("vllm") is None:
        pytest.skip("vllm is not installed (pip install 'warmgate[vllm]' on a GPU machine)")
    import torch

    if not torch.cuda.is_available():
        pytest.skip("vLLM needs a CUDA GPU and none is available")
    opts = {"gpu_memory_utilization": 0.3, "max_model_len": 4096, "enforce_eager": True,
            "dtype": "float32"}
    return lambda d: make_backend("vllm", _roles(str(tiny_model)), d, opts)


@pytest.fixture
def transformers_embedded() -> Factory:
    return lambda d: make_backend("transformers", _roles("embedded"), d)


#: Two engine actors on CPU, one torch thread each; batches of two, so that a call of five
#: messages spreads over both. num_cpus is Ray's accounting: half a CPU each on a 2-CPU Ray.
RAY_OPTIONS = {"actors": 2, "num_cpus": 0.5, "threads": 1, "batch_size": 2}


@pytest.fixture(scope="module")
def ray_tiny_backend(tiny_model: Path) -> Iterator[Backend]:
    """One Ray backend for the module on a local Ray it owns (Ray's start and the engines'
    model loads cost seconds each on 2 cores), stopped at the module's end."""
    pytest.importorskip("ray.data", reason="ray is not installed (pip install 'warmgate[ray]')")
    import logging

    import ray

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 * 1024 * 1024,
             logging_level=logging.WARNING, log_to_driver=False)
    b = make_backend("ray", _roles(str(tiny_model)), DEFAULT, RAY_OPTIONS)
    yield b
    b.close()
    ray.shutdown()


@pytest.fixture
def ray_tiny(ray_tiny_backend: Backend) -> Factory:
    def get(d: Decoding) -> Backend:
        assert d == DEFAULT, "a decoding of its own would need engine actors of its own"
        return ray_tiny_backend

    return get


FAST = ["transformers_tiny", "openai_tiny", "vllm_tiny", "ray_tiny"]
#: The decoding tests build a backend per decoding: for Ray that is two more engine actors
#: each, so Ray is left out there; it hands the decoding to its inner engine unchanged
#: (tests/backends/test_ray.py checks that its provenance, decoding included, is the inner engine's).
FAST_DECODING = [b for b in FAST if b != "ray_tiny"]
MODEL = pytest.param("transformers_embedded",
                     marks=[pytest.mark.model, pytest.mark.xdist_group("model")])


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Factory:
    """The factory named by the parameter; built backends are reused per decoding."""
    factory = request.getfixturevalue(request.param)
    built: dict[Decoding, Backend] = {}

    def get(decoding: Decoding = DEFAULT) -> Backend:
        if decoding not in built:
            built[decoding] = factory(decoding)
        return built[decoding]

    return get


@pytest.mark.parametrize("backend", [*FAST, MODEL], indirect=True)
def test_one_reply_per_message_in_order_and_deterministic(backend: Factory) -> None:
    b = backend()
    ticks: list[int] = []
    first = b.generate("base", MESSAGES, ticks.append)
    assert len(first) == len(MESSAGES) and all(isinstance(r, str) for r in first)
    assert sum(ticks) == len(MESSAGES)  # progress counts every message once
    assert len(set(first)) > 1, f"every message got the same reply: {first}"
    # Greedy decoding: the same messages give the same replies, whatever their order.
    again = b.generate("base", MESSAGES[::-1])[::-1]
    assert again == first


@pytest.mark.parametrize("backend", FAST, indirect=True)
def test_batch_replies_equal_single_replies(backend: Factory) -> None:
    b = backend()
    batch = b.generate("candidate", MESSAGES)
    single = [b.generate("candidate", [m])[0] for m in MESSAGES]
    assert batch == single


@pytest.mark.parametrize("backend", FAST_DECODING, indirect=True)
def test_stop_at_newline_only_truncates(backend: Factory) -> None:
    stop = backend(Decoding(max_new_tokens=24, stop_at_newline=True)).generate("base", MESSAGES)
    free = backend(Decoding(max_new_tokens=24, stop_at_newline=False)).generate("base", MESSAGES)
    assert all("\n" not in r for r in stop)
    assert stop == [r.split("\n", 1)[0].strip() for r in free]
    # (The tiny random model seldom writes a newline; tests/backends/test_openai_http.py checks stopping on
    # the embedded model, whose replies do run past newlines.)


@pytest.mark.parametrize("backend", FAST_DECODING, indirect=True)
def test_max_new_tokens_caps_replies(backend: Factory, tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    short = backend(Decoding(max_new_tokens=3, stop_at_newline=False)).generate("base", MESSAGES)
    longer = backend(Decoding(max_new_tokens=12, stop_at_newline=False)).generate("base", MESSAGES)
    for s, lg in zip(short, longer, strict=True):
        assert len(tok(s, add_special_tokens=False).input_ids) <= 3 + 1  # +1: re-tokenising
        assert lg.startswith(s)  # a longer budget continues the same greedy reply
    assert sum(map(len, longer)) > sum(map(len, short))


@pytest.mark.parametrize("backend", FAST, indirect=True)
def test_empty_and_very_long_messages(backend: Factory) -> None:
    b = backend()
    assert b.generate("base", []) == []
    replies = b.generate("base", ["", LONG, MESSAGES[0]])
    assert len(replies) == 3 and all(isinstance(r, str) for r in replies)
    # A very long neighbour in the batch does not change a short message's reply.
    assert replies[2] == b.generate("base", [MESSAGES[0]])[0]


@pytest.mark.parametrize("backend", FAST, indirect=True)
def test_roles_differ_and_provenance_is_complete(backend: Factory) -> None:
    b = backend()
    base = b.generate("base", MESSAGES)
    cand = b.generate("candidate", MESSAGES)
    assert base != cand, "the persona prompt did not reach the model"
    for role in ("base", "candidate"):
        prov = b.provenance(role)
        for key in EMITTED:  # every field reply identity names
            assert key in prov, key
        assert prov["decoding"]["max_new_tokens"] == 8
    assert b.provenance("candidate")["persona"] == PERSONA
    assert b.provenance("base")["persona"] == ""


def test_http_and_transformers_give_the_same_replies(transformers_tiny: Factory,
                                                     openai_tiny: Factory) -> None:
    """Same model, same prompt format, greedy: the two engines agree reply for reply."""
    d = Decoding(max_new_tokens=10)
    for role in ("base", "candidate"):
        local = transformers_tiny(d).generate(role, MESSAGES)
        remote = openai_tiny(d).generate(role, MESSAGES)
        assert local == remote, role


def test_ray_and_transformers_give_the_same_replies(transformers_tiny: Factory,
                                                   ray_tiny: Factory) -> None:
    """Ray's actors hold the transformers engine: reply for reply what it gives in-process."""
    ray, local = ray_tiny(DEFAULT), transformers_tiny(DEFAULT)
    for role in ("base", "candidate"):
        assert ray.generate(role, MESSAGES) == local.generate(role, MESSAGES), role


def test_unknown_backend_and_bad_options_are_clear_errors() -> None:
    from warmgate.errors import WarmgateError

    with pytest.raises(WarmgateError, match="available: transformers, openai, vllm, ray"):
        make_backend("tgi", _roles("x"), Decoding())
    with pytest.raises(WarmgateError, match="looks like a secret"):
        make_backend("openai", _roles("x"), Decoding(), {"api_key": "sk-123"})
    with pytest.raises(WarmgateError, match="unknown option"):
        make_backend("openai", _roles("x"), Decoding(), {"concurency": 4})
    with pytest.raises(WarmgateError, match="endpoint must be one of"):
        make_backend("openai", _roles("x"), Decoding(), {"endpoint": "embeddings"})



def test_backend_options_from_config_refuse_secrets() -> None:
    from warmgate.config.merge import from_mapping
    from warmgate.errors import WarmgateError

    cfg = from_mapping({"backend": "openai", "backend_options": {"base_url": "http://h:1/v1",
                                                                  "api_key_env": "K"}})
    assert cfg.backend_options == {"base_url": "http://h:1/v1", "api_key_env": "K"}
    with pytest.raises(WarmgateError, match=r"\[tool.warmgate\]: backend_options.api_key looks"):
        from_mapping({"backend_options": {"api_key": "sk-1"}})
    with pytest.raises(WarmgateError, match="backend_options must be a table"):
        from_mapping({"backend_options": "http://h:1/v1"})
