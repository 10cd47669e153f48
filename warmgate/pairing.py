"""Pairing: the one place two sets of rows meet on the results table's key.

Decisions, the warmth signature, the warmth check, reports and baseline diffs all compare
rows to the same prompt (base vs candidate, or one baseline version vs another); they all pair
here, so that "the same prompt" means one thing everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from warmgate.errors import WarmgateError
from warmgate.scoring import CORRECT, INCORRECT, REFUSAL
from warmgate.table import KEY


def _keyed(rows: pd.DataFrame, columns: Sequence[str], where: str) -> pd.DataFrame:
    dup = rows.duplicated(KEY)
    if dup.any():
        first = rows[dup].iloc[0]
        raise WarmgateError(
            f"{where}: the row {'/'.join(str(first[k]) for k in KEY)} appears more than once "
            "(two suites sharing a name, or a suite listed twice); give each suite once")
    return rows.set_index(KEY)[list(columns)]


def pair(a: pd.DataFrame, b: pd.DataFrame, columns: Sequence[str] = ("evaluation",),
         names: tuple[str, str] = ("base", "cand"), where: str = "results table") -> pd.DataFrame:
    """Rows of `a` and `b` to the same prompt side by side: KEY, then `<col>_<name>` columns
    (or just `<name>` when one column is paired); prompts only one side has are left out."""
    left, right = _keyed(a, columns, where), _keyed(b, columns, where)
    if len(columns) == 1:
        left, right = left[columns[0]], right[columns[0]]
        out = pd.concat({names[0]: left, names[1]: right}, axis=1, join="inner")
    else:
        out = left.merge(right, how="inner", left_index=True, right_index=True,
                         suffixes=(f"_{names[0]}", f"_{names[1]}"))
    return out.reset_index()


def pair_roles(table: pd.DataFrame, columns: Sequence[str] = ("evaluation",)) -> pd.DataFrame:
    """Base and candidate rows to the same prompt (see `pair`)."""
    return pair(table[table.role == "base"], table[table.role == "candidate"], columns)


def select_cell(pairs: pd.DataFrame, suite: str, context: str, belief: str) -> pd.DataFrame:
    """The pairs of one (suite, context, belief) cell."""
    return pairs[(pairs.suite == suite) & (pairs.amendment_type == context)
                 & (pairs.prompt_template == belief)]


def counts(sel: pd.DataFrame) -> tuple[int, int, int, int, int, int]:
    """n11, b, c, n00 on non-refused pairs of evaluations, and the refusals of each role.

    Refusals leave the paired comparison and are reported apart (the study's policy)."""
    refusals_base = int((sel.base == REFUSAL).sum())
    refusals_cand = int((sel.cand == REFUSAL).sum())
    sel = sel[(sel.base != REFUSAL) & (sel.cand != REFUSAL)]
    base_ok, cand_ok = sel.base == CORRECT, sel.cand == CORRECT
    base_bad, cand_bad = sel.base == INCORRECT, sel.cand == INCORRECT
    return (int((base_ok & cand_ok).sum()), int((base_ok & cand_bad).sum()),
            int((base_bad & cand_ok).sum()), int((base_bad & cand_bad).sum()),
            refusals_base, refusals_cand)


def error_change(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs answered by both without refusal, with d = candidate wrong - base wrong (-1, 0, 1)."""
    ok = pairs[(pairs.base != REFUSAL) & (pairs.cand != REFUSAL)]
    return ok.assign(d=(ok.cand == INCORRECT).astype(int) - (ok.base == INCORRECT).astype(int))
