"""Deciding: paired counts per cell, and per suite pooled over its framings -> verdicts (the
statistics live in `warmgate.stats` and `warmgate.pooled`, the rule in `warmgate.rule`).

Cell FAIL: one-sided exact McNemar significant in the closed procedure (weighted Holm over the
run's cells and its suites' pooled tests, `warmgate.pooled`), and the estimate above the cell's
threshold; PASS: the one-sided (1 - alpha) Tango upper bound below the threshold; else
INCONCLUSIVE, with the items that would decide it at the observed rates. A suite's pooled
decision has the same three values (exact clustered sign-flip test, cluster-robust interval).
Under `unsure = "bound"` (the default) the whole procedure runs under the reading of the unsure
replies most favourable to the candidate and under the least favourable one, and `Rule` keeps a
FAIL only if the favourable reading fails it and a PASS only if the unfavourable one passes it
(why the family-wise error stays at most alpha: `warmgate.rule`). The figures a cell shows (b, c,
interval, p-values) are the scorer's reading as it stands; each reading's are in `readings`.
`warmgate run`, pytest (in one process or over xdist workers) and `warmgate merge` all end here.
Early stopping (`decide_sequential`) decides cells only, with plain Holm: no pooled decision.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from warmgate.pairing import counts, pair_roles
from warmgate.pooled import Pooled, closed_adjusted, closed_weights, pooled_stats
from warmgate.rule import (
    FAVOURABLE,
    NAMES,
    READINGS,
    UNFAVOURABLE,
    Evidence,
    Rule,
    UnsureReadings,
    unsure_mask,
)
from warmgate.scoring import REFUSAL
from warmgate.stats.cells import mcnemar, odds_ratio, paired_diff_ci, tango_bounds
from warmgate.stats.power import items_to_decide, min_detectable_increase

PASS, FAIL, INCONCLUSIVE = NAMES[2], NAMES[1], NAMES[0]
VERDICTS = (PASS, FAIL, INCONCLUSIVE)
__all__ = ["Cell", "Pooled", "decide", "decide_run", "PASS", "FAIL", "INCONCLUSIVE"]


@dataclass(frozen=True)
class Cell(UnsureReadings):
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
    unsure_base: int = 0  # paired replies the scorer was unsure of, per role
    unsure_candidate: int = 0
    readings: dict | None = None  # bounds: per reading, its b, c, delta, p_adjusted, verdict

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
            f"adjusted {self.p_adjusted:.3g}{self._power_note()}{self.unsure_note()})"
        )

    def _power_note(self) -> str:
        ratio = "" if self.odds_ratio is None else f"; odds ratio b/c {self.odds_ratio:.2f}"
        mde = "" if self.mde_pp is None else f"; detectable increase {self.mde_pp:.1f} pp"
        if self.verdict != INCONCLUSIVE:
            return ratio + mde
        if self.items_to_decide is None and self.readings:
            return (f"{ratio}{mde}; no number of items decides it at the observed rates under "
                    "both readings of its unsure replies")
        if self.items_to_decide is None:
            return f"{ratio}{mde}; no number of items decides it at the observed rates"
        return (f"{ratio}{mde}; about {self.items_to_decide} items at the observed rates "
                f"would decide it ({self.decides_as})")

    def to_dict(self) -> dict:
        d = {**asdict(self), "id": self.id, "unsure_turns": self.unsure_turns}
        if d["odds_ratio"] is not None and math.isinf(d["odds_ratio"]):
            d["odds_ratio"] = "inf"  # strict JSON has no infinity
        return d


Counts = tuple[int, int, int, int, int, int]


def make_cell(rule: Rule, key: tuple[str, str, str], cnt: Counts, p: float,
              p_adj: float, verdict: str, alpha_cell: float, unsure: tuple[int, int] = (0, 0),
              readings: dict | None = None) -> Cell:
    """One Cell (its verdict decided by `Rule`) with its effect sizes, interval, power and (when
    undecided) items to decide. `alpha_cell`: the cell's level at the multiple test's strictest
    step, for its power figures; `readings`: each reading's b, c and verdict under bounds."""
    suite, context, belief = key
    n11, b, c, n00, rb, rc = cnt
    n = n11 + b + c + n00
    threshold = rule.threshold_for(suite, context, belief)
    lo, hi = paired_diff_ci(n11, b, c, n00, 0.95)
    # Power at the strictest step (alpha x weight): conservative, since the rank is unknown.
    mde = min_detectable_increase(n, (b + c) / (2 * n), alpha_cell, threshold) if n else None
    needed, decides_as = (None, "")
    if verdict == INCONCLUSIVE and readings:
        f, u = readings[FAVOURABLE], readings[UNFAVOURABLE]
        needed, decides_as = items_to_decide(n - f["b"] - f["c"], f["b"], f["c"], 0, threshold,
                                             alpha_cell, rule.alpha,
                                             unfavourable=(u["b"], u["c"]))
    elif verdict == INCONCLUSIVE:
        needed, decides_as = items_to_decide(n11, b, c, n00, threshold, alpha_cell, rule.alpha)
    return Cell(
        suite=suite, context=context, belief=belief, n=n, n11=n11, b=b, c=c, n00=n00,
        base_error=(c + n00) / n if n else 0.0, candidate_error=(b + n00) / n if n else 0.0,
        delta=(b - c) / n if n else 0.0, ci_low=lo, ci_high=hi, pvalue=p, p_adjusted=p_adj,
        threshold_pp=threshold, verdict=verdict, refusals_base=rb, refusals_candidate=rc,
        odds_ratio=odds_ratio(b, c), mde_pp=None if mde is None else mde * 100,
        items_to_decide=needed, decides_as=decides_as, unsure_base=unsure[0],
        unsure_candidate=unsure[1], readings=readings,
    )


@dataclass(frozen=True)
class _Procedure:
    """The closed procedure over one reading of the table: every cell and pooled test."""

    cnts: list[Counts]
    pvalues: list[float]
    adj_cells: np.ndarray
    pooled: list[dict]  # pooled_stats of the suites with 2 or more cells
    adj_pooled: np.ndarray

    def evidence(self, alpha: float) -> tuple[Evidence, Evidence]:
        """The rule's evidence for the cells and for the pooled tests."""
        b, c = (np.array([k[i] for k in self.cnts], dtype=float) for i in (1, 2))
        n = np.array([sum(k[:4]) for k in self.cnts], dtype=float)
        _, upper = tango_bounds(b, c, n, float(norm.ppf(1 - alpha)))
        est = np.where(n > 0, (b - c) / np.maximum(n, 1) * 100, 0.0)
        cells = Evidence(self.adj_cells < alpha, est, upper * 100, n)
        pooled = Evidence(self.adj_pooled < alpha, np.array([s["delta"] * 100 for s in self.pooled]),
                          np.array([s["upper"] * 100 for s in self.pooled]),
                          np.array([s["units"] for s in self.pooled]))
        return cells, pooled


def _procedure(rule: Rule, table: pd.DataFrame, keys: list[tuple[str, str, str]]
               ) -> _Procedure:
    pairs = pair_roles(table)
    groups = {k: g for k, g in pairs.groupby(["suite", "amendment_type", "prompt_template"])}
    cnts = [counts(groups.get(key, pairs.iloc[:0])) for key in keys]
    pvalues = [mcnemar(k[1], k[2], alternative="greater").pvalue for k in cnts]
    suites = list(dict.fromkeys(k[0] for k in keys))
    sizes = [sum(k[0] == s for k in keys) for s in suites]
    stats = [pooled_stats(rule, pairs, s, [k for k in keys if k[0] == s])
             for s, j in zip(suites, sizes, strict=True) if j >= 2]
    adj_pooled, adj_cells = closed_adjusted(np.array([s["pvalue"] for s in stats]),
                                            np.array(pvalues), sizes,
                                            [suites.index(k[0]) for k in keys])
    return _Procedure(cnts, pvalues, adj_cells, stats, adj_pooled)


def unsure_counts(table: pd.DataFrame, keys: list[tuple[str, str, str]]) -> list[tuple[int, int]]:
    """Per cell: answered pairs whose base / candidate reply the scorer was unsure of."""
    if "unsure" not in table or not len(table):
        return [(0, 0)] * len(keys)
    pairs = pair_roles(table.assign(unsure=unsure_mask(table)), ("evaluation", "unsure"))
    pairs = pairs[(pairs.evaluation_base != REFUSAL) & (pairs.evaluation_cand != REFUSAL)]
    per = pairs.groupby(["suite", "amendment_type", "prompt_template"])[
        ["unsure_base", "unsure_cand"]].sum()
    return [tuple(int(x) for x in per.loc[k]) if k in per.index else (0, 0)  # type: ignore[misc]
            for k in keys]


def _readings(procs: dict[str, _Procedure], i: int, pooled: bool, codes: dict) -> dict:
    """Decision i's figures under each reading, for reports and summary.json."""
    out = {}
    for r in READINGS:
        pr = procs[r]
        if pooled:
            st = pr.pooled[i]
            b, c, delta, adj = st["b"], st["c"], st["delta"], float(pr.adj_pooled[i])
        else:
            _, b, c, *_ = pr.cnts[i]
            n = sum(pr.cnts[i][:4])
            delta, adj = (b - c) / n if n else 0.0, float(pr.adj_cells[i])
        out[r] = {"b": b, "c": c, "delta": delta, "p_adjusted": adj,
                  "verdict": NAMES[int(codes[r][i])]}
    return out


def decide_run(rule: Rule, keys: list[tuple[str, str, str]], table: pd.DataFrame
               ) -> tuple[list[Cell], list[Pooled]]:
    """Pair base and candidate per item; decide every cell and every suite's pooled change in
    one closed procedure (weighted Holm, `warmgate.pooled`), family-wise error <= alpha, under
    both readings of the unsure replies (`warmgate.rule`). `keys`: the run's cells."""
    shown = _procedure(rule, table, keys)
    bounded = rule.has_unsure(table)
    procs = {r: _procedure(rule, rule.read(table, r), keys) if bounded else shown
             for r in READINGS}
    thr = np.array([rule.threshold_for(*k) for k in keys])
    ev = {r: procs[r].evidence(rule.alpha) for r in READINGS}
    cell_codes = {r: rule.codes(ev[r][0], thr) for r in READINGS}
    pooled_codes = {r: rule.codes(ev[r][1], np.array([s["threshold_pp"] for s in shown.pooled]))
                    for r in READINGS}
    cell_v = Rule.combine(cell_codes[FAVOURABLE], cell_codes[UNFAVOURABLE])
    pooled_v = Rule.combine(pooled_codes[FAVOURABLE], pooled_codes[UNFAVOURABLE])
    suites = list(dict.fromkeys(k[0] for k in keys))
    _, w_cell = closed_weights([sum(k[0] == s for k in keys) for s in suites])
    unsure = unsure_counts(table, keys)
    cells = [make_cell(rule, key, cnt, p, float(p_adj), NAMES[int(v)],
                       rule.alpha * w_cell[suites.index(key[0])], unsure[i],
                       _readings(procs, i, False, cell_codes) if bounded else None)
             for i, (key, cnt, p, p_adj, v) in enumerate(zip(
                 keys, shown.cnts, shown.pvalues, shown.adj_cells, cell_v, strict=True))]
    pooled = []
    for i, (st, p_adj, v) in enumerate(zip(shown.pooled, shown.adj_pooled, pooled_v, strict=True)):
        mine = [u for k, u in zip(keys, unsure, strict=True) if k[0] == st["suite"]]
        pooled.append(Pooled(p_adjusted=float(p_adj), verdict=NAMES[int(v)],
                             unsure_base=sum(u[0] for u in mine),
                             unsure_candidate=sum(u[1] for u in mine),
                             readings=_readings(procs, i, True, pooled_codes) if bounded else None,
                             **{k: val for k, val in st.items() if k != "upper"}))
    return cells, pooled


def decide(rule: Rule, keys: list[tuple[str, str, str]], table: pd.DataFrame) -> list[Cell]:
    """Every cell's decision, in the closed procedure with the pooled tests (`decide_run`)."""
    return decide_run(rule, keys, table)[0]
