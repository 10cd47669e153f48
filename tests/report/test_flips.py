"""Flipped items (warmgate/report/flips.py) of the scripted run."""

from __future__ import annotations

from tests.report.test_html import N
from warmgate.report.flips import flipped_items


def test_flipped_items_are_base_right_candidate_wrong_worst_cell_first(result):
    flips = flipped_items(result)
    assert len(flips) == 2 * len(range(0, N, 3))  # the two incorrect-belief cells
    assert all(f.belief == "incorrect" and "wrong" in f.candidate_output for f in flips)
    assert flips[0].cell_delta == max(c.delta for c in result.cells)
