"""Importers: public evaluation datasets, in their original formats, into warmgate items.

Each importer reads one file and returns an `ImportResult`: the items plus a report of rows
read, kept, merged (several rows of one question, e.g. one per prompt template) and rejected,
each rejection with its row and reason. Nothing is invented silently: where a format lacks a
field warmgate needs (TriviaQA has no incorrect answers), the item's `notes` say where the
value came from.

Formats (`FORMATS`): triviaqa (original JSON), triviaqa-hf (Hugging Face snake_case rows as
parquet, JSON or JSONL), truthfulqa-csv (817-row and 790-row), truthfulqa-mc (mc_task.json),
medqa (US 4-option JSONL), mask (MASK CSV such as disinformation.csv), sycophancy-answer
(Anthropic SycophancyEval answer.jsonl), study-prompts (the warmth study's released prompt
files: one JSON object per line with prompt_template, amendment_type, prompt and item fields).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warmgate.errors import WarmgateError
from warmgate.suites import Item, _item_from, parse_suite


@dataclass
class ImportReport:
    """What an import did: rows read, items kept, rows merged into an item, rows rejected."""

    format: str
    path: str
    read: int = 0
    kept: int = 0
    merged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        text = (f"{self.path} ({self.format}): read {self.read}, kept {self.kept}, "
                f"rejected {len(self.rejected)}")
        if self.merged:
            text += f", merged {self.merged} (further rows of a kept question)"
        return text


@dataclass
class ImportResult:
    """The imported items and the report of how they were made."""

    items: list[Item]
    report: ImportReport


@dataclass
class _Collector:
    """Validates each candidate item like a suite file would, counting kept and rejected."""

    report: ImportReport
    items: list[Item] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, raw: dict[str, Any] | None, reason: str = "") -> None:
        if raw is None:
            self.report.rejected.append((where, reason))
            return
        try:
            item = _item_from(raw, where)
        except WarmgateError as e:
            self.report.rejected.append((where, str(e).removeprefix(f"{where}: ")))
            return
        if item.id in self.seen:
            self.report.rejected.append(
                (where, f"duplicate id {item.id!r} (first at {self.seen[item.id]})"))
            return
        self.seen[item.id] = where
        self.items.append(item)
        self.report.kept += 1


def _qid(prefix: str, question: str) -> str:
    """A stable id from the question text: the same question gets the same id in every version."""
    return f"{prefix}-{hashlib.sha1(question.strip().encode()).hexdigest()[:10]}"


def _dedupe(values: Iterable[str], drop: Iterable[str] = ()) -> list[str]:
    out: list[str] = []
    skip = {d.strip() for d in drop}
    for v in values:
        v = str(v).strip()
        if v and v not in skip and v not in out:
            out.append(v)
    return out


def _read_text(path: Path) -> str:
    """UTF-8 with or without a BOM; CRLF is left to the parsers (csv, json handle it)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise WarmgateError(f"{path}: not UTF-8 ({e})") from None
    except OSError as e:
        raise WarmgateError(f"{path}: cannot read ({e.strerror})") from None


def _load_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise WarmgateError(f"{path}:{e.lineno}: bad JSON ({e.msg} at column {e.colno})") from None


def _jsonl(path: Path, report: ImportReport) -> Iterator[tuple[str, Any]]:
    """(where, object) per non-blank line; unparsable lines become rejections, not crashes."""
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        report.read += 1
        where = f"{path}:{lineno}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as e:
            report.rejected.append((where, f"bad JSON ({e.msg} at column {e.colno})"))


def _csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of a CSV with a header (BOM, CRLF and quoted newlines allowed), as (where, row)."""
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise WarmgateError(
            f"{path}:1: CSV header lacks column(s) {', '.join(missing)} (has: {', '.join(header)})"
        )
    for row in reader:
        # line_num is the physical line where the row ends; rows can span lines (MASK).
        yield f"{path}:{reader.line_num}", row


# ---------------------------------------------------------------------------------------------
# Incorrect answers for datasets that have none: borrowed from another item, deterministically.


def _borrow_incorrect(items: list[dict[str, Any]], how: str) -> None:
    """Fill missing incorrect answers with another item's answer (a hash picks which)."""
    answers = [(r["id"], r["answer"]) for r in items if r.get("answer")]
    for r in items:
        if r.get("incorrect_answer"):
            continue
        own = {a.lower() for a in [r.get("answer", ""), *r.get("aliases", [])]}
        pool = [(i, a) for i, a in answers if i != r["id"] and a.lower() not in own]
        if not pool:
            # A one-question file: borrow from warmgate's own factual suite instead.
            pool = [(i, a) for i, a in _fallback_answers() if a.lower() not in own]
        if not pool:
            continue  # left empty: the row is rejected with the reason below
        key = int.from_bytes(hashlib.sha256(r["id"].encode()).digest()[:8], "big")
        other_id, other = pool[key % len(pool)]
        r["incorrect_answer"] = other
        r["notes"] = (r.get("notes", "") + f"; incorrect_answer {how} from {other_id}").lstrip("; ")


def _fallback_answers() -> list[tuple[str, str]]:
    """(id, answer) of the built-in factual suite: wrong answers for one-question files."""
    from warmgate.suites import load_suite

    try:
        return [(f"warmgate {it.id}", it.answer) for it in load_suite("factual").items]
    except WarmgateError:
        return []


def _apply_incorrect_map(items: list[dict[str, Any]], mapping: dict[str, str] | None) -> None:
    if not mapping:
        return
    for r in items:
        for key in (r["id"], r.get("_source_id", "")):
            if key and mapping.get(key):
                r["incorrect_answer"] = mapping[key]
                r["notes"] = (r.get("notes", "") + "; incorrect_answer from the given map").lstrip("; ")
                break


def load_incorrect_map(path: str | Path) -> dict[str, str]:
    """A JSON object or JSONL of {"id": ..., "incorrect_answer": ...}: plausible wrong answers."""
    p = Path(path)
    text = _read_text(p)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict) and not {"id", "incorrect_answer"} <= set(data):
        return {str(k): str(v) for k, v in data.items()}
    out = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out[str(row["id"])] = str(row["incorrect_answer"])
        except (json.JSONDecodeError, KeyError, TypeError):
            raise WarmgateError(
                f"{p}:{lineno}: expected {{\"id\": ..., \"incorrect_answer\": ...}} per line, "
                "or one JSON object mapping id to incorrect answer"
            ) from None
    return out


def _finish(coll: _Collector, drafts: list[tuple[str, dict[str, Any]]],
            incorrect: dict[str, str] | None, how: str = "borrowed") -> ImportResult:
    rows = [d for _, d in drafts]
    _apply_incorrect_map(rows, incorrect)
    _borrow_incorrect(rows, how)
    for where, d in drafts:
        d.pop("_source_id", None)
        if not d.get("incorrect_answer"):
            coll.add(where, None, "no incorrect answer in the data and no other item to borrow "
                     "one from: give --incorrect-answers FILE")
            continue
        coll.add(where, d)
    return ImportResult(coll.items, coll.report)


# ---------------------------------------------------------------------------------------------
# TriviaQA


def _triviaqa_draft(q: dict[str, Any], answer: dict[str, Any], snake: bool, license_: str,
                    source: str) -> dict[str, Any]:
    k = (lambda s: s) if not snake else _snake
    qid = str(q.get(k("QuestionId")) or "")
    value = str(answer.get(k("Value")) or "").strip()
    aliases = list(answer.get(k("Aliases")) or [])
    normalized = list(answer.get(k("NormalizedAliases")) or [])
    return {
        "id": f"triviaqa-{qid}" if qid else _qid("triviaqa", str(q.get(k("Question")) or "")),
        "_source_id": qid,
        "question": str(q.get(k("Question")) or "").strip(),
        "answer": value or (aliases[0] if aliases else ""),
        "aliases": _dedupe([*aliases, *normalized], drop=[value]),
        "incorrect_answer": "",
        "answer_type": "short",
        "notes": f"TriviaQA {qid}; source {q.get(k('QuestionSource')) or '?'}",
        "license": license_,
        "provenance": source,
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def import_triviaqa(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """TriviaQA's original JSON (`{"Data": [...]}`, rc or unfiltered), answers from Answer.Aliases."""
    report = ImportReport("triviaqa", str(path))
    data = _load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("Data"), list):
        raise WarmgateError(f"{path}: expected TriviaQA's {{\"Data\": [...]}} layout; for the "
                            "Hugging Face variant use format triviaqa-hf")
    coll = _Collector(report)
    drafts = []
    src = f"TriviaQA {data.get('Domain', '?')} {data.get('Split', '')}".strip()
    for i, q in enumerate(data["Data"]):
        report.read += 1
        where = f"{path}: Data[{i}]"
        if not isinstance(q, dict) or not isinstance(q.get("Answer"), dict):
            coll.add(where, None, "no Answer object")
            continue
        drafts.append((where, _triviaqa_draft(q, q["Answer"], False, "Apache-2.0", src)))
    return _finish(coll, drafts, incorrect)


def import_triviaqa_hf(path: Path, incorrect: dict[str, str] | None = None) -> ImportResult:
    """The Hugging Face copy of TriviaQA: snake_case rows (`answer.aliases`), parquet or JSON(L)."""
    report = ImportReport("triviaqa-hf", str(path))
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:  # pragma: no cover - pyarrow is a dependency
            raise WarmgateError("reading parquet needs pyarrow: pip install pyarrow") from None
        try:
            rows = pq.read_table(path).to_pylist()
        except Exception as e:  # noqa: BLE001 - pyarrow raises many types for a bad file
            raise WarmgateError(f"{path}: not a readable parquet file ({e})") from None
        numbered: Iterable[tuple[str, Any]] = ((f"{path}: row {i}", r) for i, r in enumerate(rows))
        report.read += len(rows)
    elif path.suffix == ".jsonl":
        numbered = list(_jsonl(path, report))
    else:
        data = _load_json(path)
        rows = data if isinstance(data, list) else data.get("data", []) if isinstance(data, dict) else []
        numbered = [(f"{path}: [{i}]", r) for i, r in enumerate(rows)]
        report.read += len(rows)
    coll = _Collector(report)
    drafts = []
    for where, r in numbered:
        if not isinstance(r, dict) or not isinstance(r.get("answer"), dict):
            coll.add(where, None, "no answer object (expected snake_case answer.aliases)")
            continue
        drafts.append((where, _triviaqa_draft(r, r["answer"], True, "Apache-2.0",
                                              "TriviaQA (Hugging Face mandarjoshi/trivia_qa)")))
    return _finish(coll, drafts, incorrect)


# ---------------------------------------------------------------------------------------------
# TruthfulQA

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
            "answer_type": "short",
            "notes": "TruthfulQA mc_task",
            "license": _TQA_LICENSE,
            "provenance": "TruthfulQA data/mc_task.json",
        }))
    return _finish(coll, drafts, incorrect)


# ---------------------------------------------------------------------------------------------
# MedQA, with the study's rewrite: first person, options hidden


_CHILD = r"(?:boy|girl|infant|newborn|neonate|baby|toddler|child|son|daughter)"
_AGE = r"\d+(?:[.,]\d+)?[- ](?:year|month|week|day|hour)s?[- ]old"
_PATIENT = re.compile(
    rf"\b(?P<art>[Aa]n?) (?P<desc>(?:(?:previously healthy|otherwise healthy|healthy|pregnant|"
    rf"primigravid|nulliparous|obese|Caucasian|African[- ]American|Asian|Hispanic|white|black|"
    rf"full[- ]term|preterm|male|female)\s+)*(?:{_AGE}[\s-]+)?"
    rf"(?:(?:[\w'’-]+)\s+){{0,3}}?(?P<noun>man|woman|male|female|{_CHILD}|patient|gentleman|"
    rf"lady|student|athlete|veteran))\b"
)
_IRREGULAR = {"has": "have", "is": "am", "does": "do", "was": "was", "says": "say"}
_MODALS = {"is", "was", "has", "had", "will", "would", "should", "can", "could", "may", "might",
           "must", "does", "did", "cannot"}
_ADVERBS = r"(?:also|currently|still|now|recently|often|usually|never|always|only|then|later|" \
           r"subsequently|occasionally|previously|otherwise|frequently|additionally)"
_AND_VERBS = r"(?:takes|asks|reports|denies|says|states|has|is|smokes|drinks|works|lives|uses|" \
             r"appears|notes|complains|describes|feels|returns|receives|admits|recalls|" \
             r"mentions|exercises|travels|wants|wishes|requests|refuses|endorses|was|had)"


_MAIN_VERBS = r"comes|presents|is|was|has|had|visits|reports|develops|returns|undergoes|" \
              r"complains|seeks|arrives|calls|receives|consults|schedules|notices|experiences|" \
              r"goes|attends|requests|wants|asks|delivers|gives|sustains|collapses|faints"


def _first_person_verb(verb: str) -> str:
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if re.fullmatch(r"[a-z]+ies", verb):
        return verb[:-3] + "y"
    if re.fullmatch(r"[a-z]+(?:ss|sh|ch|x|z|o)es", verb):
        return verb[:-2]
    if re.fullmatch(r"[a-z]{2,}s", verb) and not verb.endswith(("ss", "us", "is")):
        return verb[:-1]
    return verb


def _verbish(word: str) -> bool:
    return word in _MODALS or bool(re.fullmatch(r"[a-z]{2,}(?:s|ed)", word))


def _her(match: re.Match[str]) -> str:
    """'her' is 'my' before a noun phrase and 'me' before punctuation or a preposition."""
    word = match.group(0)
    rest = match.string[match.end():]
    nxt = re.match(r"\s*([A-Za-z]+|[^\sA-Za-z]|$)", rest)
    token = (nxt.group(1) if nxt else "").lower()
    obj = token in {"", ".", ",", ";", ":", "?", ")", "and", "or", "to", "with", "for", "in",
                    "on", "at", "that", "because", "about", "as", "from", "by", "if", "when",
                    "after", "before", "since", "into", "up", "down", "out", "off", "over",
                    "again", "home", "yesterday", "today", "twice", "once"}
    out = "me" if obj else "my"
    return out.capitalize() if word[0].isupper() else out


def _swap_pronouns(text: str) -> str:
    def subj(m: re.Match[str]) -> str:
        verb = m.group("v")
        if not _verbish(verb):
            return m.group(0)
        return f"I {_first_person_verb(verb)}"

    text = re.sub(rf"\b(?:[Hh]e|[Ss]he) {_ADVERBS} (?P<v>\w+)\b",
                  lambda m: f"I {m.group(0).split()[1]} {_first_person_verb(m.group('v'))}", text)
    text = re.sub(r"\b(?:[Hh]e|[Ss]he) (?P<v>\w+)\b", lambda m: (
        f"I {_first_person_verb(m.group('v'))}"), text)
    text = re.sub(r"\b(?:[Tt]he|[Tt]his) patient's\b", "my", text)
    text = re.sub(r"\b(?:[Tt]he|[Tt]his) patient (?P<v>\w+)\b", subj, text)
    text = re.sub(r"\b[Tt](?:he|his) patient\b", "me", text)
    text = re.sub(r"\bhimself\b|\bherself\b", "myself", text)
    text = re.sub(r"\bHis\b", "My", text)
    text = re.sub(r"\bhis\b", "my", text)
    text = re.sub(r"\bhim\b", "me", text)
    text = re.sub(r"\b[Hh]er\b", _her, text)
    # "I have no history of illness and takes no medications" -> "... and take ..."
    text = re.sub(rf"(\bI\b[^.?!]*?\b(?:and|but|or)) ({_AND_VERBS})\b",
                  lambda m: f"{m.group(1)} {_first_person_verb(m.group(2))}", text)
    text = re.sub(rf"\bI ({_ADVERBS}) (\w+)\b",
                  lambda m: f"I {m.group(1)} {_first_person_verb(m.group(2))}", text)
    return text


def _hide_options(question: str) -> str:
    """Turn 'Which of the following ...?' into an open question: the options are not shown."""
    q = re.sub(r"\b[Ww]hich of the following (is|are|was|were|would|will|could|should|can|"
               r"might|best|most)\b", lambda m: ("What " if m.group(0)[0] == "W" else "what ")
               + m.group(1), question)
    q = re.sub(r"\b[Ww]hich of the following\b",
               lambda m: "Which" if m.group(0)[0] == "W" else "which", q)
    q = re.sub(r"\b(?:of |from )?the following\b", "", q)
    return re.sub(r"\s+([?.,])", r"\1", q)


def first_person(stem: str) -> tuple[str, bool]:
    """Rewrite a third-person USMLE vignette as the patient (or a child's parent) asking.

    Returns the text and whether a patient was found. Rule-based and deterministic: the first
    patient mention becomes "I'm a ..." (or "My ..." for a child), later pronouns follow, and
    "which of the following" becomes an open question. Where no patient is named (a vignette
    about a resident, say) the stem stays in the third person with its options hidden. The
    study rewrote its stems too (its rewrites were not released); these rules are warmgate's.
    """
    text = " ".join(stem.split())
    m = _PATIENT.search(text)
    if m is None:
        return _hide_options(text), False
    desc, noun = m.group("desc"), m.group("noun")
    before, after = text[: m.start()], text[m.end():]
    if re.fullmatch(_CHILD, noun):
        child = {"boy": "son", "girl": "daughter"}.get(noun, noun)
        desc = desc[: -len(noun)] + child
        intro = ("My " if not before.strip() or before.rstrip().endswith(".") else "my ") + desc
        rest = re.sub(r"\b[Tt]his patient\b|\b[Tt]he patient\b", f"my {child}", after)
        return _hide_options(before + intro + rest), True
    art = m.group("art").lower()
    if not before.strip():
        sentence_end = re.search(r"[.?!](\s|$)", after)
        first = after[: sentence_end.start()] if sentence_end else after
        verb = re.search(rf"\b({_MAIN_VERBS})\b", first)
        if verb and verb.start() <= 1:
            rest = " who" + after  # "I'm a 35-year-old man who comes to ..."
        elif verb:
            v = verb.group(1)
            conj = {"is": "am", "was": "was", "had": "had"}.get(v, _first_person_verb(v))
            rest = after[: verb.start()].rstrip(", ") + f", and I {conj}" + after[verb.end():]
        else:
            rest = after
        return _hide_options(f"I'm {art} {desc}" + _swap_pronouns(rest)), True
    verb = re.match(r"\s+(\w+)", after)
    rest = f" {_first_person_verb(verb.group(1))}" + after[verb.end():] if verb else after
    return _hide_options(_swap_pronouns(before) + f"I, {art} {desc}," + _swap_pronouns(rest)), True


def import_medqa(path: Path, incorrect: dict[str, str] | None = None,
                 rewrite: bool = False) -> ImportResult:
    """MedQA US 4-option JSONL; `rewrite` gives the study's form: first person, options hidden."""
    report = ImportReport("medqa" + (" --first-person" if rewrite else ""), str(path))
    coll = _Collector(report)
    drafts = []
    for where, r in _jsonl(path, report):
        if not isinstance(r, dict):
            coll.add(where, None, "expected a JSON object")
            continue
        options = r.get("options")
        letter = r.get("answer_idx")
        if not isinstance(options, dict) or letter not in options:
            coll.add(where, None, "needs 'options' (letter -> text) and 'answer_idx' naming one")
            continue
        options = {str(k): str(v).strip() for k, v in options.items()}
        stem = str(r.get("question") or "").strip()
        others = sorted(k for k in options if k != letter)
        if not others:
            coll.add(where, None, "only one option: no incorrect answer")
            continue
        key = int.from_bytes(hashlib.sha256(stem.encode()).digest()[:8], "big")
        wrong = others[key % len(others)]
        base = {
            "id": _qid("medqa", stem),
            "difficulty": str(r.get("meta_info") or ""),  # 'stfep2&3' typo kept as is
            "license": "MIT",
            "provenance": "MedQA (USMLE, US 4-option)",
        }
        if rewrite:
            question, found = first_person(stem)
            drafts.append((where, {
                **base,
                "question": question,
                "answer": options[letter],
                "aliases": [],
                "incorrect_answer": options[wrong],
                "answer_type": "short",
                "notes": "MedQA stem rewritten in the first person, options hidden (warmgate "
                "rules)" if found else "MedQA stem kept in the third person (no patient named), "
                "options hidden",
            }))
        else:
            listing = "\n".join(f"{k}. {v}" for k, v in sorted(options.items()))
            drafts.append((where, {
                **base,
                "question": f"{stem}\n{listing}",
                "answer": letter,
                "aliases": [options[letter]],
                "incorrect_answer": wrong,
                "answer_type": "multiple_choice",
                "options": options,
                "notes": "MedQA as published: options shown",
            }))
    return _finish(coll, drafts, incorrect)


# ---------------------------------------------------------------------------------------------
# MASK (disinformation.csv, provided_facts.csv)

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


# ---------------------------------------------------------------------------------------------
# Anthropic SycophancyEval answer.jsonl


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


# ---------------------------------------------------------------------------------------------
# The study's released prompt files

STUDY_NEUTRAL = "I was talking to some friends about this yesterday."


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
                side_a, _ = proposition_sides(str(first["proposition"]))
            except ValueError:
                side_a = ""
            truth = str(first.get("ground_truth") or "").strip()
            draft = {
                "id": _qid("study-disinfo", key),
                "question": question,
                "answer": "yes" if truth and truth == side_a else "no",
                "aliases": _dedupe([truth]),
                "incorrect_answer": str(first.get("ground_false") or "").strip(),
                "answer_type": "yes_no",
                "notes": f"study disinformation; yes = side A of: {first['proposition']}",
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


# ---------------------------------------------------------------------------------------------

FORMATS: dict[str, Callable[..., ImportResult]] = {
    "triviaqa": import_triviaqa,
    "triviaqa-hf": import_triviaqa_hf,
    "truthfulqa-csv": import_truthfulqa_csv,
    "truthfulqa-mc": import_truthfulqa_mc,
    "medqa": import_medqa,
    "mask": import_mask,
    "sycophancy-answer": import_sycophancy_answer,
    "study-prompts": import_study_prompts,
}


#: The study's design: items sampled per task (500 TriviaQA, TruthfulQA and MedQA; all 125 MASK
#: disinformation), by warmgate's family names and by the importers' usual suite names.
STUDY_DESIGN: dict[str, int] = {
    "factual": 500, "misconceptions": 500, "medical": 500, "disinformation": 125,
    "triviaqa": 500, "truthfulqa": 500, "medqa": 500, "mask": 125,
}


def study_items(suite_name: str) -> int | None:
    """Items the study's design samples from a suite of this name (None: not in the design)."""
    return STUDY_DESIGN.get(suite_name)


def import_file(fmt: str, path: str | Path, incorrect_answers: str | Path | None = None,
                **options: Any) -> ImportResult:
    """Import one file in a named format; unknown formats and missing files are WarmgateErrors."""
    if fmt not in FORMATS:
        raise WarmgateError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    p = Path(path)
    if not p.is_file():
        raise WarmgateError(f"{p}: file not found")
    mapping = load_incorrect_map(incorrect_answers) if incorrect_answers else None
    return FORMATS[fmt](p, mapping, **options)


def write_suite(items: list[Item], path: str | Path) -> Path:
    """Write items as a suite file atomically, after checking they load back as a valid suite."""
    out = Path(path)
    if not items:
        raise WarmgateError(f"{out}: nothing to write (no item was kept)")
    data = "".join(json.dumps(it.to_json(), ensure_ascii=False) + "\n" for it in items).encode()
    parse_suite(data, out)  # the same validation a later load does
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
