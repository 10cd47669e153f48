"""The one sentence splitter of the rule readers: where a sentence ends, and three cuts by it.

`sentence_ends` gives the end marks ("!", "?", a newline, a full stop that is not a decimal
point); `sentences` cuts after every one, `sentence_spans` (a reply's sentences) only where one is
followed by white space and does not end an abbreviation, and `part_around` cuts a sentence
further at ";" and at "but", "however", "whereas". `warmgate.scoring.text` re-exports `sentences`.
"""

from __future__ import annotations

import re

#: Where a sentence ends: "!", "?", a newline, and a full stop that is not a decimal point.
SENTENCE_END = re.compile(r"[!?\n]|\.(?!\d)")
_NEWLINES = re.compile(r"\n+")
#: After an end mark, what `sentence_spans` needs to cut there: closing quotes, brackets or
#: bold, then white space.
_SENTENCE_GAP = re.compile(r"[\"'”’)\]*]*\s+")
_ABBREV = re.compile(r"(?:\b[A-Z]|\b(?:Dr|Mr|Mrs|Ms|St|Sr|Jr|Prof|Gen|Capt|Lt|Col|Rev|vs|etc|e\.g|i\.e|"
                     r"approx|Vol|Fig|U\.S|U\.K|Mt|Ft))\.$")
_PART_END = re.compile(SENTENCE_END.pattern + r"|;|,?\s\bbut\b|,?\s\bhowever\b|,?\s\bwhereas\b", re.I)


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end mark of `text` (the one splitter's boundaries)."""
    return [m.end() for m in SENTENCE_END.finditer(text)]


def sentences(text: str) -> list[str]:
    """Sentences, cut at . ! ? and newlines (not at decimal points)."""
    cuts = [0, *sentence_ends(text), len(text)]
    parts = (text[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False))
    return [p for p in parts if p]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """A reply's sentence spans: cut at an end mark followed by white space (after closing quotes
    or brackets) or at newlines, not after initials or abbreviations ("A. A. Milne", "Dr. Jekyll")."""
    out: list[tuple[int, int]] = []
    start = done = 0  # where the current sentence starts; where the last cut's gap ends
    for end in sentence_ends(text):
        mark = text[end - 1]
        if mark == "\n":
            cut, gap_end = end - 1, _NEWLINES.match(text, end - 1).end()  # type: ignore[union-attr]
        else:
            gap = _SENTENCE_GAP.match(text, end)
            if gap is None:
                continue
            cut, gap_end = end, gap.end()
        if cut < done:
            continue  # a newline inside the last cut's gap
        done = gap_end
        if mark == "." and _ABBREV.search(text[max(0, cut - 6): cut]):
            continue
        if text[max(0, cut - 3): cut] == "No." and text[gap_end: gap_end + 1].isdigit():
            continue  # "No. 5"; a bare "No." answers
        if cut > start:
            out.append((start, cut))
        start = gap_end
    if start < len(text):
        out.append((start, len(text)))
    return out


def part_around(text: str, pos: int) -> tuple[int, int]:
    """The span of the part of the sentence around offset `pos`: a sentence (see `sentences`) cut
    also at ";" and at "but", "however", "whereas" ("X can hurt, but this sounds like Y" is two)."""
    a = 0
    for m in _PART_END.finditer(text, 0, pos):
        a = m.end()
    m = _PART_END.search(text, pos)
    return a, (m.start() if m else len(text))
