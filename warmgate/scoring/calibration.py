"""Calibration records: how far a scorer has been measured against labelled replies.

A judge is trusted as far as it was measured. `warmgate score --agreement FILE` writes a record
(agreement, Cohen's kappa, rows, the labelled set's hash) keyed by the scorer's name and
version; a gate run looks its scorer's record up, carries it into provenance, reports and
baselines, and warns (or, under `require_calibrated_judge`, refuses) when there is none or it
is below the bar the study's judge met against humans.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from warmgate import __version__
from warmgate.atomic import write_json
from warmgate.errors import WarmgateError
from warmgate.scoring import SCORER_NAME as RULES_NAME

#: The bar: agreement and kappa a judge must reach to be trusted (the study's judge vs humans).
MIN_AGREEMENT, MIN_KAPPA = 90.0, 0.81


#: The rules scorer's own record, shipped with it: measured on the held-out labelled chat replies.
RULES_RECORD = Path(__file__).with_name("rules_calibration.json")
#: The trained reader's record (`scoring/reader.py`), shipped with its weights in warmgate/data.
READER_NAME, READER_RECORD = "warmgate-reader", Path(__file__).parents[1] / "data" / "reader_calibration.json"
SHIPPED = {RULES_NAME: RULES_RECORD, READER_NAME: READER_RECORD}


def record(name: str, version: str, agreement: Any, labelled: Path,
           by_family: dict[str, float] | None = None) -> dict[str, Any]:
    """The record of one measurement (an `agreement.Agreement` on the labelled set)."""
    return {
        "scorer": name, "scorer_version": version, "labelled": str(labelled),
        "labelled_sha256": hashlib.sha256(Path(labelled).read_bytes()).hexdigest(),
        "rows": agreement.n, "agreement_pct": round(agreement.percent, 2),
        "kappa": round(agreement.kappa, 4), "by_family": by_family or {},
        "unsure_pct": round(100 * getattr(agreement, "unsure_share", 0.0), 1),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "warmgate_version": __version__,
    }


def write(rec: dict[str, Any], path: Path) -> Path:
    """Store a record (atomically) at `path`; a run finds it where its config names it."""
    return write_json(path, rec)


def read(name: str, version: str, path: str | Path | None = None) -> dict[str, Any] | None:
    """The record at `path` (default: none; the shipped record for the rules and the reader) if it is of
    this scorer at this version, else None; a named record of another scorer is an error."""
    if path is None and name in SHIPPED:
        path, named = SHIPPED[name], False
    else:
        named = path is not None
    if path is None:
        return None
    where = Path(path)
    if not where.is_file():
        if named:
            raise WarmgateError(f"judge calibration {where} not found: write it with "
                                f"warmgate score --agreement LABELLED --judge ... --calibration {where}")
        return None
    try:
        rec = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise WarmgateError(f"{where}: unreadable calibration record ({e})") from None
    if (rec.get("scorer"), rec.get("scorer_version")) != (name, version):
        if named:
            raise WarmgateError(
                f"{where}: calibration of {rec.get('scorer')} {rec.get('scorer_version')}, but "
                f"this run scores with {name} {version} (another judge or prompt); measure "
                "this one: warmgate score --agreement LABELLED --judge ...")
        return None
    return rec


#: A judge (or cascade) that gave no verdict on more than this share of the labelled replies
#: was not measured: its agreement is the rules' fallback reading, not its own.
MAX_JUDGE_UNSURE_PCT = 10.0


def trusted(rec: dict[str, Any] | None) -> bool:
    """Measured, and at or above the bar (a judge also named a verdict on nearly every reply)."""
    if not rec:
        return False
    judged = rec["scorer"] not in SHIPPED
    if judged and rec.get("unsure_pct", 100.0) > MAX_JUDGE_UNSURE_PCT:
        return False
    return rec["agreement_pct"] >= MIN_AGREEMENT and rec["kappa"] >= MIN_KAPPA


def describe(name: str, version: str, rec: dict[str, Any] | None) -> str:
    """One line for every report: who read the replies and how far that reading was measured."""
    who = f"replies scored by {name} {version}"
    if not rec:
        return (f"{who}; its agreement with labelled replies was never measured (warmgate score "
                "--agreement LABELLED ... --calibration FILE, then judge.calibration = FILE): "
                "verdicts rest on an unmeasured reading")
    verdict = "meets" if trusted(rec) else "is BELOW"
    if rec["scorer"] not in SHIPPED and rec.get("unsure_pct", 100.0) > MAX_JUDGE_UNSURE_PCT:
        verdict = (f"gave no verdict on {rec.get('unsure_pct', 100.0):.0f}% of them (the rules' "
                   "fallback reading was measured, not the judge), so it is BELOW")
    return (f"{who}; measured agreement {rec['agreement_pct']:.1f}% (Cohen's kappa "
            f"{rec['kappa']:.2f}) on {rec['rows']} labelled replies ({Path(rec['labelled']).name}),"
            f" which {verdict} the bar of {MIN_AGREEMENT:g}% / kappa {MIN_KAPPA}")
