"""The demo's plumbing (a scripted stand-in generates; the real run is scripts/demo.sh), and the
committed demo baseline: intact and covering exactly the demo's prompts."""

from __future__ import annotations

import pytest

import warmgate.cli.run as cli_run
from warmgate.baselines import latest, verify_baseline
from warmgate.cli import main
from warmgate.cli.demo import CANDIDATES, DEMO
from warmgate.config import resolve
from warmgate.generate import base_rows_from
from warmgate.plan import plan


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
    stored = latest(cfg)
    if stored is None:
        pytest.fail(f"no committed demo baseline under {DEMO['baselines']}: make it with "
                    "warmgate baseline update (see examples/README.md)")
    assert verify_baseline(stored.path, stored.manifest) == []
    rows, missing = base_rows_from(stored, plan(cfg))
    assert missing == [] and len(rows) == len(plan(cfg))
    assert stored.manifest["approved_by"] and stored.manifest["reason"]
