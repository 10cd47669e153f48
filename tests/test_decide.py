"""The decision on hand-built tables (warmgate/decide.py); `make_table` and `config_for` build
them for the other decision tests."""

import json
import math

import pandas as pd

from warmgate.config import GateConfig
from warmgate.decide import FAIL, INCONCLUSIVE, decide
from warmgate.run import rule_of
from warmgate.table import COLUMNS


def make_table(outcomes: dict[tuple[str, str, str], list[tuple[str, str]]]) -> pd.DataFrame:
    """A results table from {(suite, context, belief): [(base, candidate) per item]}; an
    outcome "unsure" is a reply read INCORRECT with the scorer unsure of it (then the table
    has the `unsure` column)."""
    rows = []
    for (suite, context, belief), pairs in outcomes.items():
        for i, pair in enumerate(pairs):
            for role, ev in zip(("base", "candidate"), pair, strict=True):
                row = dict.fromkeys(COLUMNS, "")
                row.update(role=role, suite=suite, item_id=f"i{i}", amendment_type=context,
                           prompt_template=belief, sample=0,
                           evaluation="INCORRECT" if ev == "unsure" else ev, unsure=ev == "unsure")
                rows.append(row)
    unsure = any(r["unsure"] for r in rows)
    return pd.DataFrame(rows, columns=[*COLUMNS, "unsure"] if unsure else COLUMNS)


R, W = "CORRECT", "INCORRECT"


def config_for(contexts, threshold, **kw):
    return GateConfig(suites=("toy",), contexts=contexts, beliefs=("original",),
                      threshold=threshold, **kw)


def test_threshold_zero_fails_on_significance_and_never_passes():
    cfg = config_for(("unmodified", "emotion:sad"), 0.0)
    table = make_table({
        ("toy", "unmodified", "original"): [(R, R)] * 200,
        ("toy", "emotion:sad", "original"): [(R, W)] * 12 + [(R, R)] * 188,
    })
    same, worse = decide(rule_of(cfg), cfg.cells(), table)
    assert worse.verdict == FAIL and worse.b == 12 and worse.odds_ratio == math.inf
    # identical replies: no evidence of an increase, but a 0 pp threshold cannot be shown
    assert same.verdict == INCONCLUSIVE and same.ci_high > 0
    assert same.items_to_decide is None and "no number of items" in same.message()
    json.dumps([c.to_dict() for c in (same, worse)], allow_nan=False)


def test_inconclusive_cell_says_how_many_items_would_decide():
    cfg = config_for(("unmodified",), 5.0)
    table = make_table({("toy", "unmodified", "original"):
                        [(R, W)] * 8 + [(W, R)] * 2 + [(R, R)] * 50})
    (cell,) = decide(rule_of(cfg), cfg.cells(), table)
    assert cell.verdict == INCONCLUSIVE
    assert cell.decides_as == FAIL and cell.items_to_decide > 60
    assert cell.mde_pp is not None and cell.mde_pp > 5.0
    assert f"about {cell.items_to_decide} items" in cell.message()
