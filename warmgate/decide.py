"""Deciding: paired counts per cell, and per suite pooled over its framings -> verdicts (the
statistics live in `warmgate.stats` and `warmgate.pooled`).

Cell FAIL: one-sided exact McNemar significant in the closed procedure (weighted Holm over the
run's cells and its suites' pooled tests, `warmgate.pooled`), and the estimate above the cell's
threshold; PASS: the one-sided (1 - alpha) Tango upper bound below the threshold; else
INCONCLUSIVE, with the items that would decide it at the observed rates. A suite's pooled
decision has the same three values (exact clustered sign-flip test, cluster-robust interval).
`warmgate run`, pytest (in one process or over xdist workers) and `warmgate merge` all end here.
Early stopping (`decide_sequential`) decides cells only, with plain Holm: no pooled decision.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.pairing import counts, error_change, pair_roles, select_cell
from warmgate.pooled import abs_histogram, closed_adjusted, closed_weights, signflip_pvalue
from warmgate.stats import (
    CONTINUE,
    STOP_FAIL,
    STOP_PASS,
    cluster_mean_ci,
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
            f"adjusted {self.p_adjusted:.3g}{self._power_note()})"
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
              p_adj: float, verdict: str | None, alpha_cell: float) -> Cell:
    """One Cell with its effect sizes, interval, power and (when undecided) items to decide;
    `verdict` None: decided here by the fixed-n rule. `alpha_cell`: the cell's level at the
    multiple test's strictest step, for its power figures."""
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
    # Power at the strictest step (alpha x weight): conservative, since the rank is unknown.
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


@dataclass(frozen=True)
class Pooled:
    """The pooled decision for one suite: all its framings at once, items as clusters."""

    suite: str
    framings: int
    items: int
    units: int  # paired item-cells, refusals left out
    b: int
    c: int
    delta: float
    ci_low: float
    ci_high: float
    pvalue: float
    p_adjusted: float
    threshold_pp: float
    verdict: str

    @property
    def id(self) -> str:
        return f"{self.suite}-all-framings"

    def line(self) -> str:
        """The report line: "<suite>, all framings: +x pp [lo, hi], VERDICT"."""
        return (f"{self.suite}, all framings: {self.delta * 100:+.1f} pp "
                f"[{self.ci_low * 100:+.1f}, {self.ci_high * 100:+.1f}], {self.verdict}")

    def message(self) -> str:
        """The line with its test: counts, threshold and p-values."""
        return (f"{self.line()} (95% CI, cluster-robust over {self.items} items; newly wrong "
                f"{self.b}, newly right {self.c} of {self.units} item-framings in "
                f"{self.framings} framings; threshold +{self.threshold_pp:.3g} pp; exact "
                f"clustered sign-flip p={self.pvalue:.3g}, adjusted {self.p_adjusted:.3g})")

    def to_dict(self) -> dict:
        return {**asdict(self), "id": self.id, "line": self.line()}


def _pooled_stats(config: GateConfig, pairs: pd.DataFrame, suite: str,
                  keys: list[tuple[str, str, str]]) -> dict:
    """Item sums D_i over the suite's cells in this run, and the test, interval and threshold."""
    cells = {(k[1], k[2]) for k in keys}
    sel = error_change(pairs[pairs.suite == suite])
    sel = sel[[(a, b) in cells for a, b in zip(sel.amendment_type, sel.prompt_template,
                                                 strict=True)]]
    per_item = sel.groupby("item_id").d.agg(["sum", "size"])
    d_sum, size = per_item["sum"].to_numpy(), per_item["size"].to_numpy()
    units = int(size.sum())
    per_cell = sel.groupby(["amendment_type", "prompt_template"]).size()
    thr = [config.threshold_for(suite, *k) for k in per_cell.index]
    threshold = (float(np.dot(per_cell.to_numpy(), thr)) / units if units else
                 float(np.mean([config.threshold_for(*k) for k in keys])))
    est, lo, hi = cluster_mean_ci(d_sum, size, 0.95)
    _, _, upper = cluster_mean_ci(d_sum, size, 1 - 2 * config.alpha)
    p = float(signflip_pvalue(abs_histogram(d_sum), np.array(int(d_sum.sum())))) if units \
        else 1.0
    return {"framings": len(keys), "items": int(len(d_sum)), "units": units,
            "b": int((sel.d == 1).sum()), "c": int((sel.d == -1).sum()),
            "delta": est if units else 0.0, "ci_low": max(-1.0, lo), "ci_high": min(1.0, hi),
            "pvalue": p, "threshold_pp": threshold, "upper": upper}


def decide_run(config: GateConfig, table: pd.DataFrame) -> tuple[list[Cell], list[Pooled]]:
    """Pair base and candidate per item; decide every cell and every suite's pooled change in
    one closed procedure (weighted Holm, `warmgate.pooled`), family-wise error <= alpha."""
    pairs = pair_roles(table)
    keys = config.cells()
    groups = {k: g for k, g in pairs.groupby(["suite", "amendment_type", "prompt_template"])}
    cnts = [counts(groups.get(key, pairs.iloc[:0])) for key in keys]
    pvalues = [mcnemar(k[1], k[2], alternative="greater").pvalue for k in cnts]
    suites = list(dict.fromkeys(k[0] for k in keys))
    sizes = [sum(k[0] == s for k in keys) for s in suites]
    _, w_cell = closed_weights(sizes)
    pooled_at = [i for i, j in enumerate(sizes) if j >= 2]
    stats = [_pooled_stats(config, pairs, suites[i], [k for k in keys if k[0] == suites[i]])
             for i in pooled_at]
    adj_pooled, adj_cells = closed_adjusted(np.array([s["pvalue"] for s in stats]),
                                            np.array(pvalues), sizes,
                                            [suites.index(k[0]) for k in keys])
    cells = [make_cell(config, key, cnt, p, float(p_adj), None,
                       config.alpha * w_cell[suites.index(key[0])])
             for key, cnt, p, p_adj in zip(keys, cnts, pvalues, adj_cells, strict=True)]
    pooled = []
    for i, st, p_adj in zip(pooled_at, stats, adj_pooled, strict=True):
        upper = st.pop("upper")
        if st["units"] and p_adj < config.alpha and st["delta"] * 100 > st["threshold_pp"]:
            verdict = FAIL
        elif st["units"] and upper * 100 < st["threshold_pp"]:
            verdict = PASS
        else:
            verdict = INCONCLUSIVE
        pooled.append(Pooled(suite=suites[i], p_adjusted=float(p_adj), verdict=verdict, **st))
    return cells, pooled


def decide(config: GateConfig, table: pd.DataFrame) -> list[Cell]:
    """Every cell's decision, in the closed procedure with the pooled tests (`decide_run`)."""
    return decide_run(config, table)[0]


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
    cells = [make_cell(config, key, cnt, float(p), float(pa), names[int(s)],
                       config.alpha / max(len(keys), 1))
             for key, cnt, p, pa, s in zip(keys, cnts, p_run, adjusted, state, strict=True)]
    planned = sum(sum(counts(select_cell(pairs, *k))[:4]) for k in keys)
    return SequentialOutcome(cells, look, sum(c.n for c in cells), planned)


def unsure_cells(config: GateConfig, table: pd.DataFrame, cells: list[Cell]) -> list[dict]:
    """Per cell: readings the scorer was unsure of, per role, the discordant pairs that rest
    on one, and whether the verdict could turn on them (the cell decided again without the
    pairs that hold an unsure reading, at the same multiplicity, gives another verdict)."""
    if "unsure" not in table or not len(table):
        return []
    table = table.assign(unsure=table.unsure.fillna(False).astype(bool))
    pairs = pair_roles(table, ("evaluation", "unsure"))
    out = []
    for cell in cells:
        sel = select_cell(pairs, cell.suite, cell.context, cell.belief)
        shaky = sel.unsure_base | sel.unsure_cand
        both = sel.rename(columns={"evaluation_base": "base", "evaluation_cand": "cand"})
        _, b_u, c_u, *_ = counts(both[shaky])
        turns = False
        if b_u + c_u:
            cnt = counts(both[~shaky])
            p = mcnemar(cnt[1], cnt[2], alternative="greater").pvalue
            scale = cell.p_adjusted / cell.pvalue if cell.pvalue > 0 else 1.0
            alt = make_cell(config, (cell.suite, cell.context, cell.belief), cnt, p,
                            min(1.0, p * scale), None, config.alpha)
            turns = alt.verdict != cell.verdict
        out.append({"cell": cell.id, "unsure_base": int(sel.unsure_base.sum()),
                    "unsure_candidate": int(sel.unsure_cand.sum()),
                    "unsure_discordant": b_u + c_u, "discordant": cell.b + cell.c,
                    "could_turn": turns})
    return out
