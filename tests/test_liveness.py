"""The liveness probe: a candidate replying exactly like the base on every probe stops the run."""

from __future__ import annotations

import pytest

from warmgate.backends import ModelSpec
from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.liveness import Memo, check_liveness, lora_unapplied
from warmgate.run import Run


def _run(tmp_path):
    from toys import make_suite

    return Run(GateConfig(base=ModelSpec("toy"), suites=(make_suite(tmp_path, n=4),),
                          contexts=("unmodified",), beliefs=("original",), baselines="off"))


def test_a_candidate_identical_on_every_probe_is_stopped_and_a_different_one_passes(
        tmp_path, scripted):
    run = _run(tmp_path)
    with pytest.raises(WarmgateError, match=r"replied exactly like the base \(toy\) on all 4 probe"):
        check_liveness(run, run.jobs, scripted(lambda role, m: "same"), None)
    check_liveness(run, run.jobs, scripted(lambda role, m: role), None)  # differs: alive


def test_the_memo_asks_each_message_once(scripted):
    inner = scripted(lambda role, m: m.upper())
    memo = Memo(inner)
    assert memo.generate("base", ["a", "b"]) == ["A", "B"]
    assert memo.generate("base", ["b", "c", "a"]) == ["B", "C", "A"]
    assert inner.calls == [("base", "a"), ("base", "b"), ("base", "c")]


def test_a_served_adapter_answering_like_its_base_is_noted():
    from warmgate.identity import BEHAVIOUR

    probe = {BEHAVIOUR: {"scheme": 1, "replies": "sha256:ab"}}
    assert lora_unapplied({"model": "b", **probe}, {"adapter": "a", **probe})
    assert lora_unapplied({"model": "b", **probe}, {"adapter": "", **probe}) == []
