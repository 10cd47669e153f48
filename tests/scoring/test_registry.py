"""The scorer registry: one table of names, one way to build each, a spec in provenance."""

from __future__ import annotations

import pytest

from warmgate.config.schema import BY_KEY
from warmgate.errors import WarmgateError
from warmgate.scoring import registry
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
