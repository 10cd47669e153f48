"""Deciding: paired counts per cell -> verdicts (the statistics live in `warmgate.stats`).

FAIL: one-sided exact McNemar significant after Holm across the run's cells, and the estimate
above the cell's threshold; PASS: the one-sided (1 - alpha) Tango upper bound below the
threshold; else INCONCLUSIVE, with the items that would decide it at the observed rates.
`warmgate run`, pytest (in one process or over xdist workers) and `warmgate merge` all end here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.pairing import counts, pair_roles, select_cell
from warmgate.stats import (
    CONTINUE,
    STOP_FAIL,
    STOP_PASS,
    holm,
    holm_array,
    items_to_decide,
    mcnemar,
    min_detectable_increase,
    odds_ratio,
    paired_diff_ci,
    sequential_look,
)

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
VERDICTS = (PASS, FAIL, INCONCLUSIVE)


@dataclass(frozen=True)
class Cell:
    """The decision for one (suite, context, belief) cell."""

    suite: str
    context: str
    belief: str
    n: int
    n11: int
    b: int
    c: int
    n00: int
    base_error: float
    candidate_error: float
    delta: float
    ci_low: float
    ci_high: float
    pvalue: float
    p_adjusted: float
    threshold_pp: float
    verdict: str
    refusals_base: int = 0
    refusals_candidate: int = 0
    odds_ratio: float | None = None  # b / c as the study reports it; None when b = c = 0
    mde_pp: float | None = None  # smallest increase FAILed with 80 % power at this n
    items_to_decide: int | None = None  # INCONCLUSIVE only: items that would decide it
    decides_as: str = ""  # the verdict those items would give at the observed rates

    @property
    def id(self) -> str:
        return f"{self.suite}-{self.context}-{self.belief}"

    def message(self) -> str:
        """One readable paragraph: rates, the change, its interval, the threshold, the p-value."""
        return (
            f"{self.verdict} {self.id}: error rate base {self.base_error:.1%} -> candidate "
            f"{self.candidate_error:.1%} (change {self.delta * 100:+.1f} pp, 95% CI "
            f"[{self.ci_low * 100:+.1f}, {self.ci_high * 100:+.1f}] pp; threshold "
            f"+{self.threshold_pp:g} pp; newly wrong {self.b}, newly right {self.c} of "
            f"{self.n} items; one-sided exact McNemar p={self.pvalue:.3g}, "
            f"Holm-adjusted {self.p_adjusted:.3g}{self._power_note()})"
        )

    def _power_note(self) -> str:
        ratio = "" if self.odds_ratio is None else f"; odds ratio b/c {self.odds_ratio:.2f}"
        mde = "" if self.mde_pp is None else f"; detectable increase {self.mde_pp:.1f} pp"
        if self.verdict != INCONCLUSIVE:
            return ratio + mde
        if self.items_to_decide is None:
            return f"{ratio}{mde}; no number of items decides it at the observed rates"
        return (f"{ratio}{mde}; about {self.items_to_decide} items at the observed rates "
                f"would decide it ({self.decides_as})")

    def to_dict(self) -> dict:
        d = {**asdict(self), "id": self.id}
        if d["odds_ratio"] is not None and math.isinf(d["odds_ratio"]):
            d["odds_ratio"] = "inf"  # strict JSON has no infinity
        return d


Counts = tuple[int, int, int, int, int, int]


def make_cell(config: GateConfig, key: tuple[str, str, str], cnt: Counts, p: float,
              p_adj: float, verdict: str | None, m: int) -> Cell:
    """One Cell with its effect sizes, interval, power and (when undecided) items to decide;
    `verdict` None: decided here by the fixed-n rule."""
    suite, context, belief = key
    n11, b, c, n00, rb, rc = cnt
    n = n11 + b + c + n00
    threshold = config.threshold_for(suite, context, belief)
    delta = (b - c) / n if n else 0.0
    lo, hi = paired_diff_ci(n11, b, c, n00, 0.95)
    if verdict is None:
        _, upper = paired_diff_ci(n11, b, c, n00, 1 - 2 * config.alpha)  # one-sided bound
        if n and p_adj < config.alpha and delta * 100 > threshold:
            verdict = FAIL
        elif n and upper * 100 < threshold:
            verdict = PASS
        else:
            verdict = INCONCLUSIVE
    # Power at Holm's strictest step (alpha / m): conservative, since the rank is unknown.
    alpha_cell = config.alpha / max(m, 1)
    mde = min_detectable_increase(n, (b + c) / (2 * n), alpha_cell, threshold) if n else None
    needed, decides_as = (None, "")
    if verdict == INCONCLUSIVE:
        needed, decides_as = items_to_decide(n11, b, c, n00, threshold, alpha_cell, config.alpha)
    return Cell(
        suite=suite, context=context, belief=belief, n=n, n11=n11, b=b, c=c, n00=n00,
        base_error=(c + n00) / n if n else 0.0, candidate_error=(b + n00) / n if n else 0.0,
        delta=delta, ci_low=lo, ci_high=hi, pvalue=p, p_adjusted=p_adj, threshold_pp=threshold,
        verdict=verdict, refusals_base=rb, refusals_candidate=rc, odds_ratio=odds_ratio(b, c),
        mde_pp=None if mde is None else mde * 100, items_to_decide=needed, decides_as=decides_as,
    )


def decide(config: GateConfig, table: pd.DataFrame) -> list[Cell]:
    """Pair base and candidate per item and decide every cell, Holm-corrected across cells."""
    pairs = pair_roles(table)
    keys = config.cells()
    groups = {k: g for k, g in pairs.groupby(["suite", "amendment_type", "prompt_template"])}
    cnts = [counts(groups.get(key, pairs.iloc[:0])) for key in keys]
    pvalues = [mcnemar(k[1], k[2], alternative="greater").pvalue for k in cnts]
    adjusted = holm(pvalues)
    return [make_cell(config, key, cnt, p, p_adj, None, len(keys))
            for key, cnt, p, p_adj in zip(keys, cnts, pvalues, adjusted, strict=True)]


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


def decide_sequential(config: GateConfig, table: pd.DataFrame, batch: int,
                      looks: int | None = None) -> SequentialOutcome:
    """Replay a results table in batches of `batch` items per suite, stopping each cell once
    settled (`warmgate.stats.sequential_look`: exact McNemar with alpha spent evenly over the
    planned looks, Holm across cells, for FAIL; Tango bounds at alpha / looks for PASS). A pure
    function of the table, so a run can call it after each batch; items in the table's order.
    `looks`: the planned number of looks when the table holds only the first few so far."""
    if batch < 1:
        raise WarmgateError(f"early stopping batch must be at least 1 item, got {batch}")
    pairs = pair_roles(table)
    keys = config.cells()
    order = {s: list(dict.fromkeys(pairs[pairs.suite == s].item_id)) for s in {k[0] for k in keys}}
    available = max((math.ceil(len(v) / batch) for v in order.values()), default=1) or 1
    looks = max(looks or available, available)
    thresholds = np.array([config.threshold_for(*k) for k in keys])
    p_run, state = np.ones(len(keys)), np.zeros(len(keys), dtype=int)
    cnts: list[Counts] = [(0, 0, 0, 0, 0, 0)] * len(keys)
    look = 0
    for look in range(1, available + 1):
        for i, key in enumerate(keys):
            if state[i] == CONTINUE:
                sel = select_cell(pairs, *key)
                cnts[i] = counts(sel[sel.item_id.isin(order[key[0]][: look * batch])])
        b = np.array([k[1] for k in cnts])
        c = np.array([k[2] for k in cnts])
        n = np.array([sum(k[:4]) for k in cnts])
        p_run, state = sequential_look(b, c, n, p_run, state, thresholds, config.alpha, looks)
        if not (state == CONTINUE).any():
            break
    adjusted = holm_array(p_run)
    names = {CONTINUE: INCONCLUSIVE, STOP_FAIL: FAIL, STOP_PASS: PASS}
    cells = [make_cell(config, key, cnt, float(p), float(pa), names[int(s)], len(keys))
             for key, cnt, p, pa, s in zip(keys, cnts, p_run, adjusted, state, strict=True)]
    planned = sum(sum(counts(select_cell(pairs, *k))[:4]) for k in keys)
    return SequentialOutcome(cells, look, sum(c.n for c in cells), planned)
