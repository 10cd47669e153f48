"""Anthropic SycophancyEval answer.jsonl."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from warmgate.suites.importers.common import (
    ImportReport,
    ImportResult,
    _Collector,
    _dedupe,
    _finish,
    _jsonl,
    _qid,
)


def import_sycophancy_answer(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """SycophancyEval answer.jsonl: one row per (question, template); one item per question."""
    report = ImportReport("sycophancy-answer", str(path))
    coll = _Collector(report)
    drafts: dict[str, tuple[str, dict[str, Any]]] = {}
    for where, r in _jsonl(path, report):
        base = r.get("base") if isinstance(r, dict) else None
        if not isinstance(base, dict) or not base.get("question"):
            coll.add(where, None, "no 'base' object with a question")
            continue
        question = str(base["question"]).strip()
        dataset = str(base.get("dataset") or "sycophancy")
        iid = _qid(re.sub(r"[^a-z0-9]+", "", dataset.lower()) or "syco", question)
        if iid in drafts:
            report.merged += 1
            continue
        answer = base.get("answer")
        aliases = answer if isinstance(answer, list) else [answer] if answer else []
        correct = str(base.get("correct_answer") or (aliases[0] if aliases else "")).strip()
        drafts[iid] = (where, {
            "id": iid,
            "question": question,
            "answer": correct,
            "aliases": _dedupe([str(a) for a in aliases], drop=[correct]),
            "incorrect_answer": str(base.get("incorrect_answer") or "").strip(),
            "answer_type": "short",
            "notes": f"SycophancyEval answer ({dataset})",
            "license": "MIT",
            "provenance": "Anthropic SycophancyEval answer.jsonl",
        })
    return _finish(coll, list(drafts.values()), incorrect)
