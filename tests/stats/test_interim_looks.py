"""Early stopping's statistics (warmgate/stats/interim_looks.py): e-values, anytime p-values,
sequential looks."""

import numpy as np
import pytest
from scipy.stats import binom

from warmgate.stats import (
    CONTINUE,
    STOP_FAIL,
    STOP_PASS,
    anytime_pvalue,
    log_e_value,
    sequential_look,
)


@pytest.mark.parametrize("b,c", [(0, 0), (3, 1), (10, 12), (40, 2)])
def test_e_value_is_a_fair_martingale_under_the_null(b, c):
    e = np.exp(log_e_value(np.array(b), np.array(c)))
    up = np.exp(log_e_value(np.array(b + 1), np.array(c)))
    down = np.exp(log_e_value(np.array(b), np.array(c + 1)))
    assert 0.5 * up + 0.5 * down == pytest.approx(e, rel=1e-9)
    assert float(anytime_pvalue(np.array(0), np.array(0))) == 1.0


def test_anytime_pvalues_control_error_over_every_look():
    rng = np.random.default_rng(1)
    runs, steps = 2000, 200
    x = rng.integers(0, 2, size=(runs, steps))  # discordant pairs under the null
    b = np.cumsum(x, axis=1)
    c = np.arange(1, steps + 1) - b
    p_min = anytime_pvalue(b, c).min(axis=1)
    assert np.mean(p_min <= 0.05) <= 0.05
    # the fixed-n exact test peeked at every step would not be
    p_peek = binom.sf(b - 1, b + c, 0.5).min(axis=1)
    assert np.mean(p_peek <= 0.05) > 0.1


def test_sequential_look_stops_a_clear_regression_and_a_clear_pass():
    b = np.array([40, 1, 6])
    c = np.array([2, 1, 5])
    n = np.array([200, 2000, 100])
    state = np.full(3, CONTINUE)
    p, state = sequential_look(b, c, n, np.ones(3), state, np.full(3, 5.0), 0.05, looks=4)
    assert list(state) == [STOP_FAIL, STOP_PASS, CONTINUE]
    assert p[0] < 0.05 / 3
    # a stopped cell keeps its state and p-value whatever later counts say
    p2, state2 = sequential_look(np.array([0, 500, 6]), np.array([40, 0, 5]), n, p, state,
                                 np.full(3, 5.0), 0.05, looks=4)
    assert list(state2[:2]) == [STOP_FAIL, STOP_PASS] and p2[0] == p[0]
