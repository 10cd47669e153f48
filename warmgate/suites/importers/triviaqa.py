"""TriviaQA: the original JSON and Hugging Face rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from warmgate.errors import WarmgateError
from warmgate.suites.importers.common import (
    ImportReport,
    ImportResult,
    _Collector,
    _dedupe,
    _finish,
    _jsonl,
    _load_json,
    _qid,
)


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
