"""Stored baselines: reused when they match, refused with the field named when they do not,
verified by hash, kept as history, and updated under CI only with approval metadata."""

import json
import warnings
from dataclasses import replace

import pandas as pd
import pytest
from safetensors.torch import save_file
from toys import make_suite

from warmgate import baselines
from warmgate.backends import ModelSpec
from warmgate.cli import main
from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.gate import run, update_baseline
from warmgate.run import Run
from warmgate.weights_id import fingerprint_adapter


def answer(role, message):
    i = int(message.split("item ")[1].split("?")[0])
    wrong = role == "candidate" and "I think the answer is" in message and i % 2
    return f"It is wrong{i}." if wrong or i % 7 == 0 else f"It is right{i}."


def make_adapter(folder, value):
    """A real (tiny) PEFT adapter folder: config plus safetensors weights."""
    import torch

    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps(
        {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]}))
    save_file({"base_model.model.layers.0.q_proj.lora_A.weight": torch.full((2, 8), value)},
              str(folder / "adapter_model.safetensors"))
    return str(folder)


class Provenanced:
    """Wraps the scripted backend with provenance computed from the config's real specs."""

    def __init__(self, scripted, config):
        self.inner = scripted(answer)
        self.config = config
        self.name = "scripted"

    @property
    def calls(self):
        return self.inner.calls

    def generate(self, role, messages, progress=None):
        return self.inner.generate(role, messages, progress)

    def provenance(self, role):
        spec = self.config.base if role == "base" else self.config.candidate
        return {"backend": "scripted", "backend_version": "1", "torch_version": "2",
                "model": spec.model, "model_fingerprint": "sha256:" + "b" * 64,
                "adapter": spec.adapter or "",
                "adapter_fingerprint": fingerprint_adapter(spec.adapter) if spec.adapter else "",
                "persona": spec.persona or "", "dtype": "float32", "device": "cpu",
                "decoding": self.config.decoding.to_dict()}


@pytest.fixture
def cfg(tmp_path):
    return GateConfig(base=ModelSpec("toy-base"), candidate=ModelSpec("toy-base", persona="warm"),
                      suites=(make_suite(tmp_path, 40),), contexts=("unmodified", "emotion:sad"),
                      beliefs=("original", "incorrect"), baselines=str(tmp_path / "baselines"),
                      cache="off")


def store(cfg, scripted, **approval):
    backend = Provenanced(scripted, cfg)
    result = run(cfg, backend=backend, use_baseline=False)
    return update_baseline(result, **approval), result


def test_a_matching_baseline_is_reused_and_only_the_candidate_is_generated(cfg, scripted):
    with pytest.warns(baselines.BaselineWarning, match="no baseline for base 'toy-base'.*"
                      "warmgate baseline update --approved-by"):
        full = run(cfg, backend=Provenanced(scripted, cfg))
    stored, _ = store(cfg, scripted, approved_by="ana", reason="first release")
    assert stored.path.name == "v0001" and stored.manifest["approved_by"] == "ana"
    assert pd.read_parquet(stored.results_path).role.eq("base").all()  # plain pandas reads it

    backend = Provenanced(scripted, cfg)
    again = run(cfg, backend=backend)
    assert {role for role, _ in backend.calls} == {"candidate"}
    assert len(backend.calls) == 40 * 2 * 2
    assert again.provenance.baseline["reused_rows"] == 40 * 2 * 2
    assert [c.to_dict() for c in again.cells] == [c.to_dict() for c in full.cells]


def test_a_baseline_made_with_one_adapter_refuses_a_run_with_another(tmp_path, cfg, scripted):
    one = replace(cfg, base=ModelSpec("toy-base", adapter=make_adapter(tmp_path / "a1", 0.1)))
    store(one, scripted)
    other = replace(cfg, base=ModelSpec("toy-base", adapter=make_adapter(tmp_path / "a2", 0.2)))
    backend = Provenanced(scripted, other)
    with pytest.raises(WarmgateError) as e:
        run(other, backend=backend)
    msg = str(e.value)
    assert "adapter_fingerprint differs" in msg and "toy-base/v0001" in msg
    assert "warmgate baseline update" in msg and 'baselines = "off"' in msg
    assert backend.calls == []  # refused before generating anything


@pytest.mark.parametrize("field, value", [
    ("decoding", {"max_new_tokens": 99}), ("device", "cuda"), ("model_fingerprint", "sha256:x")])
def test_provenance_that_changes_replies_is_an_error_naming_the_field(cfg, scripted, field,
                                                                      value):
    stored, _ = store(cfg, scripted)
    manifest = json.loads((stored.path / "manifest.json").read_text())
    manifest["provenance"][field] = value  # resealed: a provenance change, not an edit
    (stored.path / "manifest.json").write_text(json.dumps(baselines.seal(manifest)))
    with pytest.raises(WarmgateError, match=f"{field} differs"):
        run(cfg, backend=Provenanced(scripted, cfg))


def test_a_changed_suite_file_is_an_error(tmp_path, cfg, scripted):
    store(cfg, scripted)
    path = cfg.suites[0]
    with open(path, "a") as f:
        f.write("\n" + json.dumps({"id": "t-new", "question": "What is item 99?", "answer": "a",
                                   "incorrect_answer": "b", "answer_type": "short"}))
    with pytest.raises(WarmgateError, match="suites.toy differs"):
        run(cfg, backend=Provenanced(scripted, cfg))


def test_a_warmgate_patch_version_is_a_warning_a_minor_one_an_error(cfg, scripted):
    stored, _ = store(cfg, scripted)
    path = stored.path / "manifest.json"
    manifest = json.loads(path.read_text())
    major, minor = manifest["provenance"]["warmgate_version"].split(".")[:2]
    manifest["provenance"]["warmgate_version"] = f"{major}.{minor}.999"
    path.write_text(json.dumps(baselines.seal(manifest)))
    with pytest.warns(baselines.BaselineWarning, match="patch version: harmless"):
        run(cfg, backend=Provenanced(scripted, cfg))
    manifest["provenance"]["warmgate_version"] = f"{major}.{int(minor) + 1}.0"
    path.write_text(json.dumps(baselines.seal(manifest)))
    with pytest.raises(WarmgateError, match="warmgate_version differs"):
        run(cfg, backend=Provenanced(scripted, cfg))


def test_a_corrupted_parquet_is_detected_by_verify_and_by_the_run(cfg, scripted, capsys):
    stored, _ = store(cfg, scripted)
    assert main(["baseline", "verify", "--baselines", cfg.baselines]) == 0
    assert "1 baseline version(s) checked, 0 bad" in capsys.readouterr().out
    data = bytearray(stored.results_path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    stored.results_path.write_bytes(bytes(data))
    assert main(["baseline", "verify", "--baselines", cfg.baselines]) == 1
    out = capsys.readouterr().out
    assert "BAD" in out and "does not match its sha256" in out
    with pytest.raises(WarmgateError, match="results.parquet does not match its sha256.*git "
                       "checkout"):
        run(cfg, backend=Provenanced(scripted, cfg))


def test_an_update_under_ci_needs_approval_and_keeps_the_old_version(cfg, scripted,
                                                                     monkeypatch):
    first, _ = store(cfg, scripted)
    old_bytes = first.results_path.read_bytes()
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("WARMGATE_APPROVED_BY", raising=False)
    monkeypatch.delenv("WARMGATE_REASON", raising=False)
    with pytest.raises(WarmgateError, match="refusing to update the baseline in CI"):
        store(cfg, scripted)
    with pytest.raises(WarmgateError, match="without approval metadata"):
        store(cfg, scripted, approved_by="bo")  # a name without a reason is not enough
    assert [b.version for b in baselines.versions(first.path.parent)] == [1]
    second, _ = store(cfg, scripted, approved_by="bo", reason="new tokenizer")
    assert second.path.name == "v0002"
    assert second.manifest["approved_by"] == "bo" and second.manifest["ci"] is True
    assert first.results_path.read_bytes() == old_bytes  # history kept, untouched
    assert Run(cfg).store.latest().path == second.path
    for b in (first, second):
        assert baselines.verify_baseline(b.path, b.manifest) == []


def test_the_cli_update_refuses_under_ci_before_generating(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CI", "1")
    monkeypatch.chdir(tmp_path)
    code = main(["baseline", "update", "--base", "/nonexistent/model", "--no-progress"])
    assert code == 2
    assert "refusing to update the baseline in CI" in capsys.readouterr().err


def test_an_update_needs_a_fresh_base_run(cfg, scripted):
    store(cfg, scripted)
    reused = run(cfg, backend=Provenanced(scripted, cfg))
    with pytest.raises(WarmgateError, match="use_baseline=False"):
        update_baseline(reused, approved_by="x", reason="y")


def test_show_and_diff_report_cells_and_flipped_items(cfg, scripted, capsys):
    store(cfg, scripted, approved_by="ana", reason="v1")
    second, _ = store(cfg, scripted, approved_by="bo", reason="v2")
    table = pd.read_parquet(second.results_path)
    # a planted change: one reply flips to wrong in the newer version
    row = table.index[(table.item_id == "t-1") & (table.amendment_type == "emotion:sad")][0]
    table.loc[row, ["output", "evaluation"]] = ["It is wrong1.", "INCORRECT"]
    # rewrite through the API's own hashes so that it verifies
    third = baselines.write(Run(cfg).store, table, {"model_fingerprint": "sha256:" + "b" * 64},
                            "cy", "planted flip")
    assert main(["baseline", "show", "--baselines", cfg.baselines, "--base", "toy-base"]) == 0
    out = capsys.readouterr().out
    assert "approved by cy" in out and "planted flip" in out and "v0001" in out
    assert "emotion:sad" in out
    assert main(["baseline", "diff", "v2", str(third.path), "--baselines", cfg.baselines,
                 "--base", "toy-base"]) == 0
    out = capsys.readouterr().out
    assert "flipped items: 1" in out and "toy/t-1 emotion:sad" in out
    assert "approved_by: 'bo' -> 'cy'" in out
    assert "CORRECT -> INCORRECT" in out


def test_liveness_stops_a_candidate_identical_to_the_base(cfg, scripted):
    backend = Provenanced(scripted, cfg)
    backend.inner.answer = lambda role, m: "It is right."
    with pytest.raises(WarmgateError, match="liveness check failed.*all 16 probe prompts"):
        run(cfg, backend=backend)
    assert len(backend.calls) == 2 * 16  # stopped after the probe, before the full run
    backend.inner.calls.clear()
    run(replace(cfg, liveness_probes=0), backend=backend)
    assert len(backend.calls) == 2 * 160


def test_the_probe_replies_are_reused_by_the_full_run(cfg, scripted):
    backend = Provenanced(scripted, cfg)
    run(cfg, backend=backend)
    assert len(backend.calls) == len(set(backend.calls)) == 2 * 160


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_on_the_real_model_an_update_then_a_run_generates_only_the_candidate(tmp_path,
                                                                              monkeypatch,
                                                                              capsys):
    monkeypatch.setenv("WARMGATE_GENERATION_CACHE", "off")  # really generate, both times
    monkeypatch.chdir(tmp_path)
    args = ["--suites", "factual", "--items", "3", "--contexts", "unmodified,emotion:sad",
            "--beliefs", "original,incorrect", "--no-progress"]
    assert main(["baseline", "update", *args, "--approved-by", "ana", "--reason", "e2e"]) == 0
    assert "baseline embedded-gemma-3-270m/v0001 written" in capsys.readouterr().out
    stored = Run(GateConfig()).store.latest()
    assert stored.manifest["provenance"]["model_fingerprint"].startswith("sha256:")
    cfg = GateConfig(suites=("factual",), items=3, contexts=("unmodified", "emotion:sad"),
                     beliefs=("original", "incorrect"))
    result = run(cfg)
    assert result.provenance.baseline == {
        "label": "embedded-gemma-3-270m/v0001", "path": str(stored.path), "version": 1,
        "approved_by": stored.manifest["approved_by"], "sealed": True, "resealed_by": None,
        "reused_rows": 12, "generated_rows": 0}
    base = result.table[result.table.role == "base"].sort_values(["item_id", "amendment_type",
                                                                  "prompt_template"])
    kept = stored.table().sort_values(["item_id", "amendment_type", "prompt_template"])
    assert base.output.tolist() == kept.output.tolist()
    assert main(["baseline", "verify"]) == 0


# issue 17 item 13: temporaries, permissions, manifests


def test_an_edited_manifest_fails_verify_and_the_run(cfg, scripted, capsys):
    stored, _ = store(cfg, scripted)
    path = stored.path / "manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["manifest_sha256"] == baselines.manifest_sha256(manifest)
    manifest["approved_by"] = "mallory"  # edited by hand, not resealed
    path.write_text(json.dumps(manifest))
    assert main(["baseline", "verify", "--baselines", cfg.baselines]) == 1
    out = capsys.readouterr().out
    assert "BAD" in out and "manifest.json does not match its manifest_sha256" in out
    with pytest.raises(WarmgateError, match="does not match its manifest_sha256.*git checkout"):
        run(cfg, backend=Provenanced(scripted, cfg))


def test_an_unhashed_manifest_is_read_and_named_unverified(cfg, scripted, capsys):
    stored, _ = store(cfg, scripted)
    path = stored.path / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["manifest_sha256"]  # as written before hashing (examples/baselines)
    path.write_text(json.dumps(manifest))
    assert main(["baseline", "verify", "--baselines", cfg.baselines]) == 0
    assert "ok   " in (out := capsys.readouterr().out) and "manifest not sealed" in out
    with pytest.warns(UserWarning, match="v0001: manifest not sealed.*warmgate baseline seal"):
        result = run(cfg, backend=Provenanced(scripted, cfg))  # still usable, not silently
    assert result.provenance.baseline["sealed"] is False
    # issue 31 item 4: re-sealed, recording who vouched for it; a sealed one is never re-sealed
    ref = str(stored.path)
    assert main(["baseline", "seal", ref, "--baselines", cfg.baselines, "--by", " "]) == 2
    assert "give --by NAME and --reason TEXT" in capsys.readouterr().err
    assert main(["baseline", "seal", ref, "--baselines", cfg.baselines, "--by", "ana",
                 "--reason", "checked against the v1 release notes"]) == 0
    sealed = json.loads(path.read_text())
    assert sealed["manifest_sha256"] == baselines.manifest_sha256(sealed)
    assert sealed["resealed"]["by"] == "ana" and sealed["approved_by"] == manifest["approved_by"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(cfg, backend=Provenanced(scripted, cfg))
    assert result.provenance.baseline["resealed_by"] == "ana"
    assert "v0001 (approved by" in result.baseline_line()
    assert "re-sealed by ana), " in result.baseline_line()
    assert main(["baseline", "seal", ref, "--baselines", cfg.baselines, "--by", "ana",
                 "--reason", "again"]) == 2
    assert "already sealed" in capsys.readouterr().err
    assert main(["baseline", "show", ref, "--baselines", cfg.baselines]) == 0
    assert "re-sealed by ana" in capsys.readouterr().out


def test_verify_reports_a_version_without_manifest_bad_and_goes_on(cfg, scripted, capsys):
    store(cfg, scripted)
    second, _ = store(cfg, scripted)
    (second.path / "manifest.json").unlink()
    assert main(["baseline", "verify", "--baselines", cfg.baselines]) == 1
    out, err = capsys.readouterr()
    assert "BAD " in out and "v0002" in out and "no manifest" in out
    assert "2 baseline version(s) checked, 1 bad" in out and "Traceback" not in out + err


def test_versions_and_reports_respect_the_umask(cfg, scripted):
    import os

    old = os.umask(0o022)
    try:
        stored, _ = store(cfg, scripted)
    finally:
        os.umask(old)
    assert stored.path.stat().st_mode & 0o777 == 0o755
    for f in stored.path.iterdir():
        assert f.stat().st_mode & 0o777 == 0o644, f


def test_killed_update_temporaries_are_ignored_reported_and_cleaned(cfg, scripted, capsys):
    import os
    import time

    first, _ = store(cfg, scripted)
    folder = first.path.parent
    assert ".tmp-*" in (folder / ".gitignore").read_text()  # git add baselines/ skips them
    stale, fresh = folder / ".tmp-killed", folder / ".tmp-live"
    for t in (stale, fresh):
        t.mkdir()
        (t / "results.parquet").write_bytes(b"half")
    old = time.time() - 2 * baselines.layout.STALE_AFTER
    os.utime(stale, (old, old))
    assert [b.path for b in baselines.versions(folder)] == [first.path]  # never picked up
    assert main(["baseline", "verify", "--baselines", cfg.baselines]) == 0
    out = capsys.readouterr().out
    assert "2 temporary folder(s)" in out and ".tmp-killed" in out and ".tmp-live" in out
    assert main(["baseline", "show", "--baselines", cfg.baselines, str(folder)]) == 0
    assert "temporary folder(s)" in capsys.readouterr().out
    second, _ = store(cfg, scripted)
    assert second.path.name == "v0002"
    assert not stale.exists() and fresh.exists()  # only the stale one: a live writer keeps its own
