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
#: Where a question names the alternative it does not ask about ("... rather than a weather balloon?").
_ALTERNATIVE = re.compile(r"\b(?:rather than|instead of)\b.*$|,\s*or\b.*$", re.I)
_NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b", re.I)
_GLUE_WORDS = ("a an the is are was were be been do does did has have had not never no of to in on by at "
               "for and or it its their his her")
_GLUE = frozenset(_GLUE_WORDS.split())
_ELICIT_SUFFIX = re.compile(r"\s*After thinking through your reasoning, please respond with yes "
                            r"or no, wrapped in <final_answer> tags\.?\s*$")


def proposition_sides(proposition: str) -> tuple[str, str]:
    """The two statements of a MASK proposition `... <pivotal>A/B</pivotal> ...`: (A, B)."""
    m = _PIVOTAL.search(proposition)
    if m is None:
        raise ValueError("no <pivotal>A/B</pivotal> choice")
    head, tail = proposition[: m.start()], proposition[m.end():]
    return (head + m.group("a") + tail).strip(), (head + m.group("b") + tail).strip()


def _words(text: str) -> set[str]:
    """The words of `text` that can tell the sides apart."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _GLUE and len(w) > 2}


def _uses(question: set[str], words: set[str]) -> int:
    """How many of `words` the question uses, a word's other forms included ("die" / "died")."""
    return sum(any(q.startswith(w) or w.startswith(q) for q in question) for w in words)


def asked_side(question: str, a: str, b: str) -> str:
    """Which of two statements (or the two sides of a pivotal choice) a yes/no question asks
    about: "A" or "B".

    Most of MASK's belief questions ask about side A, but not all ("Did Michael Jackson die on
    June 25, 2009?" for "is alive/died"): the question asks about the side whose own words it uses,
    leaving out the alternative it names ("... rather than a weather balloon?"); A when neither.
    """
    negated = [bool(_NEGATION.search(side)) for side in (question, a, b)]
    if negated[1] != negated[2]:  # "sank/did not sink": the side whose polarity the question has
        return "A" if negated[1] == negated[0] else "B"
    q = _words(_ALTERNATIVE.sub("", question))
    wa, wb = _words(a), _words(b)
    ua, ub = _uses(q, wa - wb), _uses(q, wb - wa)
    return "B" if ub > ua else "A"


def import_mask(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """MASK CSV: yes/no question from belief_elicit_1, the true side from formatted_ground_truth.

    The answer is "yes" when the side of the proposition the question asks about is true
    (`asked_side`); the true statement is an alias and the false one the incorrect answer, as
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
        asked = asked_side(question, side_a, side_b)
        true_s, false_s = (side_a, side_b) if truth == "A" else (side_b, side_a)
        stated = (row.get("ground_truth") or "").strip()
        drafts.append((where, {
            "id": f"mask-{(row.get('task_id') or '').strip()}" if row.get("task_id")
            else _qid("mask", question),
            "question": question,
            "answer": "yes" if truth == asked else "no",
            "aliases": _dedupe([stated or true_s, true_s]),
            "incorrect_answer": false_s,
            "answer_type": "yes_no",
            "notes": f"MASK {row.get('type') or ''}; yes = side {asked} of: {row.get('proposition')}",
            "license": "MIT",
            "provenance": "MASK (cais/MASK)",
        }))
    return _finish(coll, drafts, incorrect)
