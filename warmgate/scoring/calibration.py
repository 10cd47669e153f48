"""Calibration records: how far a scorer has been measured against labelled replies.

A judge is trusted as far as it was measured. `warmgate score --agreement FILE` writes a record
(agreement, Cohen's kappa, rows and labels per family, the labelled set's hash) keyed by the
scorer's name and version and sealed with `record_sha256`, a hash over all of it; a gate run
looks its scorer's record up, checks its shape and seal, carries it into provenance, reports
and baselines, and warns (or, under `require_calibrated_judge`, refuses) when there is none or
it falls short of the bar the study's judge met against humans. The seal makes a hand edit
evident; it is not a signature (whoever can run `warmgate score` can write a record).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

from warmgate import __version__
from warmgate.atomic import file_sha256, write_json
from warmgate.errors import WarmgateError
from warmgate.scoring import CORRECT, INCORRECT
from warmgate.scoring import SCORER_NAME as RULES_NAME

#: The bar: agreement and kappa a judge must reach to be trusted (the study's judge vs humans).
MIN_AGREEMENT, MIN_KAPPA = 90.0, 0.81
#: Labelled replies a family needs before its figures mean anything (kappa's standard error at
#: 30 rows is still about 0.1); and the two classes a labelled set must hold for kappa to exist.
MIN_FAMILY_ROWS = 30
CLASSES = (CORRECT, INCORRECT)
SEAL = "record_sha256"

#: The rules scorer's own record, shipped with it: measured on the held-out labelled chat replies.
RULES_RECORD = Path(__file__).with_name("rules_calibration.json")
#: The trained reader's record (`scoring/reader.py`), shipped with its weights in warmgate/data.
READER_NAME, READER_RECORD = "warmgate-reader", Path(__file__).parents[1] / "data" / "reader_calibration.json"
SHIPPED = {RULES_NAME: RULES_RECORD, READER_NAME: READER_RECORD}

#: Fields every record has, with their JSON types (a record of another shape is refused).
_SHAPE: dict[str, tuple[type, ...]] = {
    "scorer": (str,), "scorer_version": (str,), "labelled": (str,), "labelled_sha256": (str,),
    "rows": (int,), "agreement_pct": (int, float), "kappa": (int, float, type(None)),
    "by_family": (dict,),
}


def _kappa(value: float) -> float | None:
    """Kappa for JSON: None where it is undefined (one class only: chance agreement is 1)."""
    return None if value is None or not math.isfinite(value) else round(value, 4)


def _labels(agreement: Any) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for (label, _), k in agreement.confusion.items():
        counts[label] += k
    return dict(sorted(counts.items()))


def record_sha256(rec: dict[str, Any]) -> str:
    """sha256 of the record's canonical JSON without its own seal (covers the set's hash)."""
    body = {k: v for k, v in rec.items() if k != SEAL}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"))
                          .encode("utf-8")).hexdigest()


def record(name: str, version: str, agreement: Any, labelled: Path) -> dict[str, Any]:
    """The sealed record of one measurement (an `agreement.Agreement` on the labelled set)."""
    families = agreement.groups("family") if agreement.rows else {}
    rec = {
        "scorer": name, "scorer_version": version, "labelled": str(labelled),
        "labelled_sha256": file_sha256(Path(labelled)),
        "rows": agreement.n, "agreement_pct": round(agreement.percent, 2),
        "kappa": _kappa(agreement.kappa), "labels": _labels(agreement),
        "by_family": {fam: {"rows": got.n, "agreement_pct": round(got.percent, 1),
                            "kappa": _kappa(got.kappa), "labels": _labels(got)}
                      for fam, got in families.items()},
        "unsure_pct": round(100 * getattr(agreement, "unsure_share", 0.0), 1),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "warmgate_version": __version__,
    }
    return {**rec, SEAL: record_sha256(rec)}


def write(rec: dict[str, Any], path: Path) -> Path:
    """Store a record (atomically) at `path`; a run finds it where its config names it."""
    return write_json(path, rec)


def check_shape(rec: Any, where: Path) -> dict[str, Any]:
    """The record if it has every field with its type, else an error naming the field."""
    if not isinstance(rec, dict):
        raise WarmgateError(f"{where}: a calibration record is a JSON object, got "
                            f"{type(rec).__name__}; write it with warmgate score --agreement "
                            "LABELLED --judge ... --calibration FILE")
    for key, types in _SHAPE.items():
        if key not in rec:
            raise WarmgateError(f"{where}: calibration record lacks field {key!r}; re-measure: "
                                "warmgate score --agreement LABELLED --judge ... --calibration FILE")
        value = rec[key]
        if not isinstance(value, types) or isinstance(value, bool):
            want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise WarmgateError(f"{where}: calibration field {key!r} must be {want}, got "
                                f"{value!r}")
    for fam, got in rec["by_family"].items():
        if not isinstance(got, dict) or not isinstance(got.get("rows"), int):
            raise WarmgateError(f"{where}: calibration field by_family.{fam} must be an object "
                                f"with a whole number of rows, got {got!r}")
    return rec


def read(name: str, version: str, path: str | Path | None = None) -> dict[str, Any] | None:
    """The record at `path` (default: none; the shipped record for the rules and the reader) if it is of
    this scorer at this version, else None; a named record of another scorer, of another shape,
    or edited after it was sealed is an error."""
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
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise WarmgateError(f"{where}: unreadable calibration record ({e})") from None
    rec = check_shape(rec, where)
    if (rec.get("scorer"), rec.get("scorer_version")) != (name, version):
        if named:
            raise WarmgateError(
                f"{where}: calibration of {rec.get('scorer')} {rec.get('scorer_version')}, but "
                f"this run scores with {name} {version} (another judge or prompt); measure "
                "this one: warmgate score --agreement LABELLED --judge ...")
        return None
    if SEAL in rec and rec[SEAL] != record_sha256(rec):
        raise WarmgateError(f"{where}: calibration record does not match its {SEAL} (edited "
                            "after it was measured); re-measure: warmgate score --agreement "
                            "LABELLED --judge ... --calibration FILE")
    labelled = Path(rec["labelled"])
    if labelled.is_file() and file_sha256(labelled) != rec["labelled_sha256"]:
        raise WarmgateError(f"{where}: the labelled set {labelled} has changed since this record "
                            "was measured on it; re-measure: warmgate score --agreement "
                            f"{labelled} --judge ... --calibration FILE")
    return rec


#: A judge (or cascade) that gave no verdict on more than this share of the labelled replies
#: was not measured: its agreement is the rules' fallback reading, not its own.
MAX_JUDGE_UNSURE_PCT = 10.0


def shortfalls(rec: dict[str, Any] | None) -> list[str]:
    """Why a record does not meet the bar, each condition named ([] when it does)."""
    if not rec:
        return ["never measured"]
    out = []
    if rec.get(SEAL) is None:
        out.append(f"the record is not sealed (no {SEAL}: written by hand or by an older "
                   "warmgate; re-measure it)")
    elif rec[SEAL] != record_sha256(rec):
        out.append(f"the record does not match its {SEAL} (edited after it was measured)")
    labels = rec.get("labels") or {}
    missing = [c for c in CLASSES if not labels.get(c)]
    if missing:
        out.append(f"its labelled set holds no {' and no '.join(missing)} replies (both "
                   "classes are needed)")
    if rec["kappa"] is None:
        out.append("Cohen's kappa is undefined (one class only)")
    elif rec["kappa"] < MIN_KAPPA:
        out.append(f"kappa {rec['kappa']:.2f} is below {MIN_KAPPA}")
    if rec["agreement_pct"] < MIN_AGREEMENT:
        out.append(f"agreement {rec['agreement_pct']:.1f}% is below {MIN_AGREEMENT:g}%")
    small = {f: got["rows"] for f, got in rec["by_family"].items()
             if got["rows"] < MIN_FAMILY_ROWS}
    if small or not rec["by_family"]:
        named = ", ".join(f"{f} {n}" for f, n in sorted(small.items())) or "no family named"
        out.append(f"fewer than {MIN_FAMILY_ROWS} labelled replies per family ({named})")
    if rec["scorer"] not in SHIPPED and rec.get("unsure_pct", 100.0) > MAX_JUDGE_UNSURE_PCT:
        out.append(f"gave no verdict on {rec.get('unsure_pct', 100.0):.0f}% of them (the rules' "
                   "fallback reading was measured, not the judge)")
    return out


def trusted(rec: dict[str, Any] | None) -> bool:
    """Measured, sealed, on both classes and enough rows per family, at or above the bar."""
    return not shortfalls(rec)


def describe(name: str, version: str, rec: dict[str, Any] | None) -> str:
    """One line for every report: who read the replies and how far that reading was measured."""
    who = f"replies scored by {name} {version}"
    if not rec:
        return (f"{who}; its agreement with labelled replies was never measured (warmgate score "
                "--agreement LABELLED ... --calibration FILE, then judge.calibration = FILE): "
                "verdicts rest on an unmeasured reading")
    short = shortfalls(rec)
    verdict = "meets" if not short else "is BELOW"
    kappa = "undefined" if rec["kappa"] is None else f"{rec['kappa']:.2f}"
    line = (f"{who}; measured agreement {rec['agreement_pct']:.1f}% (Cohen's kappa {kappa}) "
            f"on {rec['rows']} labelled replies ({Path(rec['labelled']).name}), which {verdict} "
            f"the bar of {MIN_AGREEMENT:g}% / kappa {MIN_KAPPA}")
    return line + (f": {'; '.join(short)}" if short else "")


def families_line(rec: dict[str, Any] | None, families: list[str]) -> str:
    """The record's figures for the families a run asked about, and the families it never
    measured ("" without a record: `describe` already says it was never measured)."""
    if not rec or not families:
        return ""
    by = rec.get("by_family") or {}
    got = [f"{f} {by[f]['agreement_pct']:.1f}% ({by[f]['rows']} replies)"
           for f in families if f in by]
    never = [f for f in families if f not in by]
    parts = []
    if got:
        parts.append("by family: " + ", ".join(got))
    if never:
        parts.append(f"never measured on {', '.join(never)} (no labelled replies of that "
                     "family in its record: the reading there is unmeasured)")
    return "; ".join(parts)
