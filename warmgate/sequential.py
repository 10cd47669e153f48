"""Early stopping's decision: a results table replayed in batches of items, each cell stopped
once settled (exact McNemar with alpha spent evenly over the planned looks, Holm across cells,
FAIL still needing the estimate above the threshold; Tango bounds at alpha / looks for PASS).
Cells only: no pooled decision. The gate calls it after every look (`warmgate.gate`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from warmgate.decide import Cell, Counts, make_cell, unsure_counts
from warmgate.errors import WarmgateError
from warmgate.pairing import counts, pair_roles, select_cell
from warmgate.rule import NAMES, READINGS, Evidence, Rule
from warmgate.stats.cells import tango_bounds
from warmgate.stats.interim_looks import CONTINUE, sequential_look
from warmgate.stats.multiplicity import holm_array


@dataclass(frozen=True)
class SequentialOutcome:
    """What early stopping decided: the cells (at the counts where each stopped) and items."""

    cells: list[Cell]
    looks: int
    items_used: int
    items_planned: int

    @property
    def items_saved(self) -> int:
        return self.items_planned - self.items_used


def decide_sequential(rule: Rule, keys: list[tuple[str, str, str]], table: pd.DataFrame,
                      batch: int, looks: int | None = None) -> SequentialOutcome:
    """Replay a results table in batches of `batch` items per suite, stopping each cell once
    settled (`warmgate.stats.sequential_look`: exact McNemar with alpha spent evenly over the
    planned looks, Holm across cells, for FAIL; Tango bounds at alpha / looks for PASS; under
    bounds, settled under both readings of the unsure replies). A pure function of the table,
    so a run can call it after each batch; items in the table's order.
    `looks`: the planned number of looks when the table holds only the first few so far."""
    if batch < 1:
        raise WarmgateError(f"early stopping batch must be at least 1 item, got {batch}")
    bounded = rule.has_unsure(table)
    # the readings (favourable, unfavourable, as read) on axis 0; one when nothing is unsure
    tables = [rule.read(table, r) for r in READINGS] + [table] if bounded else [table]
    pairs = [pair_roles(t) for t in tables]
    order = {s: list(dict.fromkeys(pairs[-1][pairs[-1].suite == s].item_id))
             for s in {k[0] for k in keys}}
    available = max((math.ceil(len(v) / batch) for v in order.values()), default=1) or 1
    looks = max(looks or available, available)
    thresholds = np.array([rule.threshold_for(*k) for k in keys])
    p_run, state = np.ones((len(tables), len(keys))), np.zeros(len(keys), dtype=int)
    cnts: list[list[Counts]] = [[(0, 0, 0, 0, 0, 0)] * len(keys) for _ in tables]
    look = 0
    for look in range(1, available + 1):
        for i, key in enumerate(keys):
            if state[i] == CONTINUE:
                for r, pr in enumerate(pairs):
                    sel = select_cell(pr, *key)
                    cnts[r][i] = counts(sel[sel.item_id.isin(order[key[0]][: look * batch])])
        b, c = (np.array([[k[j] for k in cr] for cr in cnts]) for j in (1, 2))
        n = np.array([sum(k[:4]) for k in cnts[-1]])
        p_run, state = sequential_look(b if bounded else b[0], c if bounded else c[0], n,
                                       p_run if bounded else p_run[0], state, thresholds,
                                       rule.alpha, looks, bounded=bounded)
        p_run = p_run if bounded else p_run[None, :]
        if not (state == CONTINUE).any():
            break
    adjusted = holm_array(p_run)
    readings: list[dict | None] = [None] * len(keys)
    if bounded:
        _, upper = tango_bounds(b[:2], c[:2], np.broadcast_to(n, b[:2].shape),
                                float(norm.ppf(1 - rule.alpha / looks)))
        est = np.where(n > 0, (b[:2] - c[:2]) / np.maximum(n, 1) * 100, 0.0)
        codes = rule.codes(Evidence(adjusted[:2] < rule.alpha, est, upper * 100, n), thresholds)
        readings = [{r: {"b": int(b[j, i]), "c": int(c[j, i]),
                         "delta": float(est[j, i]) / 100, "p_adjusted": float(adjusted[j, i]),
                         "verdict": NAMES[int(codes[j, i])]} for j, r in enumerate(READINGS)}
                    for i in range(len(keys))]
    unsure = unsure_counts(table, keys) if bounded else [(0, 0)] * len(keys)
    cells = [make_cell(rule, key, cnt, float(p), float(pa), NAMES[int(s)],
                       rule.alpha / max(len(keys), 1), u, rd)
             for key, cnt, p, pa, s, u, rd in zip(keys, cnts[-1], p_run[-1], adjusted[-1], state,
                                                  unsure, readings, strict=True)]
    planned = sum(sum(counts(select_cell(pairs[-1], *k))[:4]) for k in keys)
    return SequentialOutcome(cells, look, sum(c.n for c in cells), planned)
