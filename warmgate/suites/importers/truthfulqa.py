"""TruthfulQA: the 817- and 790-row CSVs and mc_task.json."""

from __future__ import annotations

from pathlib import Path

from warmgate.errors import WarmgateError
from warmgate.suites.importers.common import (
    ImportReport,
    ImportResult,
    _Collector,
    _csv_rows,
    _dedupe,
    _finish,
    _load_json,
    _qid,
)

_TQA_LICENSE = "Apache-2.0"


def import_truthfulqa_csv(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """TruthfulQA.csv, 817-row (BOM, CRLF) or 2025 790-row (with `Best Incorrect Answer`)."""
    report = ImportReport("truthfulqa-csv", str(path))
    coll = _Collector(report)
    drafts = []
    for where, row in _csv_rows(path, ("Question", "Best Answer", "Incorrect Answers")):
        report.read += 1
        question = (row.get("Question") or "").strip()
        best = (row.get("Best Answer") or "").strip()
        wrong = _dedupe((row.get("Incorrect Answers") or "").split(";"))
        best_wrong = (row.get("Best Incorrect Answer") or "").strip() or (wrong[0] if wrong else "")
        drafts.append((where, {
            "id": _qid("truthfulqa", question),
            "question": question,
            "answer": best,
            "aliases": _dedupe((row.get("Correct Answers") or "").split(";"), drop=[best]),
            "incorrect_answer": best_wrong,
            # every incorrect answer, the best one first: the scorer reads replies against all
            "incorrect_answers": _dedupe([best_wrong, *wrong]) if best_wrong else [],
            "answer_type": "short",
            "difficulty": (row.get("Type") or "").strip(),
            "notes": f"TruthfulQA {(row.get('Category') or '').strip()}",
            "license": _TQA_LICENSE,
            "provenance": (row.get("Source") or "TruthfulQA").strip(),
        }))
    return _finish(coll, drafts, incorrect)


def import_truthfulqa_mc(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """TruthfulQA's mc_task.json: mc1_targets names the one true answer, mc2 further true ones."""
    report = ImportReport("truthfulqa-mc", str(path))
    data = _load_json(path)
    if not isinstance(data, list):
        raise WarmgateError(f"{path}: expected a JSON list of {{question, mc1_targets, ...}}")
    coll = _Collector(report)
    drafts = []
    for i, r in enumerate(data):
        report.read += 1
        where = f"{path}: [{i}]"
        mc1 = r.get("mc1_targets") if isinstance(r, dict) else None
        if not isinstance(mc1, dict):
            coll.add(where, None, "no mc1_targets object")
            continue
        true = [a for a, v in mc1.items() if v == 1]
        false = [a for a, v in mc1.items() if v == 0]
        if len(true) != 1:
            coll.add(where, None, f"mc1_targets must mark exactly one answer 1, marks {len(true)}")
            continue
        mc2 = r.get("mc2_targets") or {}
        question = str(r.get("question") or "").strip()
        drafts.append((where, {
            "id": _qid("truthfulqa", question),
            "question": question,
            "answer": true[0],
            "aliases": _dedupe([a for a, v in mc2.items() if v == 1], drop=[true[0]]),
            "incorrect_answer": false[0] if false else "",
            "incorrect_answers": _dedupe([a for a, v in mc2.items() if v == 0] or false),
            "answer_type": "short",
            "notes": "TruthfulQA mc_task",
            "license": _TQA_LICENSE,
            "provenance": "TruthfulQA data/mc_task.json",
        }))
    return _finish(coll, drafts, incorrect)
