"""Power and sample size: how likely a cell FAILs, the smallest rise it detects, and how many
items a cell needs to be decided at its observed rates (the verdict is `warmgate.rule.Rule`'s)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.stats import binom, norm

from warmgate.rule import NAMES, Evidence, Rule
from warmgate.stats.cells import mcnemar_greater_array, tango_bounds


def fail_power(
    n: int, flip_rate: float, increase: float, alpha: float, threshold_pp: float = 0.0
) -> float:
    """Exact probability that a cell FAILs: one-sided exact McNemar at `alpha` and the estimate
    above the threshold, when each item flips right->wrong with probability flip_rate + increase
    and wrong->right with probability flip_rate (the noise both models share)."""
    pb, pc = flip_rate + increase, flip_rate
    if n <= 0 or pb <= 0:
        return 0.0
    if pb + pc > 1 or pc < 0:
        raise ValueError("flip rates must be probabilities summing to at most 1")
    d, k = _fail_boundary(n, alpha, threshold_pp)
    p_dir = pb / (pb + pc)
    return float(np.sum(binom.pmf(d, n, pb + pc) * binom.sf(k - 1, d, p_dir)))


@lru_cache(maxsize=256)
def _fail_boundary(n: int, alpha: float, threshold_pp: float) -> tuple[np.ndarray, np.ndarray]:
    """Per number of discordant pairs d = 0..n, the smallest b that FAILs."""
    d = np.arange(n + 1)
    # smallest b with P(Bin(d, 1/2) >= b) <= alpha
    k_sig = binom.isf(alpha, d, 0.5) + 1
    k_sig = np.where(binom.sf(k_sig - 2, d, 0.5) <= alpha, k_sig - 1, k_sig)  # guard rounding
    # (b - c) / n * 100 > threshold  <=>  b > (d + n * threshold / 100) / 2
    k_thr = np.floor((d + n * threshold_pp / 100) / 2) + 1
    return d, np.maximum(k_sig, k_thr)


def min_detectable_increase(
    n: int, flip_rate: float, alpha: float, threshold_pp: float = 0.0, power: float = 0.8
) -> float | None:
    """Smallest rise in error rate (a fraction) that FAILs with the given power; None if none."""
    top = 1.0 - 2 * flip_rate
    if n <= 0 or top <= 0 or fail_power(n, flip_rate, top, alpha, threshold_pp) < power:
        return None
    lo, hi = 0.0, top
    for _ in range(18):  # to about 0.0004 pp
        mid = (lo + hi) / 2
        if fail_power(n, flip_rate, mid, alpha, threshold_pp) >= power:
            hi = mid
        else:
            lo = mid
    return hi


def _projected_verdicts(
    rates: list[tuple[float, float]], sizes: np.ndarray, threshold_pp: float, alpha: float,
    z: float,
) -> np.ndarray:
    """Per size: "FAIL", "PASS" or "" at the rates (b/n, c/n) of each reading, counts rounded."""
    ev = []
    for rate_b, rate_c in rates:
        b, c = np.round(rate_b * sizes), np.round(rate_c * sizes)
        p = mcnemar_greater_array(b.astype(np.int64), c.astype(np.int64))
        _, upper = tango_bounds(b, c, sizes, z)
        ev.append(Evidence(p < alpha, (b - c) / sizes * 100, upper * 100, sizes))
    codes = Rule().decide(ev[0], ev[1] if len(ev) > 1 else None, threshold_pp)
    return np.array([NAMES[int(k)] if k else "" for k in codes.ravel()]).reshape(codes.shape)


def items_to_decide(
    n11: int, b: int, c: int, n00: int, threshold_pp: float, alpha: float,
    confidence_alpha: float | None = None, limit: int = 10_000_000,
    unfavourable: tuple[int, int] | None = None,
) -> tuple[int | None, str]:
    """Items a cell needs, at its observed rates of newly wrong and newly right, to be decided:
    the smallest n at which b/n and c/n projected give FAIL (exact test at `alpha`, estimate
    above threshold) or PASS (Tango bound at 1 - confidence_alpha below it), with which; (None,
    "") when no size up to `limit` does. With `unfavourable` (b, c under the unfavourable
    reading; b, c the favourable one's) the rule's bounds decide each size: a cell that only its
    unsure readings hold undecided is decided by no number of items. Sizes are tried in vectors:
    n doubled up to `limit`, then a 64-point grid narrowing on the first decided size."""
    n = n11 + b + c + n00
    if n == 0:
        return None, ""
    z = float(norm.ppf(1 - (alpha if confidence_alpha is None else confidence_alpha)))
    rates = [(b / n, c / n)] + ([] if unfavourable is None else
                                [(unfavourable[0] / n, unfavourable[1] / n)])
    doubled = n * 2 ** np.arange(max(1, math.floor(math.log2(max(limit / n, 1))) + 1))
    v = _projected_verdicts(rates, doubled, threshold_pp, alpha, z)
    if not v.any():
        return None, ""
    k = int(np.argmax(v != ""))
    if k == 0:
        return n, str(v[0])
    low, high, verdict = int(doubled[k - 1]), int(doubled[k]), str(v[k])
    while high - low > 1:
        grid = np.unique(np.linspace(low, high, 66).round().astype(np.int64))[1:-1]
        v = _projected_verdicts(rates, grid.astype(float), threshold_pp, alpha, z)
        if not v.any():
            low = int(grid[-1])
            continue
        i = int(np.argmax(v != ""))
        high, verdict = int(grid[i]), str(v[i])
        low = int(grid[i - 1]) if i else low
    return high, verdict
