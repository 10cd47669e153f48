"""Interim looks (early stopping): anytime-valid e-values and one look over every cell.

The decision that uses them, over a run's table, is `warmgate.sequential`; here are the pure
functions of counts that it and the simulation benchmark share.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import betaln
from scipy.stats import beta as beta_dist
from scipy.stats import norm

from warmgate.rule import Evidence, Rule
from warmgate.stats.cells import mcnemar_greater_array, tango_bounds
from warmgate.stats.multiplicity import holm_array


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
