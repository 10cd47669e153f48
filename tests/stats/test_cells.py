import pytest

from warmgate.stats import bh, holm, mcnemar, paired_diff_ci


def test_exact_mcnemar_matches_the_binomial():
    # b=8, c=2: P(X >= 8 | n=10, 1/2) = 56/1024
    assert mcnemar(8, 2, "greater").pvalue == pytest.approx(56 / 1024)
    assert mcnemar(8, 2).pvalue == pytest.approx(2 * 56 / 1024)
    assert mcnemar(0, 0, "greater").pvalue == 1.0


def test_interval_covers_the_estimate_and_stays_in_range():
    lo, hi = paired_diff_ci(40, 10, 2, 48)
    assert lo < 0.08 < hi
    assert paired_diff_ci(0, 0, 0, 0) == (-1.0, 1.0)


def test_holm_and_bh():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert bh([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
