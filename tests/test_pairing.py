"""Pairing: the one place base and candidate rows meet (decisions, signature, warmth, reports)."""

from __future__ import annotations

import pandas as pd
import pytest

from warmgate.errors import WarmgateError
from warmgate.pairing import counts, error_change, pair, pair_roles, select_cell


def _rows(role: str, evals: list[str], context: str = "unmodified") -> pd.DataFrame:
    return pd.DataFrame({
        "role": role, "suite": "factual", "item_id": [f"factual-{i:04d}" for i in range(len(evals))],
        "amendment_type": context, "prompt_template": "original", "sample": 0,
        "evaluation": evals, "output": [f"{role} reply {i}" for i in range(len(evals))],
    })


def test_pairs_meet_on_the_prompt_not_the_row_order():
    base = _rows("base", ["CORRECT", "CORRECT", "INCORRECT", "REFUSAL", "INCORRECT"])
    cand = _rows("candidate", ["INCORRECT", "CORRECT", "CORRECT", "CORRECT", "INCORRECT"])
    table = pd.concat([base, cand.iloc[::-1]], ignore_index=True)  # candidate rows reversed
    pairs = pair_roles(table)
    assert list(pairs.base) == list(base.evaluation) and list(pairs.cand) == list(cand.evaluation)
    # n11, b (newly wrong), c (newly right), n00, refusals base, refusals candidate
    assert counts(select_cell(pairs, "factual", "unmodified", "original")) == (1, 1, 1, 1, 1, 0)
    assert list(error_change(pairs).d) == [1, 0, -1, 0]
    assert select_cell(pairs, "factual", "emotion:sad", "original").empty


def test_prompts_only_one_side_has_are_left_out_and_columns_get_role_suffixes():
    base = _rows("base", ["CORRECT"] * 3)
    cand = _rows("candidate", ["INCORRECT"] * 2)
    both = pair(base, cand, ("evaluation", "output"))
    assert len(both) == 2
    assert {"evaluation_base", "evaluation_cand", "output_base", "output_cand"} <= set(both)


def test_a_prompt_twice_is_an_error_naming_the_row():
    base = _rows("base", ["CORRECT", "CORRECT"])
    doubled = pd.concat([base, base.iloc[:1]], ignore_index=True)
    with pytest.raises(WarmgateError, match="factual/factual-0000/unmodified/original/0 appears "
                       "more than once"):
        pair(doubled, base)
