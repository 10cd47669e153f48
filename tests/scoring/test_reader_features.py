"""The reader's features (warmgate/scoring/reader_features.py): the references a reply is read
against."""

from __future__ import annotations

from warmgate.scoring.reader_features import references
from warmgate.suites import Item


def test_references_use_options_and_statements():
    right, wrong = references(Item("m", "Q?", "B", "A", "multiple_choice", options={"A": "flu", "B": "cold"}))
    assert right == ["cold"] and wrong == ["flu"]
    right, wrong = references(Item("d", "Is the Earth flat?", "no", "The Earth is flat.", "yes_no",
                                   aliases=("The Earth is not flat.",)))
    assert right == ["The Earth is not flat."] and wrong == ["The Earth is flat."]
