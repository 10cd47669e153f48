"""A cell's statistics (warmgate/stats/cells.py): exact McNemar, odds ratio, Tango's interval,
at the edges and as properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from warmgate.decide import FAIL, PASS
from warmgate.stats import (
    items_to_decide,
    mcnemar,
    odds_ratio,
    paired_diff_ci,
    tango_bounds,
)


def test_exact_mcnemar_matches_the_binomial():
    # b=8, c=2: P(X >= 8 | n=10, 1/2) = 56/1024
    assert mcnemar(8, 2, "greater").pvalue == pytest.approx(56 / 1024)
    assert mcnemar(8, 2).pvalue == pytest.approx(2 * 56 / 1024)
    assert mcnemar(0, 0, "greater").pvalue == 1.0


def test_interval_covers_the_estimate_and_stays_in_range():
    lo, hi = paired_diff_ci(40, 10, 2, 48)
    assert lo < 0.08 < hi
    assert paired_diff_ci(0, 0, 0, 0) == (-1.0, 1.0)


def test_zero_discordant_pairs_give_p_one_and_a_real_interval():
    assert mcnemar(0, 0).pvalue == 1.0 and mcnemar(0, 0, "greater").pvalue == 1.0
    assert odds_ratio(0, 0) is None
    lo, hi = paired_diff_ci(60, 0, 0, 40, 0.95)
    z2 = norm.ppf(0.975) ** 2
    # Tango's interval at b = c = 0 is +-z^2 / (n + z^2): not a point, as Newcombe's was
    assert lo < 0 < hi
    assert hi == pytest.approx(z2 / (100 + z2), rel=1e-3) and lo == pytest.approx(-hi)


def test_all_pairs_discordant():
    assert mcnemar(10, 0, "greater").pvalue == pytest.approx(2 ** -10)
    assert mcnemar(0, 10, "greater").pvalue == 1.0
    assert odds_ratio(10, 0) == math.inf
    lo, hi = paired_diff_ci(0, 10, 0, 0)
    assert hi == 1.0 and lo == pytest.approx(0.4449, abs=1e-4)  # sqrt(10 (1-d)/(1+d)) = z
    lo, hi = paired_diff_ci(0, 0, 10, 0)
    assert lo == -1.0 and hi == pytest.approx(-0.4449, abs=1e-4)
    lo, hi = paired_diff_ci(0, 5, 5, 0)
    assert lo < 0 < hi and lo == pytest.approx(-hi)


@pytest.mark.parametrize("counts", [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)])
def test_a_single_item(counts):
    n11, b, c, n00 = counts
    lo, hi = paired_diff_ci(n11, b, c, n00)
    assert -1.0 <= lo <= b - c <= hi <= 1.0
    assert hi - lo > 0.5  # one item says almost nothing
    assert mcnemar(b, c, "greater").pvalue >= 0.5
    needed, verdict = items_to_decide(n11, b, c, n00, 5.0, 0.05)
    if b == 1:
        assert verdict == FAIL and needed is not None and needed > 1
    if c == 1:
        assert verdict == PASS and needed is not None and needed > 1


def test_huge_n_stays_exact_and_fast():
    n11, b, c, n00 = 8_000_000, 1_020_000, 980_000, 1_000_000
    p = mcnemar(b, c, "greater").pvalue
    assert 0 < p < 1e-15
    lo, hi = paired_diff_ci(n11, b, c, n00)
    est = (b - c) / (n11 + b + c + n00)
    assert lo < est < hi and hi - lo < 0.001
    assert odds_ratio(b, c) == pytest.approx(1020 / 980)
    # a tiny true difference: huge n decides it
    assert items_to_decide(n11, b, c, n00, 0.0, 0.05 / 72) == (11_000_000, FAIL)


def test_bad_counts_are_rejected():
    with pytest.raises(ValueError):
        mcnemar(-1, 2)
    with pytest.raises(ValueError):
        mcnemar(1, 2, "bigger")
    with pytest.raises(ValueError):
        paired_diff_ci(1, -1, 0, 0)


counts = st.tuples(*[st.integers(0, 60)] * 4).filter(lambda t: sum(t) > 0)


@settings(max_examples=60, deadline=None)
@given(counts, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_interval_contains_the_estimate_and_nests(t, conf):
    n11, b, c, n00 = t
    est = (b - c) / sum(t)
    lo, hi = paired_diff_ci(n11, b, c, n00, conf)
    assert -1.0 <= lo <= est <= hi <= 1.0
    lo2, hi2 = paired_diff_ci(n11, b, c, n00, 0.999)
    assert lo2 <= lo + 1e-9 and hi <= hi2 + 1e-9
    if lo < est < hi:
        assert hi > lo


def test_tango_interval_covers_at_its_level():
    # exact coverage over every table of n = 40 pairs at a realistic discordance
    n, pb, pc = 40, 0.12, 0.06
    tables = [(b, c) for b in range(n + 1) for c in range(n + 1 - b)]
    b, c = (np.array(x) for x in zip(*tables, strict=True))
    prob = np.array([math.comb(n, x) * math.comb(n - x, y) for x, y in tables]) * (
        pb**b * pc**c * (1 - pb - pc) ** (n - b - c))
    lo, hi = tango_bounds(b, c, np.full(b.shape, n), float(norm.ppf(0.975)))
    assert prob.sum() == pytest.approx(1.0)
    assert paired_diff_ci(n - b[7] - c[7], b[7], c[7], 0) == (lo[7], hi[7])
    cover = float(np.sum(prob * ((lo <= pb - pc) & (pb - pc <= hi))))
    assert 0.93 < cover <= 0.99
