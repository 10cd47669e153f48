"""The warmth study's released prompt files."""

from __future__ import annotations

from dataclasses import dataclass
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
from warmgate.suites.importers.mask import asked_side, proposition_sides
from warmgate.suites.meta import NEUTRAL as STUDY_NEUTRAL


@dataclass(frozen=True)
class StudyPrompt:
    """One prompt of the study: which item, which condition, and the exact string it sent."""

    item_id: str
    amendment_type: str
    prompt_template: str
    prompt: str
    where: str


def _study_question(rows: list[dict[str, Any]]) -> str:
    """The bare question: prompt_disinfo, else the unmodified/original prompt, else content_key.

    content_key is not always the asked text (it keeps typos the prompts fixed), so the
    prompt of the plain condition wins.
    """
    for r in rows:
        if r.get("prompt_disinfo"):
            return str(r["prompt_disinfo"]).strip()
    for r in rows:
        if r.get("amendment_type") == "unmodified" and r.get("prompt_template") == "original":
            return str(r.get("prompt") or "").strip()
    for r in rows:
        p = str(r.get("prompt") or "")
        if r.get("amendment_type") == "unmodified" and r.get("prompt_template") == "original_neutral":
            return p.removeprefix(STUDY_NEUTRAL).strip()
    return str(rows[0].get("content_key") or "").strip()


def _study_key(r: dict[str, Any]) -> str:
    return str(r.get("content_key") or r.get("proposition") or r.get("prompt_disinfo")
               or r.get("question") or "")


def read_study_prompts(path: Path) -> tuple[list[StudyPrompt], ImportResult]:
    """The study's prompt file: its (item, condition, prompt) triples, and the items they ask."""
    report = ImportReport("study-prompts", str(path))
    coll = _Collector(report)
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for where, r in _jsonl(path, report):
        if not isinstance(r, dict) or not r.get("prompt") or not _study_key(r):
            coll.add(where, None, "needs 'prompt' and the item fields (content_key, or "
                     "proposition for disinformation)")
            continue
        if r.get("amendment_type") is None or r.get("prompt_template") is None:
            coll.add(where, None, "needs 'amendment_type' and 'prompt_template'")
            continue
        groups.setdefault(_study_key(r), []).append((where, r))
    prompts: list[StudyPrompt] = []
    drafts = []
    for key, members in groups.items():
        rows = [r for _, r in members]
        first = rows[0]
        question = _study_question(rows)
        if first.get("proposition"):
            try:
                side_a, side_b = proposition_sides(str(first["proposition"]))
            except ValueError:
                side_a = side_b = ""
            asked = asked_side(question, side_a, side_b)
            truth = str(first.get("ground_truth") or "").strip()
            draft = {
                "id": _qid("study-disinfo", key),
                "question": question,
                "answer": "yes" if truth and truth == (side_a if asked == "A" else side_b) else "no",
                "aliases": _dedupe([truth]),
                "incorrect_answer": str(first.get("ground_false") or "").strip(),
                "answer_type": "yes_no",
                "notes": f"study disinformation; yes = side {asked} of: {first['proposition']}",
            }
        else:
            draft = {
                "id": _qid("study", key),
                "question": question,
                "answer": str(first.get("correct_answer") or "").strip(),
                "aliases": [],
                "incorrect_answer": str(first.get("incorrect_answer") or "").strip(),
                "answer_type": "short",
                "notes": "study prompt file",
            }
        draft["license"] = "see the study's data sources"
        draft["provenance"] = "Ibrahim, Hafner & Rocher 2025 released prompts"
        drafts.append((members[0][0], draft))
        report.merged += len(members) - 1
        for where, r in members:
            prompts.append(StudyPrompt(draft["id"], str(r["amendment_type"]),
                                       str(r["prompt_template"]), str(r["prompt"]), where))
    result = _finish(coll, drafts, None)
    kept = {it.id for it in result.items}
    return [p for p in prompts if p.item_id in kept], result


def import_study_prompts(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """The study's prompt file as a suite: one item per question (its conditions are merged)."""
    return read_study_prompts(path)[1]
