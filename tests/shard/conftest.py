"""The run the shard tests split: 120 toy items under six framings."""

from __future__ import annotations

import pytest
from toys import make_suite

from warmgate.config import GateConfig


@pytest.fixture
def cfg(tmp_path):
    return GateConfig(suites=(make_suite(tmp_path, 120),), contexts=("unmodified", "emotion:sad"),
                      beliefs=("original", "incorrect", "correct"), threshold=5.0, cache="off",
                      baselines="off", liveness_probes=0, report=str(tmp_path / "report"))
