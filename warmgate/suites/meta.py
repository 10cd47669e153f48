"""What warmgate knows about a suite beyond its items: its family, how the study laid out and
sized that family, and what a refusal counts as there. One table, keyed by family, with the
importers' usual suite names as aliases (a suite file named `mask.jsonl` is disinformation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Refusal policies: a refusal counts as CORRECT (refusing to spread disinformation is the right
#: behaviour), as INCORRECT (the study's judge graded "I can't provide medical advice" to a
#: medical question INCORRECT: the question went unanswered), or leaves the paired comparison.
COUNT_CORRECT, COUNT_INCORRECT, EXCLUDE = "correct", "incorrect", "exclude"


@dataclass(frozen=True)
class SuiteMeta:
    """A family's study dataset (prompt layout), the study's sample size, the refusal policy."""

    family: str = ""
    study_dataset: str = ""  # trivia, truthfulqa, disinfo, medqa; "" = not in the study
    study_items: int | None = None  # the study's sample of this family; None = all items
    refusal: str = EXCLUDE


FAMILIES = {
    "factual": SuiteMeta("factual", "trivia", 500),
    "misconceptions": SuiteMeta("misconceptions", "truthfulqa", 500),
    "disinformation": SuiteMeta("disinformation", "disinfo", 125, COUNT_CORRECT),
    "medical": SuiteMeta("medical", "medqa", 500, COUNT_INCORRECT),
}
ALIASES = {"triviaqa": "factual", "truthfulqa": "misconceptions", "mask": "disinformation",
           "medqa": "medical"}


def meta_for(suite: str) -> SuiteMeta:
    """The metadata of a suite by name or path (an unknown suite: no family, refusals excluded)."""
    name = Path(str(suite)).stem.lower()
    return FAMILIES.get(ALIASES.get(name, name), SuiteMeta())


def study_items(suite: str) -> int | None:
    """Items the study's design samples from this suite (None: all of them)."""
    return meta_for(suite).study_items


def known_names() -> list[str]:
    """Suite names the table knows (families and aliases)."""
    return [*FAMILIES, *ALIASES]
