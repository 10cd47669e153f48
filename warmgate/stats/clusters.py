"""Items as clusters: the exact sign-flip test on integer item sums and a cluster-robust
interval (the pooled decision and the warmth gap's difference in differences use them).

The test: if an item's two sides are exchangeable, swapping them flips the sign of its sum D_i
and nothing else, and items are independent; so given |D_1|, ..., |D_n| the null distribution
of S = sum_i D_i is that of sum_i e_i |D_i| with fair random signs e_i. It is computed exactly
(`signflip_pvalue`, a product of cosines inverted by FFT), not sampled.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as t_dist


def abs_histogram(item_sums: np.ndarray, top: int | None = None) -> np.ndarray:
    """Counts of items with |D_i| = 0, 1, ..., top along the last axis (the test's condition)."""
    a = np.abs(np.asarray(item_sums, dtype=np.int64))
    top = int(a.max(initial=0)) if top is None else top
    return (a[..., None] == np.arange(top + 1)).sum(axis=-2)


def signflip_pvalue(hist: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Exact one-sided p-value P(sum_i e_i |D_i| >= s) under fair random signs e_i.

    hist: counts of items per |D| = 0..K on the last axis (leading axes: independent runs);
    s: the observed sum of D_i. The sum's characteristic function at the N-th roots of unity is
    prod_k cos(2 pi f k / N)^hist_k, real and even; N > 2 max |sum| so nothing aliases, and its
    inverse FFT is the distribution itself. Floored at 2^-(items with D_i != 0), the probability
    of the observed signs, so rounding never reports an impossible zero.
    """
    hist = np.asarray(hist, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    k = np.arange(hist.shape[-1])
    top = (hist * k).sum(axis=-1)
    t_max = int(top.max(initial=0))
    size = 1 << int(np.ceil(np.log2(2 * t_max + 2)))
    angle = 2 * np.pi * np.arange(size)[:, None] * k / size  # (N, K)
    # log |cos| summed with the sign kept apart: powers of many cosines underflow gracefully
    cos = np.cos(angle)
    logabs = np.log(np.maximum(np.abs(cos), 1e-300)) @ hist[..., None].astype(float)
    negative = (cos < 0).astype(np.int64) @ hist[..., None] % 2
    phi = np.where(negative[..., 0] == 1, -1.0, 1.0) * np.exp(logabs[..., 0])
    pmf = np.fft.ifft(phi, axis=-1).real  # P(S = t mod N), by symmetry of S
    t = np.arange(-t_max, t_max + 1)
    tail = np.cumsum(pmf[..., t % size][..., ::-1], axis=-1)[..., ::-1]  # P(S >= t)
    idx = np.clip(s + t_max, 0, 2 * t_max)
    p = np.take_along_axis(tail, idx[..., None], axis=-1)[..., 0]
    p = np.where(s <= -top, 1.0, np.where(s > top, 0.0, p))
    floor = 0.5 ** (hist[..., 1:].sum(axis=-1))
    return np.clip(np.where(s > top, 0.0, np.maximum(p, floor)), 0.0, 1.0)


def item_sums_pvalue(item_sums: np.ndarray) -> float:
    """Exact one-sided p-value that the integer item sums D_i lean positive (`signflip_pvalue`
    on their own histogram and total); 1 when there are none."""
    d = np.asarray(item_sums, dtype=float)
    whole = np.rint(d)
    if not np.array_equal(d, whole):
        raise ValueError("the exact sign-flip test needs integer item sums")
    d = whole.astype(np.int64)
    return float(signflip_pvalue(abs_histogram(d), np.array(int(d.sum()))))


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
