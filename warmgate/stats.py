"""Paired statistics for the gate: exact McNemar, paired-difference intervals, corrections.

b = items the base got right and the candidate got wrong (newly wrong); c = the reverse.
The change in error rate is (b - c) / n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import binomtest, norm


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
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"unknown alternative {alternative!r}")
    if b + c == 0:
        return McNemarResult(b, c, 1.0, alternative)
    p = binomtest(b, b + c, 0.5, alternative=alternative).pvalue
    return McNemarResult(b, c, min(1.0, float(p)), alternative)


def _wilson(x: int, n: int, z: float) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_diff_ci(
    n11: int, b: int, c: int, n00: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for the paired difference (b - c) / n.

    n11: both right, n00: both wrong. The difference is candidate error minus base error.
    Unlike the Wald interval it stays inside [-1, 1] and is sensible at zero counts.
    """
    n = n11 + b + c + n00
    if n == 0:
        return -1.0, 1.0
    z = norm.ppf(1 - (1 - confidence) / 2)
    # error rates: candidate wrong = b + n00, base wrong = c + n00
    p1, p2 = (b + n00) / n, (c + n00) / n
    l1, u1 = _wilson(b + n00, n, z)
    l2, u2 = _wilson(c + n00, n, z)
    # correlation term (phi) for the paired design, 0 when undefined
    a_, d_ = n11, n00
    denom = math.sqrt((a_ + b) * (c + d_) * (a_ + c) * (b + d_))
    phi = (a_ * d_ - b * c) / denom if denom > 0 else 0.0
    diff = p1 - p2
    dl = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    du = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return max(-1.0, diff - dl), min(1.0, diff + du)


def holm(pvalues: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (family-wise error control)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


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
