"""What a reader wants under the numbers: the items that flipped, refusals (left out and counted),
warmth-gap lines."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from warmgate.pairing import pair_roles
from warmgate.scoring import CORRECT, INCORRECT


@dataclass(frozen=True)
class Flip:
    """One item the base answered right and the candidate wrong, under one framing."""

    suite: str
    context: str
    belief: str
    item_id: str
    prompt: str
    base_output: str
    candidate_output: str
    cell_delta: float

    @property
    def cell_id(self) -> str:
        return f"{self.suite}-{self.context}-{self.belief}"


def flipped_items(result, limit: int | None = None) -> list[Flip]:
    """Base right, candidate wrong; worst cells (largest increase in error rate) first."""
    table: pd.DataFrame = result.table
    if table is None or table.empty:
        return []
    pairs = pair_roles(table, ["prompt", "output", "evaluation"])
    pairs = pairs[(pairs.evaluation_base == CORRECT) & (pairs.evaluation_cand == INCORRECT)]
    delta = {(c.suite, c.context, c.belief): c.delta for c in result.cells}
    flips = [
        Flip(r.suite, r.amendment_type, r.prompt_template, str(r.item_id), str(r.prompt_cand),
             str(r.output_base), str(r.output_cand),
             delta.get((r.suite, r.amendment_type, r.prompt_template), 0.0))
        for r in pairs.itertuples(index=False)
    ]
    flips.sort(key=lambda f: (-f.cell_delta, f.suite, f.context, f.belief, f.item_id))
    return flips[:limit] if limit is not None else flips


def gap_lines(result) -> list[str]:
    """The warmth-gap (interaction) lines the run computed."""
    return [line.message() for line in result.signature]


def refusal_cells(result) -> list:
    """Cells where either model refused at least once (refusals leave the paired test)."""
    return [c for c in result.cells if c.refusals_base or c.refusals_candidate]


@dataclass(frozen=True)
class CountedRefusals:
    """One cell's refusals that the study's grading counts (medical and trivia as incorrect,
    disinformation as correct, TruthfulQA by its references): they stay in the paired test, so
    an error rate that rose on refusals shows here."""

    suite: str
    context: str
    belief: str
    base_correct: int
    base_incorrect: int
    candidate_correct: int
    candidate_incorrect: int


def counted_refusals(result) -> list[CountedRefusals]:
    """Per cell, the refusals scored CORRECT or INCORRECT by the suite's refusal policy."""
    t: pd.DataFrame = result.table
    if t is None or t.empty or "flag" not in t:
        return []
    flags = t.flag.fillna("").astype(str).str.split(",")
    t = t[flags.map(lambda f: "refusal" in f) & t.evaluation.isin([CORRECT, INCORRECT])]
    out = []
    for (suite, context, belief), g in t.groupby(["suite", "amendment_type", "prompt_template"], sort=True):
        n = {(role, ev): int(((g.role == role) & (g.evaluation == ev)).sum())
             for role in ("base", "candidate") for ev in (CORRECT, INCORRECT)}
        out.append(CountedRefusals(str(suite), str(context), str(belief), n["base", CORRECT],
                                   n["base", INCORRECT], n["candidate", CORRECT], n["candidate", INCORRECT]))
    return out


def describe_models(result) -> tuple[str, str]:
    """Base and candidate as one line each."""
    cfg = result.config
    return cfg.base.describe(), cfg.candidate.describe()


def worst_flips(result, limit: int) -> list[Flip]:
    """Up to `limit` flips spread over the worst cells: round-robin, worst cell first."""
    by_cell: dict[str, list[Flip]] = {}
    for f in flipped_items(result):
        by_cell.setdefault(f.cell_id, []).append(f)
    queues = list(by_cell.values())  # already ordered worst cell first
    out: list[Flip] = []
    while len(out) < limit and any(queues):
        for q in queues:
            if q and len(out) < limit:
                out.append(q.pop(0))
    return out
