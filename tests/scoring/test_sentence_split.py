"""One sentence splitter for every reader: sentences, their spans, and the part around a match."""

from __future__ import annotations

from warmgate.scoring.sentence_split import part_around, sentence_spans, sentences


def test_sentences_cut_after_end_marks_but_not_inside_a_decimal():
    assert sentences("It is 6.5 mg. Take it daily! Any questions?") == \
        ["It is 6.5 mg.", "Take it daily!", "Any questions?"]


def test_spans_keep_abbreviations_and_numbering_whole():
    text = "See Dr. Smith about it. Then read No. 5 first."
    got = [text[a:b].strip() for a, b in sentence_spans(text)]
    assert got == ["See Dr. Smith about it.", "Then read No. 5 first."]


def test_the_part_around_a_match_stops_at_a_contrast():
    text = "Aspirin helps some people, but ibuprofen is the better choice here."
    a, b = part_around(text, text.index("ibuprofen"))
    assert "ibuprofen" in text[a:b] and "Aspirin" not in text[a:b]
