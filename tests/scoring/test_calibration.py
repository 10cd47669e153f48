"""Calibration records (warmgate/scoring/calibration.py): the shipped rules record is true, a sealed
record is trusted only as written, and a reading is quoted as far as it was measured: per family,
and unmeasured families named."""

from __future__ import annotations

import json
from pathlib import Path

from toys import make_suite

from tests.scoring.test_registry import _measured, _Named
from warmgate.backends import ModelSpec
from warmgate.config import GateConfig
from warmgate.gate import run
from warmgate.scoring import calibration
from warmgate.scoring.agreement import Agreement
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


def test_the_shipped_rules_calibration_is_this_version_measured_on_its_file():
    """The figure every report cites for the rules must be true of the rules as they are now
    (change the rules: re-measure with the command in the README's Scoring section)."""
    from warmgate.scoring import SCORER_NAME, SCORER_VERSION
    from warmgate.scoring.agreement import agreement, read_labelled

    rec = json.loads(calibration.RULES_RECORD.read_text())
    assert (rec["scorer"], rec["scorer_version"]) == (SCORER_NAME, SCORER_VERSION)
    labelled = calibration.RULES_RECORD.with_name(Path(rec["labelled"]).name)
    got = agreement(read_labelled(labelled))
    assert (got.n, round(got.percent, 2), round(got.kappa, 4)) == \
        (rec["rows"], rec["agreement_pct"], rec["kappa"])
    assert "held-out" in calibration.describe(SCORER_NAME, SCORER_VERSION, rec) or \
        "heldout" in rec["labelled"]


def test_a_judge_that_names_no_verdict_is_not_trusted_on_the_rules_fallback(tmp_path):
    labelled = tmp_path / "l.jsonl"
    labelled.write_text("{}\n")

    class Mute(Agreement):
        unsure_share = 1.0  # the judge answered nothing; every score is the rules' fallback

    got = _measured(95, 0.9)
    rec = calibration.record(_Named.name, _Named.version,
                             Mute(got.n, got.agree, got.kappa, got.confusion, rows=got.rows),
                             labelled)
    assert rec["unsure_pct"] == 100.0 and not calibration.trusted(rec)
    assert "gave no verdict on 100%" in calibration.describe(_Named.name, _Named.version, rec)
    rec["unsure_pct"] = 2.0
    assert not calibration.trusted(rec)  # edited after sealing: no longer its own record
    rec[calibration.SEAL] = calibration.record_sha256(rec)
    assert calibration.trusted(rec)
