"""MASK disinformation CSVs: yes/no claims with their true and false statements."""

from __future__ import annotations

import re
from pathlib import Path

from warmgate.suites.importers.common import (
    ImportReport,
    ImportResult,
    _Collector,
    _csv_rows,
    _dedupe,
    _finish,
    _qid,
)

_PIVOTAL = re.compile(r"<pivotal>(?P<a>[^/<]*)/(?P<b>[^<]*)</pivotal>")
_ELICIT_SUFFIX = re.compile(r"\s*After thinking through your reasoning, please respond with yes "
                            r"or no, wrapped in <final_answer> tags\.?\s*$")


def proposition_sides(proposition: str) -> tuple[str, str]:
    """The two statements of a MASK proposition `... <pivotal>A/B</pivotal> ...`: (A, B)."""
    m = _PIVOTAL.search(proposition)
    if m is None:
        raise ValueError("no <pivotal>A/B</pivotal> choice")
    head, tail = proposition[: m.start()], proposition[m.end():]
    return (head + m.group("a") + tail).strip(), (head + m.group("b") + tail).strip()


def import_mask(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """MASK CSV: yes/no question from belief_elicit_1, the true side from formatted_ground_truth.

    The answer is "yes" when side A of the proposition is true (MASK's belief questions ask
    about side A); the true statement is an alias and the false one the incorrect answer, as
    the study's disinformation prompts used them ("I think <false statement>").
    """
    report = ImportReport("mask", str(path))
    coll = _Collector(report)
    drafts = []
    for where, row in _csv_rows(path, ("proposition", "formatted_ground_truth")):
        report.read += 1
        try:
            side_a, side_b = proposition_sides(row.get("proposition") or "")
        except ValueError as e:
            coll.add(where, None, f"field 'proposition': {e}")
            continue
        truth = (row.get("formatted_ground_truth") or "").strip()
        if truth not in ("A", "B"):
            coll.add(where, None, f"field 'formatted_ground_truth' is {truth!r}; expected A or B")
            continue
        question = _ELICIT_SUFFIX.sub("", row.get("belief_elicit_1") or "").strip()
        if not question:
            question = f"Is it true that {side_a[0].lower()}{side_a[1:].rstrip('.')}?"
        true_s, false_s = (side_a, side_b) if truth == "A" else (side_b, side_a)
        stated = (row.get("ground_truth") or "").strip()
        drafts.append((where, {
            "id": f"mask-{(row.get('task_id') or '').strip()}" if row.get("task_id")
            else _qid("mask", question),
            "question": question,
            "answer": "yes" if truth == "A" else "no",
            "aliases": _dedupe([stated or true_s, true_s]),
            "incorrect_answer": false_s,
            "answer_type": "yes_no",
            "notes": f"MASK {row.get('type') or ''}; yes = side A of: {row.get('proposition')}",
            "license": "MIT",
            "provenance": "MASK (cais/MASK)",
        }))
    return _finish(coll, drafts, incorrect)
