"""Power (warmgate/stats/power.py): power, the detectable rise, items to decide."""

import math

import pytest

from warmgate.decide import FAIL
from warmgate.stats import fail_power, items_to_decide, mcnemar, min_detectable_increase


def test_fail_power_equals_brute_force_enumeration():
    n, r, inc, alpha, thr = 14, 0.1, 0.2, 0.05, 5.0
    pb, pc = r + inc, r
    total = 0.0
    for b in range(n + 1):
        for c in range(n + 1 - b):
            prob = math.comb(n, b) * math.comb(n - b, c) * pb**b * pc**c * (1 - pb - pc) ** (
                n - b - c)
            if mcnemar(b, c, "greater").pvalue < alpha and (b - c) / n * 100 > thr:
                total += prob
    assert fail_power(n, r, inc, alpha, thr) == pytest.approx(total, rel=1e-9)


def test_detectable_increase_grows_with_threshold_and_shrinks_with_items():
    a = 0.05 / 72
    m100 = min_detectable_increase(100, 0.1, a)
    m500 = min_detectable_increase(500, 0.1, a)
    m500_t5 = min_detectable_increase(500, 0.1, a, threshold_pp=5)
    assert m100 is not None and m500 is not None and m500_t5 is not None
    assert m500 < m100 and m500_t5 >= m500 and m500_t5 > 0.05
    assert fail_power(500, 0.1, m500, a) >= 0.8 > fail_power(500, 0.1, m500 * 0.95, a)
    assert min_detectable_increase(0, 0.1, a) is None


def test_items_to_decide_is_the_first_deciding_size():
    a = 0.05 / 72
    needed, verdict = items_to_decide(80, 12, 4, 4, 5.0, a)
    assert verdict == FAIL and needed is not None
    rb, rc = 12 / 100, 4 / 100
    b, c = round(rb * needed), round(rc * needed)
    assert mcnemar(b, c, "greater").pvalue < a
    b1, c1 = round(rb * (needed - 1)), round(rc * (needed - 1))
    assert mcnemar(b1, c1, "greater").pvalue >= a or (b1 - c1) / (needed - 1) * 100 <= 5
    # sitting exactly on the threshold never decides; nor does threshold 0 without an increase
    assert items_to_decide(85, 10, 5, 0, 5.0, a) == (None, "")
    assert items_to_decide(100, 0, 0, 0, 0.0, a) == (None, "")
