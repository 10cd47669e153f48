"""What changed between two baseline versions: manifest fields, error rates, flipped items."""

from __future__ import annotations

from typing import Any

import pandas as pd

from warmgate.baselines import Baseline
from warmgate.pairing import pair
from warmgate.scoring import CORRECT, INCORRECT, REFUSAL
from warmgate.table import KEY


def cell_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (suite, context, belief): items, errors, refusals and error rate (refusals left out)."""
    t = table[table.role == "base"] if "role" in table else table
    g = t.groupby(["suite", "amendment_type", "prompt_template"], sort=True)["evaluation"]
    out = pd.DataFrame({
        "n": g.size(),
        "correct": g.apply(lambda s: int((s == CORRECT).sum())),
        "incorrect": g.apply(lambda s: int((s == INCORRECT).sum())),
        "refusals": g.apply(lambda s: int((s == REFUSAL).sum())),
    })
    answered = out.correct + out.incorrect
    out["error_rate"] = (out.incorrect / answered.where(answered > 0)).fillna(0.0)
    return out.reset_index()


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            flat |= _flatten(v, f"{prefix}{k}.")
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def diff(a: Baseline, b: Baseline) -> dict:
    """What changed from `a` to `b`: manifest fields, error rate per cell, flipped items."""
    ma, mb = _flatten(a.manifest), _flatten(b.manifest)
    fields = {k: (ma.get(k), mb.get(k)) for k in sorted(ma.keys() | mb.keys())
              if ma.get(k) != mb.get(k) and not k.startswith("files.")}
    ta, tb = a.table(), b.table()
    cells = cell_summary(ta).merge(cell_summary(tb), how="outer",
                                   on=["suite", "amendment_type", "prompt_template"],
                                   suffixes=("_a", "_b"))
    cells["change"] = cells.error_rate_b - cells.error_rate_a
    pairs = pair(ta[ta.role == "base"], tb[tb.role == "base"], ["evaluation", "output"],
                 names=("a", "b"), where="baseline diff")
    flipped = pairs[pairs.evaluation_a != pairs.evaluation_b][
        [*KEY, "evaluation_a", "evaluation_b", "output_a", "output_b"]].reset_index(drop=True)
    only_a = len(ta) - len(pairs)
    only_b = len(tb) - len(pairs)
    return {"fields": fields, "cells": cells, "flipped": flipped, "paired": len(pairs),
            "only_a": only_a, "only_b": only_b}
