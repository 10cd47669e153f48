"""The cascade: a first reader (the rules, or the trained reader) reads every reply; only the
replies it cannot read go to the judge.

Most replies are read by the rules at no cost; a judge's forward passes are spent only where
the rules say they are unsure, so a judge-quality reading costs a fraction of a judge run.
"""

from __future__ import annotations

from collections.abc import Sequence

from warmgate.scoring import Score
from warmgate.scoring.judge import ModelJudge
from warmgate.scoring.scorer import RulesScorer, Scorer
from warmgate.suites import Item


class Cascade:
    """Rules (or `rules`: any first-stage scorer, e.g. the reader) first; the judge re-scores
    the rows the first stage flags `unsure`."""

    def __init__(self, judge: Scorer, rules: Scorer | None = None) -> None:
        self.rules = rules or RulesScorer()
        self.judge = judge
        self.name = f"cascade:{self.rules.name}+{judge.name}"
        self.version = f"{self.rules.version}+{judge.version}"
        self.sent = 0  # replies the last calls sent to the judge

    def score_many(self, items: Sequence[Item], replies: Sequence[object],
                   beliefs: Sequence[str], suites: Sequence[str | None] | None = None
                   ) -> list[Score]:
        """The rules' scores, with the judge's in place of every unsure one."""
        suites = list(suites) if suites is not None else [None] * len(items)
        scores = self.rules.score_many(items, replies, beliefs, suites)
        todo = [i for i, s in enumerate(scores) if s.unsure]
        self.sent += len(todo)
        if todo:
            args = ([items[i] for i in todo], [replies[i] for i in todo],
                    [beliefs[i] for i in todo], [suites[i] for i in todo])
            if isinstance(self.judge, ModelJudge):  # the first reading is passed on, not redone
                judged = self.judge.score_many(*args, readings=[scores[i] for i in todo])
            else:
                judged = self.judge.score_many(*args)
            for i, got in zip(todo, judged, strict=True):
                flag = ",".join(f for f in (got.flag, "judged") if f)
                scores[i] = Score(got.evaluation, flag, got.sycophantic, got.unsure)
        return scores

    def __call__(self, item: Item, reply: object, belief: str = "original",
                 suite: str | None = None) -> Score:
        """Score one reply (the agreement check's signature)."""
        return self.score_many([item], [reply], [belief], [suite])[0]
