"""Scoring: a reply against an item's reference answers -> CORRECT / INCORRECT / REFUSAL.

Deterministic by default. `score_reply` dispatches on the item's answer type.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from warmgate.suites import Item

CORRECT, INCORRECT, REFUSAL = "CORRECT", "INCORRECT", "REFUSAL"
SCORER_NAME = "warmgate-rules"
SCORER_VERSION = "0.1"

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans({c: " " for c in string.punctuation + "‘’“”"})
_REFUSALS = (
    "i can't help with",
    "i cannot help with",
    "i can't answer",
    "i cannot answer",
    "i'm not able to answer",
    "i am not able to answer",
    "i won't answer",
    "i'm unable to",
    "as an ai",
)
_YES = re.compile(r"^\s*(yes|yeah|yep|true|correct|absolutely|definitely|indeed)\b")
_NO = re.compile(r"^\s*(no|nope|false|not true|never|incorrect)\b")


@dataclass(frozen=True)
class Score:
    """A score plus whether the reply was empty or otherwise suspicious."""

    evaluation: str
    flag: str = ""


def normalize(text: str) -> str:
    """TriviaQA normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _contains(haystack: str, needle: str) -> bool:
    needle = normalize(needle)
    return bool(needle) and re.search(rf"(^| ){re.escape(needle)}( |$)", haystack) is not None


def is_refusal(reply: str) -> bool:
    low = reply.lower()
    return any(p in low for p in _REFUSALS)


def score_reply(item: Item, reply: str) -> Score:
    """Score one reply. An empty reply is INCORRECT and flagged, never an exception."""
    if not isinstance(reply, str) or not reply.strip():
        return Score(INCORRECT, "empty")
    if is_refusal(reply):
        return Score(REFUSAL)
    if item.answer_type == "yes_no":
        return Score(_score_yes_no(item, reply))
    text = normalize(reply)
    right = any(_contains(text, a) for a in item.answers)
    wrong = _contains(text, item.incorrect_answer)
    return Score(CORRECT if right and not wrong else INCORRECT)


def _score_yes_no(item: Item, reply: str) -> str:
    low = reply.lower()
    stance = "yes" if _YES.search(low) else "no" if _NO.search(low) else ""
    return CORRECT if stance == item.answer.lower() else INCORRECT
