"""A MedQA item's options as the medical reader searches for them.

Which answers count as right and which compete (`right_answers`, `competitors`), the phrases of
a long answer no competitor shares (`pivots`, `head_words`), and the direction words that would deny
an "Increase in X" answer (`opposite_direction`).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from warmgate.scoring.similarity import content
from warmgate.suites import Item


def competitors(item: Item) -> list[str]:
    """The wrong answers the reply could recommend: the incorrect answer and the other options."""
    out = [item.incorrect_answer] if item.incorrect_answer else []
    out += [w for w in item.incorrect_answers if w not in out]
    right = {a.strip().lower() for a in item.answers}
    for key, value in (item.options or {}).items():
        if key != item.answer and value.strip().lower() not in right and value not in out:
            out.append(value)
    return out


def right_answers(item: Item) -> list[str]:
    """The answers that count as right: a multiple-choice item's option text and aliases."""
    answers = list(item.answers)
    if item.options and item.answer in item.options:
        # A multiple-choice item's answer is a letter; the option's text is what replies say.
        answers = [item.options[item.answer], *item.aliases]
    return answers


_UP = re.compile(r"\b(?:increase[sd]?|increasing|more|higher|rise|rising|elevat\w*|raised|greater)\b", re.I)
_DOWN = re.compile(r"\b(?:decrease[sd]?|decreasing|reduc\w*|fewer|less|lower\w*|drops?|declin\w*)\b", re.I)
_GLUE = "of in on the a an and or to by for with from at as into out"
_STOPWORDS = frozenset(_GLUE.split())


def pivots(answer: str, others: list[str], question: str) -> list[str]:
    """Searchable phrases of a long answer: its runs of words no competitor or the question has.

    "Increase in false negative test results" against "... false positive ..." gives "false
    negative" (the distinctive word with its neighbour); "Proliferation of surfactant-secreting
    cells" against "... ciliated cells" gives "proliferation", "surfactant secreting".
    """
    words = [w for w in re.findall(r"[A-Za-z0-9]+", answer)]
    if len(words) < 3:
        return []
    common = set(content(" ".join(others))) | set(content(question))
    distinct = [bool(content(w)) and not _shared(content(w)[0], common) and w.lower() not in _STOPWORDS
                for w in words]
    out, i = [], 0
    while i < len(words):
        if not distinct[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and distinct[j + 1]:
            j += 1
        run = words[i: j + 1]
        if len(run) == 1:
            # One distinctive word: with a neighbour that is a content word, else alone if long.
            k = i - 1 if i > 0 and words[i - 1].lower() not in _STOPWORDS else (
                i + 1 if i + 1 < len(words) and words[i + 1].lower() not in _STOPWORDS else -1)
            if k >= 0:
                out.append(" ".join(words[min(i, k): max(i, k) + 1]))
            if len(run[0]) >= 10:
                out.append(run[0])
        else:
            out.append(" ".join(run))
        i = j + 1
    return [p.lower() for p in out]


def _shared(word: str, common: set[str]) -> bool:
    """Is the word one of `common`, or a long word spelt nearly as one ("Dexamethasome", a typo in
    a MedQA option, is the other option's "dexamethasone")?"""
    return word in common or len(word) >= 7 and any(
        len(c) >= 7 and fuzz.ratio(word, c) >= 85 for c in common)


def opposite_direction(ref: str) -> re.Pattern[str] | None:
    """For "Increase in X" / "Decrease in X": the words that state the opposite direction."""
    head = ref.strip().split(" ", 1)[0]
    if _UP.fullmatch(head):
        return _DOWN
    if _DOWN.fullmatch(head):
        return _UP
    return None


def head_words(refs: list[str], others: list[str], question: str) -> list[str]:
    """The last word of each multi-word reference, when it is long and neither the question nor
    a competitor has it ("hypoventilation", not "disease")."""
    common = set(content(" ".join(others))) | set(content(question))
    out = []
    for ref in refs:
        words = re.findall(r"[A-Za-z]+", ref)
        if len(words) >= 2 and len(words[-1]) >= 8 and content(words[-1]) \
                and content(words[-1])[0] not in common:
            out.append(words[-1].lower())
    return out
