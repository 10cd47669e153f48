"""The configuration as data (a shard's manifest) comes back through the one merge path."""

from __future__ import annotations

import json

import pytest

from warmgate.config import GateConfig
from warmgate.config.merge import from_data, to_data
from warmgate.errors import WarmgateError


def test_data_round_trips_through_the_parsers():
    cfg = GateConfig(threshold=3.0, thresholds={"emotion:sad": 2.0}, items=7, scorer="cascade",
                     judge={"model": "j", "backend": "openai", "options": {}, "max_new_tokens": 8},
                     candidate=GateConfig().candidate.__class__("other", adapter="a"))
    assert from_data(json.loads(json.dumps(to_data(cfg)))) == cfg


def test_edited_data_is_refused_by_the_setting_that_owns_it():
    data = to_data(GateConfig())
    with pytest.raises(WarmgateError, match="shard.json: alpha must be a number between 0 and 0.5"):
        from_data({**data, "alpha": 7}, "shard.json")
    with pytest.raises(WarmgateError, match="unknown configuration field"):
        from_data({**data, "oracle": 1}, "shard.json")
    with pytest.raises(WarmgateError, match="sets more than max_new_tokens"):
        from_data({**data, "decoding": {**data["decoding"], "temperature": 0.7}}, "shard.json")
    with pytest.raises(WarmgateError, match="contexts is empty"):
        from_data({**data, "contexts": []}, "shard.json")
