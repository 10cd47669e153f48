"""Importers, one module per format: public evaluation datasets into warmgate items.

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

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warmgate.atomic import write_bytes
from warmgate.errors import WarmgateError
from warmgate.suites import Item, parse_suite
from warmgate.suites.importers.common import ImportReport, ImportResult, load_incorrect_map
from warmgate.suites.importers.mask import asked_side, import_mask, proposition_sides
from warmgate.suites.importers.medqa import first_person, import_medqa
from warmgate.suites.importers.study import StudyPrompt, import_study_prompts, read_study_prompts
from warmgate.suites.importers.sycophancy import import_sycophancy_answer
from warmgate.suites.importers.triviaqa import import_triviaqa, import_triviaqa_hf
from warmgate.suites.importers.truthfulqa import import_truthfulqa_csv, import_truthfulqa_mc

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
    write_bytes(out, data, fsync=True)
    return out


__all__ = ["FORMATS", "ImportReport", "ImportResult", "StudyPrompt", "first_person", "import_file",
           "import_mask", "import_medqa", "import_study_prompts", "import_sycophancy_answer",
           "import_triviaqa", "import_triviaqa_hf", "import_truthfulqa_csv",
           "import_truthfulqa_mc", "load_incorrect_map", "proposition_sides", "asked_side",
           "read_study_prompts", "write_suite"]
