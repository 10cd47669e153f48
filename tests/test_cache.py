"""The generation cache: content-addressed, shared by processes, resumable after a kill."""

import multiprocessing as mp

import pytest
from toys import make_suite

from warmgate.cache import GenerationCache, entry_key, variant_key
from warmgate.cli import main
from warmgate.config import GateConfig
from warmgate.gate import run


def answer(role, message):
    i = message.split("item ")[1].split("?")[0]
    return f"It is right{i}." if role == "base" or int(i) % 3 else f"Maybe wrong{i}."


class Killed(Exception):
    """Stands in for the process dying mid-run."""


def fingerprinted(scripted, kill_after=None, fp="sha256:" + "a" * 64):
    """A scripted backend whose weights have a content fingerprint (so it is cacheable) and
    that dies after `kill_after` prompts, losing the batch in progress."""

    class Backend(scripted):
        def generate(self, role, messages, progress=None):
            if kill_after is not None and len(self.calls) + len(messages) > kill_after:
                raise Killed(f"killed after {len(self.calls)} prompts")
            return super().generate(role, messages, progress)

        def provenance(self, role):
            return {"backend": "scripted", "backend_version": "1", "model": "toy",
                    "model_fingerprint": fp, "adapter_fingerprint": "",
                    "persona": "warm" if role == "candidate" else "", "dtype": "float32",
                    "device": "cpu", "decoding": {"max_new_tokens": 8}}

    return Backend(answer)


def test_a_killed_run_resumes_and_regenerates_nothing_already_done(tmp_path, scripted):
    cfg = GateConfig(suites=(make_suite(tmp_path, 30),), contexts=("unmodified", "emotion:sad"),
                     beliefs=("original", "incorrect"), batch_size=8,
                     cache=str(tmp_path / "cache"), baselines="off")
    total = 2 * 30 * 2 * 2  # roles x items x contexts x beliefs
    first = fingerprinted(scripted, kill_after=150)
    with pytest.raises(Killed):
        run(cfg, backend=first)
    stored = GenerationCache(tmp_path / "cache").info().entries
    assert 150 - 8 < stored <= 150  # at most the batch in flight was lost
    assert stored == len(first.calls)  # every batch that finished was stored at once

    second = fingerprinted(scripted)
    result = run(cfg, backend=second)
    assert len(second.calls) == total - stored
    assert not set(first.calls) & set(second.calls)
    assert len(set(second.calls)) == len(second.calls)  # nothing asked twice
    assert result.provenance.cache["hits"] >= stored

    # the resumed run equals a clean run without any cache
    clean = run(cfg.__class__(**{**cfg.__dict__, "cache": "off"}),
                backend=fingerprinted(scripted))
    assert result.table.output.tolist() == clean.table.output.tolist()
    assert [c.verdict for c in result.cells] == [c.verdict for c in clean.cells]

    third = fingerprinted(scripted)
    run(cfg, backend=third)
    assert third.calls == []  # everything cached now


def test_the_key_covers_weights_decoding_and_persona_not_names():
    prov = {"backend": "transformers", "model": "org/model", "model_fingerprint": "sha256:1",
            "decoding": {"max_new_tokens": 32}, "persona": ""}
    k = entry_key(variant_key(prov), "What is 2+2?")
    assert entry_key(variant_key({**prov, "model": "renamed"}), "What is 2+2?") == k
    for change in ({"model_fingerprint": "sha256:2"}, {"decoding": {"max_new_tokens": 33}},
                   {"persona": "be warm"}, {"adapter_fingerprint": "sha256:3"},
                   {"backend": "vllm"}, {"dtype": "bfloat16"}):
        assert entry_key(variant_key({**prov, **change}), "What is 2+2?") != k, change
    assert entry_key(variant_key(prov), "What is 2+3?") != k


def test_weights_without_a_content_fingerprint_are_not_cached(tmp_path, scripted):
    cfg = GateConfig(suites=(make_suite(tmp_path, 4),), contexts=("unmodified",),
                     beliefs=("original",), cache=str(tmp_path / "cache"), baselines="off",
                     liveness_probes=0)
    backend = fingerprinted(scripted, fp="hub:org/model")
    run(cfg, backend=backend)
    run(cfg, backend=backend)
    assert len(backend.calls) == 2 * 2 * 4  # generated both times
    assert GenerationCache(tmp_path / "cache").info().entries == 0


def _writer(folder, worker, n):
    cache = GenerationCache(folder)
    for i in range(n):
        cache.put_many("v", {f"{worker}-{i}": f"reply {worker} {i}"})
        cache.get_many([f"{1 - worker}-{i}"])


def test_parallel_processes_share_one_cache_without_losing_entries(tmp_path):
    ctx = mp.get_context("fork")  # a separate process each, as xdist workers are
    procs = [ctx.Process(target=_writer, args=(tmp_path, w, 150)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    cache = GenerationCache(tmp_path)
    assert cache.info().entries == 300
    got = cache.get_many([f"{w}-{i}" for w in (0, 1) for i in range(150)])
    assert got["1-149"] == "reply 1 149" and len(got) == 300


def test_cache_info_and_prune_from_the_command_line(tmp_path, capsys):
    cache = GenerationCache(tmp_path)
    cache.put_many("v", {f"k{i}": "x" * 100 for i in range(20)})
    assert main(["cache", "info", "--cache", str(tmp_path)]) == 0
    assert "20 replies" in capsys.readouterr().out
    assert main(["cache", "prune", "--cache", str(tmp_path), "--older-than", "1"]) == 0
    assert "removed 0 entries (replies and judge verdicts); 20 left" in capsys.readouterr().out
    assert main(["cache", "prune", "--cache", str(tmp_path), "--all"]) == 0
    assert "removed 20 entries (replies and judge verdicts); 0 left" in capsys.readouterr().out
    assert main(["cache", "info", "--cache", str(tmp_path / "nowhere")]) == 2
    assert "no generation cache" in capsys.readouterr().err
