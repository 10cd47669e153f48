"""Multiplicity: Holm (plain and weighted, for many runs at once) and Benjamini-Hochberg."""

from __future__ import annotations

import numpy as np


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
