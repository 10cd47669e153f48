"""The decision rule, in one place: one decision under one reading, and bounds over the replies
the scorer could not read.

Every shape of the gate's decision calls `Rule`: the cells and the pooled decisions
(`warmgate.decide.decide_run`), the items-to-decide projection (`warmgate.stats.items_to_decide`)
and early stopping (`warmgate.stats.sequential_look`), and the simulation benchmark.

One decision (a cell, or a suite's pooled change) under one reading of its replies:
FAIL when its null ("the candidate is no worse") is rejected by the run's multiple test and its
estimate exceeds its threshold; PASS when its one-sided (1 - alpha) upper bound is below the
threshold; else INCONCLUSIVE.

Bounds over unsure readings (`unsure = "bound"`, the default). A reply the scorer was unsure of
(the rules could not tell; a judge gave no verdict) is read two ways:
- favourable to the candidate: unsure base replies INCORRECT, unsure candidate replies CORRECT;
- unfavourable: the reverse.
The run is decided under each reading as a whole (every cell and pooled test at once), and then
FAIL only if the decision fails under the favourable reading, PASS only if it passes under the
unfavourable one, else INCONCLUSIVE: "k unsure readings could turn it", settled by a judge that
reads those replies (`scorer = "cascade"`). `unsure = "incorrect"` keeps the scorer's reading as
it stands (the rules read an unsure reply as INCORRECT, the study's hedge rule): for replaying
the study's figures and comparing with published numbers.

Why the family-wise error stays at most alpha. Let R* be the reading a perfect reader would
give the unsure replies (the sure readings as they are). The favourable reading R_f moves each
unsure reply towards the candidate, so a pair newly wrong under R_f (base read CORRECT, the
candidate INCORRECT: both sure) is newly wrong under R*, and a pair newly right under R* is newly
right under R_f: per cell b_f <= b* and c_f >= c*, and per item the pooled sum D_i,f <= D_i*.
The one-sided exact McNemar p-value P(Bin(b + c, 1/2) >= b) does not decrease as b falls or c
grows; the exact clustered sign-flip p-value does not decrease as any D_i falls (with T the sum
over the other items, lowering D_i = d >= 1 by one changes P(T >= S' + 2d) to P(T >= S' + 2d - 2)
and leaves the other half, P(T >= S'), alone; likewise for d <= 0); the estimates fall with them;
and weighted Holm's adjusted p-values do not decrease in any raw p-value. So, realisation by
realisation, every decision that FAILs under R_f also FAILs under R*: P(a false FAIL under the
bounds) <= P(a false FAIL under R*) <= alpha, the closed procedure's guarantee, whatever made a
reply unsure (the model, the item, its length). For PASS the mirror holds: b_u >= b*, c_u <= c*,
and Tango's upper limit does not fall as b grows or c falls (checked on every (b, c) up to n = 80,
`tests/test_rule.py`), so a PASS under R_u is a PASS under R*. Early stopping keeps the same
argument look by look (the running minimum of larger p-values is larger). What the bounds do
not cover: a sure reading that is wrong (the scorer's measured agreement on its sure rows).
`benchmarks/simulate_gate.py --unsure-only` checks the false alarms by simulation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from warmgate.scoring import CORRECT, INCORRECT

#: Verdict codes of the array functions (the early-stopping states use the same numbers).
UNDECIDED, FAILED, PASSED = 0, 1, 2
NAMES = {UNDECIDED: "INCONCLUSIVE", FAILED: "FAIL", PASSED: "PASS"}
FAVOURABLE, UNFAVOURABLE = "favourable", "unfavourable"
READINGS = (FAVOURABLE, UNFAVOURABLE)


class Evidence(NamedTuple):
    """One reading's evidence for a batch of decisions (arrays broadcast together)."""

    rejected: np.ndarray  # the multiple test rejected "no worse"
    estimate_pp: np.ndarray  # change in error rate, percentage points
    upper_pp: np.ndarray  # one-sided (1 - alpha) upper bound, percentage points
    n: np.ndarray  # units the decision rests on (0: nothing to decide on)


#: Exit codes of `warmgate run` / `merge`: passed; a decision FAILed; bad input (WarmgateError);
#: not shown safe under `inconclusive = "fail"`; warmgate itself crashed (a bug: report it).
EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_INCONCLUSIVE, EXIT_CRASH = 0, 1, 2, 3, 70
#: What a decision does to the build.
BUILD_FAILS, BUILD_WARNS, BUILD_PASSES = "fail", "warn", "pass"


@dataclass(frozen=True)
class Rule:
    """The decision rule of one run: family-wise `alpha`, each cell's threshold (`threshold`,
    overridden per framing by `thresholds`), the unsure policy (`bound`, default, or
    `incorrect`), and what an undecided run does to the build (`inconclusive`)."""

    unsure: str = "bound"
    alpha: float = 0.05
    threshold: float = 5.0
    thresholds: Mapping[str, float] = field(default_factory=dict)
    inconclusive: str = "fail"

    def threshold_for(self, suite: str, context: str, belief: str) -> float:
        """Most specific override wins: suite/context/belief, context/belief, context, belief,
        suite; else the default threshold."""
        for key in (f"{suite}/{context}/{belief}", f"{context}/{belief}", context, belief, suite):
            if key in self.thresholds:
                return float(self.thresholds[key])
        return self.threshold

    def build_effect(self, verdict: str) -> str:
        """What one decision (or the run) does to the build: the one place that says it.
        FAIL fails; INCONCLUSIVE follows the `inconclusive` policy; PASS passes."""
        if verdict == NAMES[FAILED]:
            return BUILD_FAILS
        if verdict == NAMES[UNDECIDED]:
            return self.inconclusive
        return BUILD_PASSES

    def exit_code(self, verdict: str) -> int:
        """The run's exit code: 0 pass (or a tolerated INCONCLUSIVE), 1 FAIL, 3 INCONCLUSIVE
        under the `fail` policy."""
        if verdict == NAMES[FAILED]:
            return EXIT_FAIL
        return EXIT_INCONCLUSIVE if self.build_effect(verdict) == BUILD_FAILS else EXIT_PASS

    @property
    def bounded(self) -> bool:
        return self.unsure == "bound"

    def codes(self, ev: Evidence, threshold_pp: np.ndarray | float) -> np.ndarray:
        """The verdict code of each decision under one reading."""
        n = np.asarray(ev.n) > 0
        fail = n & np.asarray(ev.rejected, bool) & (np.asarray(ev.estimate_pp) > threshold_pp)
        passed = n & ~fail & (np.asarray(ev.upper_pp) < threshold_pp)
        return np.where(fail, FAILED, np.where(passed, PASSED, UNDECIDED))

    @staticmethod
    def combine(favourable: np.ndarray, unfavourable: np.ndarray) -> np.ndarray:
        """FAIL only if FAIL under the favourable reading, PASS only if PASS under the
        unfavourable one (never both: the unfavourable estimate is the larger), else undecided."""
        fav, unfav = np.asarray(favourable), np.asarray(unfavourable)
        return np.where(fav == FAILED, FAILED, np.where(unfav == PASSED, PASSED, UNDECIDED))

    def decide(self, favourable: Evidence, unfavourable: Evidence | None,
               threshold_pp: np.ndarray | float) -> np.ndarray:
        """Verdict codes under both readings (`unfavourable` None: one reading, no unsure)."""
        fav = self.codes(favourable, threshold_pp)
        if unfavourable is None:
            return fav
        return self.combine(fav, self.codes(unfavourable, threshold_pp))

    def read(self, table: pd.DataFrame, reading: str) -> pd.DataFrame:
        """The results table under one reading: each unsure reply read for or against the
        candidate. Unchanged under `unsure = "incorrect"` or without an `unsure` column; a
        REFUSAL stays one (refusals leave the paired test by the suite's policy)."""
        if reading not in READINGS:
            raise ValueError(f"unknown reading {reading!r}")
        if not self.bounded or "unsure" not in table or not len(table):
            return table
        unsure = unsure_mask(table)
        if not unsure.any():
            return table
        good = (table.role == "candidate") == (reading == FAVOURABLE)
        read = np.where(good, CORRECT, INCORRECT)
        return table.assign(evaluation=np.where(unsure, read, table.evaluation))

    def has_unsure(self, table: pd.DataFrame) -> bool:
        """Whether bounds apply to this table (some unsure reply, policy `bound`)."""
        return self.bounded and "unsure" in table and bool(unsure_mask(table).any())


def unsure_mask(table: pd.DataFrame) -> np.ndarray:
    """Rows whose CORRECT / INCORRECT the scorer was unsure of."""
    if "unsure" not in table:
        return np.zeros(len(table), dtype=bool)
    flag = table.unsure.fillna(False).astype(bool).to_numpy()
    return flag & table.evaluation.isin([CORRECT, INCORRECT]).to_numpy()


class UnsureReadings:
    """What unsure readings did to a decision (mixed into `Cell` and `Pooled`, which hold
    `verdict`, `unsure_base`, `unsure_candidate` and `readings`: each reading's b, c, delta,
    p_adjusted and verdict, None when no reading was unsure or under `unsure = "incorrect"`)."""

    verdict: str
    unsure_base: int
    unsure_candidate: int
    readings: dict | None

    @property
    def unsure_turns(self) -> int:
        """Unsure readings that hold this decision undecided: all of its unsure readings when
        the two readings give different verdicts and it is INCONCLUSIVE, else 0."""
        differ = bool(self.readings) and len({r["verdict"] for r in self.readings.values()}) > 1
        undecided = self.verdict == NAMES[UNDECIDED] and differ
        return self.unsure_base + self.unsure_candidate if undecided else 0

    def undecided_because(self) -> str:
        """Why an INCONCLUSIVE decision is undecided, in a few words."""
        if self.unsure_turns:
            return f"undecided because {self.unsure_turns} unsure readings could turn it"
        return "not shown within its threshold"

    def unsure_note(self) -> str:
        """The clause a message ends with: the unsure readings, and what would settle them."""
        ub, uc = self.unsure_base, self.unsure_candidate
        if not self.readings or not ub + uc:
            return ""
        if not self.unsure_turns:
            return f"; unsure readings: base {ub}, candidate {uc}; the verdict holds under both"
        fav, unfav = (self.readings[r]["verdict"] for r in READINGS)
        return (f"; {ub + uc} unsure readings could turn it ({fav} if read in the candidate's "
                f"favour, {unfav} against it): a judge would settle it, scorer = \"cascade\" "
                f"sending it those {ub + uc} replies (base {ub}, candidate {uc})")
