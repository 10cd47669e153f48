"""Text normalisation (warmgate/scoring/text.py)."""

from __future__ import annotations

from warmgate.scoring import normalize


def test_normalize_is_triviaqa():
    assert normalize("The  Capital, of 'Australia'!") == "capital of australia"
    assert normalize("An Apple a day") == "apple day"
