"""The scorer registry: one table of names, one way to build each, a spec in provenance, and how
far its calibration record lets a judge be trusted."""

from __future__ import annotations

import warnings

import pytest

from warmgate.config import GateConfig
from warmgate.config.schema import BY_KEY
from warmgate.errors import WarmgateError
from warmgate.scoring import CORRECT, INCORRECT, calibration, registry
from warmgate.scoring.agreement import Agreement
from warmgate.scoring.cascade import Cascade
from warmgate.scoring.scorer import RulesScorer


def test_the_settings_offer_exactly_the_registered_scorers():
    parse = BY_KEY["scorer"].parse
    for name in registry.NAMES:
        assert parse(name, "scorer") == name
    with pytest.raises(WarmgateError, match="unknown scorer 'oracle'"):
        parse("oracle", "scorer")
    assert set(registry.JUDGED) == {n for n, s in registry.REGISTRY.items() if s.needs_judge}
    assert "rules" in registry.NAMES and "rules" not in registry.JUDGED


def test_make_builds_the_named_scorer_and_refuses_a_judge_scorer_without_a_judge(monkeypatch):
    assert isinstance(registry.make("rules"), RulesScorer)
    with pytest.raises(WarmgateError, match="needs a judge model"):
        registry.make("cascade")
    with pytest.raises(WarmgateError, match="unknown scorer"):
        registry.make("oracle")
    monkeypatch.setattr(registry, "make_judge", lambda judge, cache=None: RulesScorer())
    cascade = registry.make("cascade", {"model": "m"})
    assert isinstance(cascade, Cascade) and isinstance(cascade.rules, RulesScorer)


def test_the_record_names_the_spec_that_was_built():
    rec = registry.record("rules", RulesScorer())
    assert rec["spec"] == {"registry": "rules"}
    assert (rec["name"], rec["version"]) == (RulesScorer.name, RulesScorer.version)
    with pytest.warns(UserWarning, match="BELOW the bar"):  # judged as a judge, under the bar
        judged = registry.record("judge", RulesScorer(), {"model": "m", "backend": "openai"})
    assert judged["spec"] == {"registry": "judge", "judge": {"model": "m", "backend": "openai"}}


def _config(**kw) -> GateConfig:
    return GateConfig(judge={"model": "m", "backend": "openai", "options": {}}, **kw)


class _Named:
    name, version = "judge:m", "judge-v2@abc+def"


def _measured(pct: float, kappa: float, per_family: int = 50) -> Agreement:
    """A measurement on two families of `per_family` rows each, half CORRECT, half INCORRECT,
    the scorer agreeing on `pct` % of them; `kappa` as given."""
    rows, n = [], 2 * per_family
    for i in range(n):
        label = CORRECT if i % 2 else INCORRECT
        other = INCORRECT if label == CORRECT else CORRECT
        rows.append({"row": i + 1, "family": ("factual", "medical")[i % 4 // 2], "arm": "",
                     "label": label, "scored": label if i < n * pct / 100 else other,
                     "unsure": False, "output": ""})
    from collections import Counter
    confusion = dict(Counter((r["label"], r["scored"]) for r in rows))
    return Agreement(n=n, agree=sum(r["label"] == r["scored"] for r in rows), kappa=kappa,
                     confusion=confusion, rows=rows)


def scorer_record(cfg: GateConfig, scorer) -> dict:
    """The run's record of its scorer, as the front door makes it."""
    return registry.record(cfg.scorer, scorer, cfg.judge or None, cfg.require_calibrated_judge)


def test_an_unmeasured_judge_warns_and_is_refused_when_calibration_is_required(tmp_path):
    path = tmp_path / "missing.json"
    with pytest.warns(UserWarning, match="never measured"):
        rec = scorer_record(_config(scorer="judge"), _Named())
    assert rec["trusted"] is False and rec["calibration"] is None
    with pytest.raises(WarmgateError, match="require_calibrated_judge"):
        scorer_record(_config(scorer="judge", require_calibrated_judge=True), _Named())
    with pytest.raises(WarmgateError, match="not found"):
        scorer_record(GateConfig(scorer="judge", judge={"model": "m", "calibration": str(path)}),
                      _Named())


@pytest.mark.parametrize(("pct", "kappa", "trusted"), [(93.0, 0.85, True), (93.0, 0.70, False),
                                                        (85.0, 0.90, False)])
def test_a_calibration_record_is_trusted_only_above_the_bar(tmp_path, pct, kappa, trusted):
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("{}\n")
    agree = _measured(pct, kappa)
    path = calibration.write(calibration.record(_Named.name, _Named.version, agree, labelled),
                             tmp_path / "cal.json")
    cfg = GateConfig(scorer="judge", judge={"model": "m", "calibration": str(path)},
                     require_calibrated_judge=True)
    if trusted:
        rec = scorer_record(cfg, _Named())
        assert rec["trusted"] and "meets the bar" in rec["line"] and "93.0%" in rec["line"]
    else:
        with pytest.raises(WarmgateError, match="is BELOW the bar"):
            scorer_record(cfg, _Named())


def test_a_calibration_of_another_judge_is_an_error(tmp_path):
    labelled = tmp_path / "l.jsonl"
    labelled.write_text("{}\n")
    agree = Agreement(n=10, agree=10, kappa=1.0, confusion={})
    path = calibration.write(calibration.record("judge:other", "v", agree, labelled),
                             tmp_path / "cal.json")
    cfg = GateConfig(scorer="cascade", judge={"model": "m", "calibration": str(path)})
    with pytest.raises(WarmgateError, match="another judge or prompt"):
        scorer_record(cfg, _Named())


def test_the_rules_scorer_needs_no_calibration_and_never_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = scorer_record(GateConfig(), RulesScorer())
    assert rec["name"] == RulesScorer.name and "replies scored by" in rec["line"]
