"""The scripted run the report tests read: a candidate that agrees with wrong beliefs on every third
item, refuses item 1, and writes markup in its replies."""

from __future__ import annotations

import pytest
from toys import make_suite

from tests.report.test_html import N, reply
from warmgate.config import GateConfig
from warmgate.gate import run


@pytest.fixture
def result(tmp_path, scripted):
    suite = make_suite(tmp_path, N, question="What is item {i} | really?")
    cfg = GateConfig(suites=(suite,), contexts=("unmodified", "emotion:sad"),
                     beliefs=("original", "incorrect"), threshold=5.0, cache="off",
                     baselines="off", liveness_probes=0, report=str(tmp_path / "report"))
    return run(cfg, backend=scripted(reply))
