"""The pooled decision: all of a suite's framings at once, items as clusters, tested in one
closed procedure with the cells.

Why: a warm fine-tune often degrades a little in every framing rather than a lot in one; the
per-cell rule spends its alpha cell by cell and misses that.

The statistic. For item i and cell (framing) j of a suite, d_ij = +1 when the base was right and
the candidate wrong, -1 for the reverse, 0 otherwise; D_i = sum_j d_ij. S = sum_i D_i = the sum
of the cells' b - c, so S / (item-cells) is the pooled change in error rate: the mean of the
cells' changes, weighted by their sizes.

The test: an exact clustered sign-flip test (a stratified McNemar). If base and candidate are
exchangeable on each item (one model up to noise: the false alarm the gate guards against),
swapping their answers on one item in all its framings at once flips the sign of D_i and
nothing else, and items are independent; so given |D_1|, ..., |D_n| the null distribution of S
is that of sum_i e_i |D_i| with fair random signs e_i, however strongly an item's framings are
correlated. It is computed exactly (a product of cosines inverted by FFT), not sampled, and with
a single framing it is the exact one-sided McNemar test. When the candidate is better, the test
is conservative. (`warmgate.stats.clusters.signflip_pvalue`, which the warmth gap uses too.)

The interval: cluster-robust (CR1, t with items - 1 df) on the item sums, the estimator of the
warmth signature (`warmgate.stats.cluster_mean_ci`).

The closed procedure (weighted Holm, Holm 1979). The family holds every cell's null ("the
candidate is no worse in this framing") and every suite's pooled null ("no worse on average over
its framings"), implied by its cells' nulls. Each hypothesis has a weight: a suite's share of
alpha is in proportion to its cells; POOLED_SHARE of it goes to its pooled test and the rest is
split evenly over its cells (a suite with one cell has no pooled test). Holm's step-down on
p / w then rejects, and every rejection passes its alpha on to all hypotheses still standing.
Weighted Holm is the shortcut of the closed procedure whose local test of each intersection of
hypotheses is a weighted Bonferroni test, so the family-wise error (any FAIL of a cell or of a
pooled decision whose null is true) is at most alpha under any dependence between the tests:
the pooled and cell p-values share items, and nothing here assumes otherwise. The price: at its
first step a cell is tested at alpha (1 - POOLED_SHARE) / cells instead of alpha / cells; the gain:
the pooled test starts at POOLED_SHARE x alpha x (its suite's share), a framing count times a cell's level.
Under `unsure = "bound"` the procedure runs once under each extreme reading of the unsure
replies (`warmgate.rule`): the sign-flip p-value does not decrease as any item sum falls, so a
FAIL under the reading favourable to the candidate is a FAIL under the true one, and the bound
keeps the family-wise error at most alpha.
As for cells, a pooled decision FAILs when it is rejected and its estimate exceeds its threshold,
the size-weighted mean of its cells' thresholds (every framing within its threshold keeps the
mean within their mean), and PASSes when its one-sided (1 - alpha) upper bound is below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from warmgate.pairing import error_change
from warmgate.rule import Rule, UnsureReadings
from warmgate.stats.clusters import cluster_mean_ci, item_sums_pvalue
from warmgate.stats.multiplicity import holm_array

#: The share of a suite's alpha spent on its pooled test at the procedure's first step.
POOLED_SHARE = 0.5


def closed_weights(cells_per_suite: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Weights (summing to 1) of each suite's pooled test (0 when it has fewer than 2 cells)
    and of one cell of each suite, for `warmgate.stats.holm_array(p, weights)`."""
    j = np.asarray(cells_per_suite, dtype=float)
    total = j.sum()
    if total <= 0:
        return np.zeros_like(j), np.zeros_like(j)
    share = np.where(j >= 2, POOLED_SHARE, 0.0)
    return share * j / total, (1 - share) / total


def closed_adjusted(p_pooled: np.ndarray, p_cells: np.ndarray, cells_per_suite: Sequence[int],
                    suite_of_cell: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values of the closed procedure (weighted Holm) for the pooled tests of the
    suites with 2 or more cells (in suite order) and the cells (last axes; leading axes: runs).

    A hypothesis is rejected at alpha when its adjusted p-value is below alpha; it FAILs when
    its estimate is also above its threshold. The gate and the benchmarks both decide here."""
    w_pooled, w_cell = closed_weights(cells_per_suite)
    has_pooled = np.asarray(cells_per_suite) >= 2
    weights = np.concatenate([w_pooled[has_pooled], w_cell[np.asarray(suite_of_cell, int)]])
    p = np.concatenate([np.asarray(p_pooled, dtype=float), np.asarray(p_cells, dtype=float)],
                       axis=-1)
    adjusted = holm_array(p, weights)
    k = int(has_pooled.sum())
    return adjusted[..., :k], adjusted[..., k:]


@dataclass(frozen=True)
class Pooled(UnsureReadings):
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
    unsure_base: int = 0
    unsure_candidate: int = 0
    readings: dict | None = None

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
                f"clustered sign-flip p={self.pvalue:.3g}, adjusted {self.p_adjusted:.3g}"
                f"{self.unsure_note()})")

    def to_dict(self) -> dict:
        return {**asdict(self), "id": self.id, "line": self.line(),
                "unsure_turns": self.unsure_turns}


def pooled_stats(rule: Rule, pairs: pd.DataFrame, suite: str,
                  keys: list[tuple[str, str, str]]) -> dict:
    """Item sums D_i over the suite's cells in this run, and the test, interval, threshold and
    one-sided (1 - alpha) upper bound."""
    cells = {(k[1], k[2]) for k in keys}
    sel = error_change(pairs[pairs.suite == suite])
    sel = sel[[(a, b) in cells for a, b in zip(sel.amendment_type, sel.prompt_template,
                                                 strict=True)]]
    per_item = sel.groupby("item_id").d.agg(["sum", "size"])
    d_sum, size = per_item["sum"].to_numpy(), per_item["size"].to_numpy()
    units = int(size.sum())
    per_cell = sel.groupby(["amendment_type", "prompt_template"]).size()
    thr = [rule.threshold_for(suite, *k) for k in per_cell.index]
    threshold = (float(np.dot(per_cell.to_numpy(), thr)) / units if units else
                 float(np.mean([rule.threshold_for(*k) for k in keys])))
    est, lo, hi = cluster_mean_ci(d_sum, size, 0.95)
    _, _, upper = cluster_mean_ci(d_sum, size, 1 - 2 * rule.alpha)
    p = item_sums_pvalue(d_sum) if units else 1.0
    return {"suite": suite, "framings": len(keys), "items": int(len(d_sum)), "units": units,
            "b": int((sel.d == 1).sum()), "c": int((sel.d == -1).sum()),
            "delta": est if units else 0.0, "ci_low": max(-1.0, lo), "ci_high": min(1.0, hi),
            "pvalue": p, "threshold_pp": threshold, "upper": upper}
