"""A reading is quoted as far as it was measured: per family, and unmeasured families named."""

from __future__ import annotations

from toys import make_suite

from warmgate.backends import ModelSpec
from warmgate.config import GateConfig
from warmgate.gate import run
from warmgate.scoring.calibration import families_line

RECORD = {"by_family": {"medical": {"agreement_pct": 80.0, "rows": 30},
                        "misconceptions": {"agreement_pct": 93.3, "rows": 30}}}


def test_the_families_a_run_asked_about_are_quoted_and_the_unmeasured_named():
    line = families_line(RECORD, ["medical", "disinformation"])
    assert "medical 80.0% (30 replies)" in line and "misconceptions" not in line
    assert "never measured on disinformation" in line
    assert families_line(None, ["medical"]) == "" and families_line(RECORD, []) == ""


def test_a_report_reading_line_names_a_family_the_scorer_never_measured(tmp_path, scripted):
    suite = make_suite(tmp_path, n=4)  # a custom suite: a family no calibration record holds
    cfg = GateConfig(base=ModelSpec("toy"), suites=(suite,), contexts=("unmodified",),
                     beliefs=("original",), baselines="off", cache="off", liveness_probes=0,
                     report=str(tmp_path / "r"))
    result = run(cfg, backend=scripted(lambda role, message: "right0"))
    assert "never measured on toy" in result.reading()
