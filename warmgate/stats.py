"""Paired statistics for the gate: exact McNemar, Tango's interval, corrections, power, looks.

b = items the base got right and the candidate got wrong (newly wrong); c = the reverse.
The change in error rate is (b - c) / n. Everything here is a pure function of counts, so the
gate, the reports, pytest and the simulation benchmark all share one implementation; the
array functions broadcast over leading axes so that the benchmark can run 10,000 gates at once.
The verdict itself (FAIL / PASS / INCONCLUSIVE, and bounds over unsure readings) is
`warmgate.rule.Rule`'s: the projection and the interim looks here call it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import betaln
from scipy.stats import beta as beta_dist
from scipy.stats import binom, binomtest, norm
from scipy.stats import t as t_dist

from warmgate.rule import NAMES, Evidence, Rule

ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class McNemarResult:
    """Exact McNemar test on the discordant counts."""

    b: int
    c: int
    pvalue: float
    alternative: str


def mcnemar(b: int, c: int, alternative: str = "two-sided") -> McNemarResult:
    """Exact McNemar test: binomial on b out of b + c at 1/2.

    alternative "greater": the candidate is worse (more newly wrong than newly right).
    """
    if b < 0 or c < 0:
        raise ValueError("b and c must be non-negative counts")
    if alternative not in ALTERNATIVES:
        raise ValueError(f"unknown alternative {alternative!r}")
    if b + c == 0:
        return McNemarResult(b, c, 1.0, alternative)
    p = binomtest(b, b + c, 0.5, alternative=alternative).pvalue
    return McNemarResult(b, c, min(1.0, float(p)), alternative)


def mcnemar_greater_array(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """One-sided exact McNemar p-values for arrays of counts: P(Bin(b + c, 1/2) >= b)."""
    b, c = np.asarray(b), np.asarray(c)
    if b.size > 4096:  # many repeated pairs: compute each distinct (b, c) once
        uniq, inverse = np.unique(np.stack([b.ravel(), c.ravel()], 1), axis=0,
                                  return_inverse=True)
        p = np.where(uniq.sum(1) > 0, binom.sf(uniq[:, 0] - 1, uniq.sum(1), 0.5), 1.0)
        return p[inverse.ravel()].reshape(b.shape)
    return np.where(b + c > 0, binom.sf(b - 1, b + c, 0.5), 1.0)


def odds_ratio(b: int, c: int) -> float | None:
    """The study's McNemar odds ratio b / c: inf when only b > 0, None when b = c = 0."""
    if b == 0 and c == 0:
        return None
    return math.inf if c == 0 else b / c


# --- Tango's score interval for the paired difference -------------------------------------


def _tango_statistic(b: np.ndarray, c: np.ndarray, n: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Tango's (1998) score statistic for H0: (p_b - p_c) = delta, decreasing in delta."""
    a2 = 2 * n
    bb = -b - c + (2 * n - b + c) * delta
    cc = -c * delta * (1 - delta)
    # constrained MLE of the probability of the c cell under H0
    q = (np.sqrt(np.maximum(bb * bb - 4 * a2 * cc, 0.0)) - bb) / (2 * a2)
    var = n * (2 * q + delta * (1 - delta))
    num = b - c - n * delta
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / np.sqrt(var)
    # var = 0 only where num = 0 too (delta at the estimate with no discordance) or at +-1
    return np.where(var > 0, out, np.where(num > 0, np.inf, np.where(num < 0, -np.inf, 0.0)))


def tango_bounds(
    b: np.ndarray, c: np.ndarray, n: np.ndarray, z: float, iters: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits {delta: |T(delta)| <= z} by vectorised bisection; each distinct
    (b, c, n) of a large integer array (the benchmark's 720,000 cells per look) solved once."""
    b, c, n = (np.asarray(x, dtype=float) for x in np.broadcast_arrays(b, c, n))
    if b.size > 4096 and all(np.all(x == np.round(x)) for x in (b, c, n)):
        keys = np.stack([b.ravel(), c.ravel(), n.ravel()], axis=1)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        lo, hi = _tango_solve(uniq[:, 0], uniq[:, 1], uniq[:, 2], z, iters)
        inverse = inverse.ravel()
        return lo[inverse].reshape(b.shape), hi[inverse].reshape(b.shape)
    return _tango_solve(b, c, n, z, iters)


def _tango_solve(
    b: np.ndarray, c: np.ndarray, n: np.ndarray, z: float, iters: int
) -> tuple[np.ndarray, np.ndarray]:
    safe_n = np.where(n > 0, n, 1.0)
    est = (b - c) / safe_n
    # upper: T(delta) = -z on [est, 1]; lower: T(delta) = z on [-1, est]
    lo_u, hi_u = est.copy(), np.ones_like(est)
    lo_l, hi_l = -np.ones_like(est), est.copy()
    for _ in range(iters):
        mid = (lo_u + hi_u) / 2
        above = _tango_statistic(b, c, safe_n, mid) > -z
        lo_u, hi_u = np.where(above, mid, lo_u), np.where(above, hi_u, mid)
        mid = (lo_l + hi_l) / 2
        above = _tango_statistic(b, c, safe_n, mid) > z
        lo_l, hi_l = np.where(above, mid, lo_l), np.where(above, hi_l, mid)
    lower = np.where(n > 0, hi_l, -1.0)
    upper = np.where(n > 0, lo_u, 1.0)
    # bisection brackets each root to 2^-50; report the side that keeps the estimate inside
    return np.minimum(lower, est), np.maximum(upper, est)


def paired_diff_ci(
    n11: int, b: int, c: int, n00: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Tango's score interval for the paired difference (b - c) / n (candidate minus base error).

    n11: both right, n00: both wrong. A score interval: it stays inside [-1, 1], keeps its
    coverage at small counts and, unlike Wald or Newcombe's hybrid, does not collapse to a point
    when there is no discordant pair (b = c = 0 gives +-z^2 / (n + z^2)).
    """
    if min(n11, b, c, n00) < 0:
        raise ValueError("counts must be non-negative")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    n = n11 + b + c + n00
    if n == 0:
        return -1.0, 1.0
    return tango_scalar(b, c, n, float(norm.ppf(1 - (1 - confidence) / 2)))


def tango_scalar(b: int, c: int, n: int, z: float, iters: int = 50) -> tuple[float, float]:
    """Tango's interval for one cell as plain floats (the same bisection as `tango_bounds`)."""
    lo, hi = _tango_solve(*(np.asarray(x, dtype=float) for x in (b, c, n)), z, iters)
    return float(lo), float(hi)


# --- multiplicity --------------------------------------------------------------------------


def holm(pvalues: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (family-wise error control)."""
    return [float(x) for x in holm_array(np.asarray(pvalues, dtype=float))] if pvalues else []


def bh(pvalues: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i], reverse=True)
    adjusted = [0.0] * m
    running = 1.0
    for rank, i in enumerate(order):
        running = min(running, pvalues[i] * m / (m - rank))
        adjusted[i] = running
    return adjusted


def holm_array(p: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Holm adjusted p-values along the last axis, for many runs at once. With `weights` (one
    per hypothesis), weighted Holm: the step-down on p / w, each rejection's weight passed on
    to all hypotheses still standing (`warmgate.pooled` explains the gate's weights)."""
    p = np.asarray(p, dtype=float)
    m = p.shape[-1]
    w = np.full(m, 1.0) if weights is None else np.asarray(weights, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(w > 0, p / w, np.inf) * w.sum()
    order = np.argsort(ratio, axis=-1, kind="stable")
    standing = np.cumsum(w[order][..., ::-1], axis=-1)[..., ::-1] / w.sum()
    ps = np.take_along_axis(ratio, order, axis=-1)
    adj = np.maximum.accumulate(np.minimum(1.0, ps * standing), axis=-1)
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=-1)
    return out


# --- power ---------------------------------------------------------------------------------


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


# --- sequential looks ----------------------------------------------------------------------


def log_e_value(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Log of an anytime-valid e-value against 'the candidate is no worse' (P(newly wrong) <= 1/2
    among discordant pairs): the likelihood ratio mixed over theta ~ Uniform(1/2, 1).

    E = 2^(d+1) B(b+1, c+1) P(Beta(b+1, c+1) > 1/2) is a supermartingale under the null, so by
    Ville's inequality min(1, 1 / max over looks of E) is a p-value valid at any stopping time.
    """
    b, c = np.asarray(b, dtype=float), np.asarray(c, dtype=float)
    return (b + c + 1) * math.log(2) + betaln(b + 1, c + 1) + beta_dist.logsf(0.5, b + 1, c + 1)


def anytime_pvalue(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """min(1, 1/E) at the current counts; keep the running minimum over looks."""
    return np.minimum(1.0, np.exp(-log_e_value(b, c)))


CONTINUE, STOP_FAIL, STOP_PASS = 0, 1, 2  # the rule's codes: undecided, FAIL, PASS


def sequential_look(
    b: np.ndarray, c: np.ndarray, n: np.ndarray, p_running: np.ndarray, state: np.ndarray,
    thresholds_pp: np.ndarray, alpha: float, looks: int, anytime: bool = False,
    bounded: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """One interim look over every cell (last axis = cells; leading axes = independent runs).

    b, c, n: cumulative counts of cells still running (ignored where state != CONTINUE);
    p_running: each cell's sequential p-value so far (start at 1); state: CONTINUE / STOP_FAIL /
    STOP_PASS. The sequential p-value is `looks` x the smallest exact one-sided McNemar p so far
    (alpha spent evenly over the planned looks), or with anytime=True the running minimum of the
    anytime-valid p-value. A cell stops as FAIL when Holm over all cells' sequential p-values
    rejects it and its estimate exceeds its threshold (rejections only grow as p-values fall:
    family-wise error <= alpha over the sequence), as PASS when its Tango bound at one-sided
    level alpha / looks is below its threshold. bounded=True: b, c and p_running hold readings
    on axis -2 (favourable, unfavourable, then any riding along for display), and a cell stops
    only once `Rule` settles it under both. Returns the new (p_running, state)."""
    b, c, n = (np.asarray(x, dtype=float) for x in (b, c, n))
    live = state == CONTINUE
    thr = np.asarray(thresholds_pp, dtype=float)
    live_r, n_r = (live[..., None, :], n[..., None, :]) if bounded else (live, n)
    thr = np.expand_dims(thr, -2) if bounded else thr
    if anytime:
        p_now = anytime_pvalue(b, c)
    else:
        p_now = np.minimum(1.0, looks * mcnemar_greater_array(b.astype(np.int64),
                                                              c.astype(np.int64)))
    p_running = np.where(live_r, np.minimum(p_running, p_now), p_running)
    safe_n = np.where(n_r > 0, n_r, 1.0)
    _, upper = tango_bounds(b, c, np.broadcast_to(n_r, b.shape), float(norm.ppf(1 - alpha / looks)))
    ev = Evidence(holm_array(p_running) < alpha, np.where(n_r > 0, (b - c) / safe_n * 100, 0.0),
                  upper * 100, n_r)
    codes = Rule().codes(ev, thr)
    codes = Rule.combine(codes[..., 0, :], codes[..., 1, :]) if bounded else codes
    state = np.where(live & (codes != CONTINUE), codes, state)
    return p_running, state


# --- the study's signature: difference in differences with items as clusters ---------------


def sign_flip_pvalue(cluster_sums: np.ndarray, draws: int = 20000, seed: int = 0) -> float:
    """One-sided paired randomisation test that the mean of cluster sums exceeds 0.

    Under 'no interaction' swapping an item's two contexts flips the sign of its sum; exact
    enumeration up to 16 non-zero clusters, else Monte Carlo with the (hits + 1) / (draws + 1)
    correction, which keeps the test valid.
    """
    s = np.asarray(cluster_sums, dtype=float)
    s = s[s != 0]
    if s.size == 0:
        return 1.0
    observed = s.sum()
    if s.size <= 16:
        signs = 1 - 2 * ((np.arange(2 ** s.size)[:, None] >> np.arange(s.size)) & 1)
        totals = signs @ s
        return float(np.mean(totals >= observed - 1e-9))
    rng = np.random.default_rng(seed)
    hits = 0
    for start in range(0, draws, 2000):
        k = min(2000, draws - start)
        keep = (rng.random((k, s.size), dtype=np.float32) < 0.5).astype(np.float32)
        totals = 2 * (keep @ s.astype(np.float32)) - s.sum()  # signs +1 where kept, else -1
        hits += int(np.sum(totals >= observed - 1e-6))
    return (hits + 1) / (draws + 1)


def cluster_mean_ci(
    cluster_sums: np.ndarray, cluster_sizes: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean per unit and a cluster-robust (CR1, t with G - 1 df) interval for it.

    One pseudo-discordant unit each way is added to the residual sum of squares, so that a
    table with no flips at all still shows the uncertainty its size implies (about the rule of
    three) instead of a zero-width interval.
    """
    s = np.asarray(cluster_sums, dtype=float)
    m = np.asarray(cluster_sizes, dtype=float)
    g, units = s.size, m.sum()
    if g == 0 or units == 0:
        return 0.0, -2.0, 2.0
    est = s.sum() / units
    rss = np.sum((s - est * m) ** 2) + 2.0
    var = rss / units**2 * (g / max(g - 1, 1))
    q = float(t_dist.ppf(1 - (1 - confidence) / 2, max(g - 1, 1)))
    half = q * math.sqrt(var)
    return float(est), max(-2.0, est - half), min(2.0, est + half)
