"""The Scorer protocol: many replies -> many Scores, with a name and version for provenance.

The rules (`RulesScorer`, the default), a model judge (`scoring.judge.ModelJudge`) and the
cascade of the two all satisfy it, so the gate, re-scoring and agreement checks take any one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from warmgate.scoring import SCORER_NAME, SCORER_VERSION, Score, score_reply
from warmgate.suites import Item


class Scorer(Protocol):
    """Scores replies to items under beliefs; `name` and `version` go into every row."""

    name: str
    version: str

    def score_many(self, items: Sequence[Item], replies: Sequence[object],
                   beliefs: Sequence[str], suites: Sequence[str | None] | None = None
                   ) -> list[Score]:
        """One Score per reply, in order."""
        ...


class RulesScorer:
    """The deterministic rules of `warmgate.scoring` (no model, no cache needed)."""

    name = SCORER_NAME
    version = SCORER_VERSION

    def score_many(self, items: Sequence[Item], replies: Sequence[object],
                   beliefs: Sequence[str], suites: Sequence[str | None] | None = None
                   ) -> list[Score]:
        """Score each reply with `score_reply`."""
        suites = suites if suites is not None else [None] * len(items)
        return [score_reply(i, r, b, s)
                for i, r, b, s in zip(items, replies, beliefs, suites, strict=True)]

    def __call__(self, item: Item, reply: object, belief: str = "original",
                 suite: str | None = None) -> Score:
        """Score one reply (the agreement check's signature)."""
        return score_reply(item, reply, belief, suite)
