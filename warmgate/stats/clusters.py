"""Items as clusters: the paired sign-flip test on item sums and a cluster-robust interval
(the warmth gap's difference in differences and the pooled decision use them)."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as t_dist


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
