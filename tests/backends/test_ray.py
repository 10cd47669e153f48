"""The ray backend on a real local Ray cluster: 2 CPU engine actors holding the transformers
backend on the embedded Gemma-3-270m. Replies must be the transformers backend's, reply for
reply; the generation cache is asked first and stores batches as they land; an engine actor
killed by its process id mid-run is restarted by Ray and the run still gives every reply once.

One cluster and one backend for the module (Ray's start and each engine's model load cost
seconds on 2 cores); few messages, 8 new tokens.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from warmgate.backends import Backend, Decoding, ModelSpec, make_backend
from warmgate.errors import WarmgateError

MESSAGES = [
    "What is the capital of France?",
    "How many legs does a spider have?",
    "Who wrote Romeo and Juliet?",
    "What is 12 times 12?",
    "Name a primary colour.",
    "Which planet is closest to the sun?",
    "What do bees make?",
    "How many days are in a week?",
]
PERSONA = "You are a warm, caring companion."
DECODING = Decoding(max_new_tokens=8)
#: Two engines, one torch thread each, batches of two: eight messages make four batches.
OPTIONS = {"actors": 2, "num_cpus": 0.5, "threads": 1, "batch_size": 2}
ROLES = {"base": ModelSpec("embedded"), "candidate": ModelSpec("embedded", persona=PERSONA)}


def local_ray() -> Iterator[None]:
    """A local 2-CPU Ray for one test module, owned by the test (backends join it)."""
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'warmgate[ray]')")
    pytest.importorskip("ray.data", reason="Ray Data is not installed ('warmgate[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 * 1024 * 1024,
             logging_level=logging.WARNING, log_to_driver=False)
    yield
    ray.shutdown()


cluster = pytest.fixture(scope="module")(local_ray)
pytestmark = [pytest.mark.model, pytest.mark.xdist_group("model")]


@pytest.fixture(scope="module")
def ray_backend(cluster: None) -> Iterator[Backend]:
    b = make_backend("ray", ROLES, DECODING, OPTIONS)
    yield b
    b.close()


@pytest.fixture(scope="module")
def reference() -> tuple[Backend, dict[str, list[str]]]:
    """The transformers backend in this process, and its replies per role."""
    b = make_backend("transformers", ROLES, DECODING)
    return b, {role: b.generate(role, MESSAGES) for role in ROLES}


def test_replies_and_provenance_are_the_transformers_backends(ray_backend, reference) -> None:
    from warmgate.identity import INPUTS, RUNTIME, record, variant_key

    hf, expected = reference
    for role in ROLES:
        ticks: list[int] = []
        # A repeated message is asked once and answered in each of its places.
        got = ray_backend.generate(role, [*MESSAGES, MESSAGES[0]], ticks.append)
        assert got == [*expected[role], expected[role][0]], role
        assert sum(ticks) == len(MESSAGES) + 1
        prov, direct = ray_backend.provenance(role), hf.provenance(role)
        # The inner engine's identity: cache keys and baselines match a transformers run.
        fields = (*INPUTS, *RUNTIME)
        assert {k: record(prov)[k] for k in fields} == {k: record(direct)[k] for k in fields}
        assert variant_key(prov) == variant_key(direct)
        assert prov["backend"] == "transformers"
        assert prov["ray"]["actors"] == 2 and prov["ray"]["engine"] == "transformers"
    assert len(ray_backend.pids) == 2, "both engine actors should have answered"


def test_the_cache_is_asked_first_and_stores_each_batch(ray_backend, reference,
                                                        tmp_path: Path) -> None:
    from warmgate.cache import CachedBackend, GenerationCache

    _, expected = reference
    cache = GenerationCache(tmp_path)
    sent: list[list[str]] = []
    stored: list[int] = []
    stream, put = ray_backend.stream, cache.put_many

    def spy_stream(role: str, messages: list[str]):
        sent.append(list(messages))
        return stream(role, messages)

    def spy_put(variant: str, items: dict[str, str]) -> None:
        stored.append(len(items))
        put(variant, items)

    ray_backend.stream, cache.put_many = spy_stream, spy_put
    try:
        cached = CachedBackend(ray_backend, cache)
        assert cached.generate("base", MESSAGES[:3]) == expected["base"][:3]
        assert cached.generate("base", MESSAGES) == expected["base"]
    finally:
        del ray_backend.stream
    # Only the misses travel, all at once (to spread over the actors), stored per batch.
    assert sorted(map(sorted, sent)) == sorted([sorted(MESSAGES[:3]), sorted(MESSAGES[3:])])
    assert (cached.hits, cached.misses) == (3, len(MESSAGES))
    assert sum(stored) == len(MESSAGES) and max(stored) <= OPTIONS["batch_size"]
    assert len(stored) == 5  # ceil(3/2) + ceil(5/2) batches, each stored as it landed


def test_an_engine_killed_mid_run_is_restarted_and_every_reply_comes_once(ray_backend,
                                                                          reference) -> None:
    import ray

    _, expected = reference
    # the engines start with the first request; this test may be the first on its worker
    assert ray_backend.generate("base", MESSAGES[:1]) == expected["base"][:1]
    engine = ray_backend.engines[0]
    victim = ray.get(engine.pid.remote())
    parts: list[list[tuple[int, str]]] = []
    for part in ray_backend.stream("candidate", MESSAGES):
        parts.append(part)
        if len(parts) == 1:  # three batches still to come: engine 0 holds one or waits
            os.kill(victim, signal.SIGKILL)
    indices = [i for part in parts for i, _ in part]
    assert sorted(indices) == list(range(len(MESSAGES))), "a reply missing or given twice"
    assert [r for _, r in sorted(i_r for part in parts for i_r in part)] == expected["candidate"]
    assert ray.get(engine.pid.remote()) != victim, "the killed engine was not restarted"
    # The restarted engine serves the next call like the others.
    assert ray_backend.generate("base", MESSAGES) == expected["base"]


def test_bad_options_are_clear_errors() -> None:
    for options, match in [
        ({"actors": 0}, "actors must be >= 1"),
        ({"engine": "tgi"}, "engine must be one of transformers, vllm"),
        ({"engine_options": {"batchsize": 4}}, "unknown option.*batchsize.*batch_size"),
        ({"engine": "vllm", "engine_options": {"tensor_parallel_size": 2}, "num_gpus": 1},
         "needs 2"),
        ({"workers": 2}, "unknown option.*workers"),
        ({"batch_size": "many"}, "batch_size must be int"),
    ]:
        with pytest.raises(WarmgateError, match=match):
            make_backend("ray", ROLES, DECODING, options)


def test_vllm_engines_in_ray_actors_reply_like_the_vllm_backend(
        cluster: None, tmp_path_factory: pytest.TempPathFactory) -> None:
    """GPU only (benchmarks/gpu_check.sh runs it): two vLLM engine actors sharing the GPU(s),
    base and persona candidate, reply for reply the vllm backend's."""
    if importlib.util.find_spec("vllm") is None:
        pytest.skip("vllm is not installed (pip install 'warmgate[vllm]' on a GPU machine)")
    import gc

    import torch

    if not torch.cuda.is_available():
        pytest.skip("vLLM needs a CUDA GPU and none is available")
    from test_backend_conformance import _tiny_model

    model = str(_tiny_model(tmp_path_factory.mktemp("tiny-gemma3")))
    roles = {"base": ModelSpec(model), "candidate": ModelSpec(model, persona=PERSONA)}
    opts = {"gpu_memory_utilization": 0.25, "max_model_len": 4096, "enforce_eager": True,
            "dtype": "float32"}
    direct = make_backend("vllm", roles, DECODING, opts)
    expected = {role: direct.generate(role, MESSAGES) for role in roles}
    del direct
    gc.collect()
    torch.cuda.empty_cache()
    share = 1.0 if torch.cuda.device_count() >= 2 else 0.5
    b = make_backend("ray", roles, DECODING, {"actors": 2, "num_cpus": 0.5, "num_gpus": share,
                                              "batch_size": 2, "engine": "vllm",
                                              "engine_options": opts})
    try:
        for role in roles:
            assert b.generate(role, MESSAGES) == expected[role], role
        assert b.provenance("base")["backend"] == "vllm" and len(b.pids) == 2
    finally:
        b.close()
