"""Shared machinery of the importers: the report, the collector, readers, borrowed answers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warmgate.errors import WarmgateError
from warmgate.suites import Item, _item_from


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
