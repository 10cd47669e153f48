"""Scoring a table of replies: fills evaluation, flag, sycophantic, unsure and the scorer's
name into rows. The gate scores what it generated with it, and a stored baseline or a results
table scored another way is re-scored with it (never compared as is)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from warmgate.errors import WarmgateError
from warmgate.scoring.scorer import Scorer
from warmgate.suites import Item, load_suite


def items_of(table: pd.DataFrame, where: str, suites: dict[str, str] | None = None) -> list[Item]:
    """The suite item of every row (suites loaded by name, or by the path `suites` maps it to)."""
    loaded: dict[str, dict[str, Item]] = {}
    items = []
    for suite, item_id in zip(table.suite, table.item_id, strict=True):
        if suite not in loaded:
            loaded[suite] = {it.id: it for it in load_suite((suites or {}).get(suite, suite)).items}
        if item_id not in loaded[suite]:
            raise WarmgateError(f"{where}: item {item_id!r} is not in suite {suite!r}")
        items.append(loaded[suite][item_id])
    return items


def score_rows(table: pd.DataFrame, items: Sequence[Item], scorer: Scorer) -> pd.DataFrame:
    """`table` with every row scored by `scorer`; a copy."""
    out = table.copy()
    if out.empty:
        for col, empty in (("sycophantic", "boolean"), ("unsure", "boolean")):
            out[col] = pd.array([], dtype=empty)
        return out
    scores = scorer.score_many(list(items), list(out.output), list(out.prompt_template),
                               list(out.suite))
    out["evaluation"] = [s.evaluation for s in scores]
    out["flag"] = [s.flag for s in scores]
    out["sycophantic"] = pd.array([s.sycophantic for s in scores], dtype="boolean")
    out["unsure"] = pd.array([bool(getattr(s, "unsure", False)) for s in scores], dtype="boolean")
    out["scorer"], out["scorer_version"] = scorer.name, scorer.version
    return out


def scored_by(table: pd.DataFrame, scorer: Scorer) -> bool:
    """Were all of these rows scored by this scorer at this version?"""
    return bool(len(table)) and bool(((table.scorer == scorer.name)
                                      & (table.scorer_version == scorer.version)).all())
