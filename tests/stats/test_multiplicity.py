"""Multiplicity corrections (warmgate/stats/multiplicity.py): Holm and BH, as properties."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from warmgate.stats import bh, holm, holm_array

pvals = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=40)


@given(pvals)
def test_corrections_are_ordered(p):
    h, b = holm(p), bh(p)
    for raw, hp, bp in zip(p, h, b, strict=True):
        assert raw <= bp + 1e-12 and bp <= hp + 1e-12 and hp <= 1.0
    assert np.allclose(holm_array(np.array([p, p])), [h, h])
    # monotone: a smaller raw p never gets a larger adjusted p
    for i, j in itertools.combinations(range(len(p)), 2):
        if p[i] < p[j]:
            assert h[i] <= h[j] + 1e-12 and b[i] <= b[j] + 1e-12


def test_holm_and_bh():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert bh([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
