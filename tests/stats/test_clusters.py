"""Items as clusters (warmgate/stats/clusters.py): the exact sign-flip test and the
cluster-robust interval."""

import itertools

import numpy as np
import pytest
from scipy.stats import binom

from warmgate.stats import abs_histogram, cluster_mean_ci, item_sums_pvalue, mcnemar, signflip_pvalue


def _brute_force_signflip(sums: np.ndarray) -> float:
    """P(sum_i e_i |D_i| >= sum_i D_i) by enumerating every one of the 2^n sign vectors."""
    a = np.abs(sums)
    totals = [np.dot(signs, a) for signs in itertools.product((1, -1), repeat=len(a))]
    return float(np.mean(np.array(totals) >= sums.sum()))


def test_the_exact_sign_flip_test_is_brute_force_enumeration_on_small_cases():
    """The warmth gap's and the pooled decision's one test, against all 2^n sign flips."""
    rng = np.random.default_rng(11)
    cases = [np.array([1, 1, 1]), np.array([2, -1, 0, 3]), np.array([-2, -2, 1]),
             np.array([0, 0, 0]), np.array([4, -4, 4, -4, 1])]
    cases += [rng.integers(-3, 4, size=int(rng.integers(1, 11))) for _ in range(40)]
    for sums in cases:
        expected = _brute_force_signflip(sums)
        assert item_sums_pvalue(sums) == pytest.approx(expected, rel=1e-9, abs=1e-12), sums
        assert float(signflip_pvalue(abs_histogram(sums), np.array(sums.sum()))) == \
            pytest.approx(expected, rel=1e-9, abs=1e-12), sums
    # many runs at once (leading axis), as the pooled decision and the benchmarks call it
    batch = rng.integers(-2, 3, size=(20, 8))
    got = signflip_pvalue(abs_histogram(batch, 2), batch.sum(axis=1))
    assert got == pytest.approx([_brute_force_signflip(row) for row in batch], rel=1e-9)


def test_sign_flip_edges_and_cluster_interval():
    assert item_sums_pvalue(np.array([1, 1, 1])) == pytest.approx(1 / 8)
    assert item_sums_pvalue(np.zeros(10)) == 1.0
    assert item_sums_pvalue(np.array([], dtype=np.int64)) == 1.0
    assert item_sums_pvalue(np.array([3.0, -1.0, 2.0])) == item_sums_pvalue(np.array([3, -1, 2]))
    with pytest.raises(ValueError, match="integer item sums"):
        item_sums_pvalue(np.array([0.5, 1.0]))
    # sums of +-1 only: the exact one-sided McNemar test, exactly (no sampling error)
    big = np.r_[np.ones(60), -np.ones(20)]
    assert item_sums_pvalue(big) == pytest.approx(binom.sf(59, 80, 0.5), rel=1e-6)
    est, lo, hi = cluster_mean_ci(np.zeros(200), np.ones(200))
    assert est == 0 and lo < 0 < hi and hi < 0.02


def test_one_framing_is_exact_mcnemar():
    for b, c in [(0, 0), (1, 0), (10, 2), (3, 3), (40, 20), (0, 7), (120, 80)]:
        p = float(signflip_pvalue(np.array([50, b + c]), np.array(b - c)))
        assert p == pytest.approx(mcnemar(b, c, "greater").pvalue, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_sign_flip_matches_full_enumeration(seed):
    rng = np.random.default_rng(seed)
    d = rng.integers(-4, 5, size=12)
    signs = np.array(list(itertools.product([-1, 1], repeat=d.size)))
    exact = float(np.mean(signs @ np.abs(d) >= d.sum()))
    assert float(signflip_pvalue(abs_histogram(d), np.array(d.sum()))) == pytest.approx(exact)
