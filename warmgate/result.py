"""The result of a run: the results table, the verdicts, the signature and typed provenance."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from warmgate.decide import FAIL, INCONCLUSIVE, PASS, Cell, Pooled
from warmgate.rule import (  # noqa: F401  (the exit codes' public home was this module)
    BUILD_FAILS,
    EXIT_CRASH,
    EXIT_FAIL,
    EXIT_INCONCLUSIVE,
    EXIT_INPUT,
    EXIT_PASS,
)
from warmgate.scoring import SCORER_NAME
from warmgate.scoring.calibration import families_line
from warmgate.suites.meta import meta_for
from warmgate.warmth_gap import SignatureLine

if TYPE_CHECKING:
    from warmgate.run import Run

ROLES = ("base", "candidate")
#: Median reply length (words) from which a rules-read run is told to use a judge: chat models'
#: paragraphs, where the rules' held-out agreement is 75-80 % (README: Scoring), against one-line
#: answers (the built-in suites' replies, a dozen words).
CHAT_LENGTH_WORDS = 60


@dataclass
class Provenance:
    """What made a run's rows: each role's backend provenance and how the run got its rows.

    Serialised flat (`{"base": {...}, "candidate": {...}, "baseline": ..., ...}`), the shape
    summary.json and shard manifests have always had."""

    roles: dict[str, dict] = field(default_factory=dict)  # backend provenance per role
    baseline: dict | None = None  # the stored baseline that supplied base rows, if any
    cache: dict | None = None  # generation cache path, hits and generated replies
    early_stopping: dict | None = None  # looks and prompts asked, when early stopping ran
    shards: dict | None = None  # shard label -> folder, for merged and xdist runs
    config_sha256: str = ""  # the configuration fingerprint the shards agreed on
    scorer: dict | None = None  # who read the replies, and its measured agreement (calibration)

    def role(self, name: str) -> dict:
        """One role's backend provenance ({} when the role was not generated)."""
        return self.roles.get(name, {})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.roles)
        for f in fields(self):
            if f.name != "roles":
                out[f.name] = getattr(self, f.name)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Provenance:
        data = dict(data or {})
        named = {f.name for f in fields(cls)} - {"roles"}
        kw = {k: data.pop(k) for k in list(data) if k in named}
        return cls(roles={k: v for k, v in data.items() if isinstance(v, dict)}, **kw)


@dataclass
class GateResult:
    """Everything a run produced: the results table, the verdict per cell, provenance."""

    run: Run
    table: pd.DataFrame
    cells: list[Cell]
    provenance: Provenance = field(default_factory=Provenance)
    signature: list[SignatureLine] = field(default_factory=list)
    pooled: list[Pooled] = field(default_factory=list)  # per suite, all framings at once

    @property
    def config(self):  # the settings, for reports that show them (stages take the Run's parts)
        return self.run.config

    @property
    def failed(self) -> list[Cell]:
        return [c for c in self.cells if c.verdict == FAIL]

    @property
    def failed_pooled(self) -> list[Pooled]:
        return [p for p in self.pooled if p.verdict == FAIL]

    @property
    def verdict(self) -> str:
        """FAIL if any decision failed (a cell or a pooled one), PASS only when every decision
        passed (a pooled one left undecided is not shown safe: pytest fails its item too), else
        INCONCLUSIVE."""
        if self.failed or self.failed_pooled:
            return FAIL
        if self.cells and all(d.verdict == PASS for d in (*self.cells, *self.pooled)):
            return PASS
        return INCONCLUSIVE

    @property
    def undecided(self) -> list[Cell]:
        return [c for c in self.cells if c.verdict == INCONCLUSIVE]

    def exit_code(self) -> int:
        """0 pass, 1 FAIL, 3 INCONCLUSIVE under the `fail` policy (0 under warn and pass): the
        rule's, the one place that decides the build (`Rule.exit_code`)."""
        return self.run.rule.exit_code(self.verdict)

    def fails_build(self, decision: Cell | Pooled) -> bool:
        """Whether one decision fails the build (FAIL; INCONCLUSIVE under the fail policy)."""
        return self.run.rule.build_effect(decision.verdict) == BUILD_FAILS

    def headline(self, door: str = "") -> str:
        """The run's verdict in one line, with what it does to the build through `door`:
        "cli" (`warmgate run`/`merge` exit codes), "pytest" (test outcomes), "update" (a
        pytest baseline update: everything passes), or "" (a report: both doors)."""
        n = len(self.cells)
        if self.verdict == FAIL:
            pooled = "".join(f"; {p.suite} failed over all framings" for p in self.failed_pooled)
            head = f"warmgate: FAIL ({len(self.failed)} of {n} cells failed{pooled})"
        elif self.verdict == PASS:
            head = f"warmgate: PASS (all {n} cells shown within their thresholds)"
        else:
            pooled = [p.suite for p in self.pooled if p.verdict != PASS]
            also = f"; {', '.join(pooled)} over all framings" if pooled else ""
            unsure = sum(bool(d.unsure_turns) for d in (*self.cells, *self.pooled))
            why = (f"more items, or a judge for the unsure readings ({unsure} undecided because "
                   "of them), would decide them" if unsure else "more items would decide them")
            head = (f"warmgate: INCONCLUSIVE ({len(self.undecided)} of {n} cells{also} not shown "
                    f"within their thresholds: {why}; inconclusive = "
                    f"\"{self.run.rule.inconclusive}\": {_effect(self.run.rule.inconclusive, door)})")
        if door == "update":
            head += ("; under --warmgate-update-baselines every test passes and this run's base "
                     "replies become the new baseline")
        return head

    def reading(self) -> str:
        """Who read the replies, how far that reading was measured, and how much was unsure:
        a verdict is only as good as the reading of the replies it counts."""
        t = self.table
        line = (self.provenance.scorer or {}).get("line") or (
            f"replies scored by {', '.join(sorted(set(t.scorer.astype(str))))}"
            if "scorer" in t and len(t) else "no replies scored")
        families = list(dict.fromkeys(
            meta_for(s).family or s for s in (t.suite.astype(str) if "suite" in t else [])))
        measured = families_line((self.provenance.scorer or {}).get("calibration"), families)
        if measured:
            line += f"; {measured}"
        if "unsure" not in t or not len(t):
            return line
        share = {r: float(t.unsure[t.role == r].fillna(False).astype(bool).mean())
                 for r in ROLES if (t.role == r).any()}
        line += "; unsure readings: " + ", ".join(f"{r} {v:.0%}" for r, v in share.items())
        if self.run.rule.unsure == "incorrect":
            line += "; unsure = \"incorrect\": counted as the scorer read them (the study's rule)"
        unparsed = int(t.flag.fillna("").astype(str).str.contains("judge-unparsed").sum()) \
            if "flag" in t else 0
        if unparsed:
            line += (f"; the judge named no verdict on {unparsed} of {len(t)} replies (the "
                     "rules' reading stands for those, marked unsure)")
        turning = [d for d in (*self.cells, *self.pooled) if d.unsure_turns]
        if turning:
            line += (f"; {len(turning)} cells undecided because of unsure readings (" + ", ".join(
                f"{d.id}: {d.unsure_turns}" for d in turning) + "; scorer = \"cascade\" would "
                f"send its judge {sum(d.unsure_turns for d in turning)} replies)")
        if share.get("candidate", 0) - share.get("base", 0) > 0.05:
            line += (" (the candidate's replies were harder to read: a misreading that differs "
                     "between models biases the verdict; consider scorer = \"cascade\")")
        words = t.output.fillna("").astype(str).str.split().str.len().median() if "output" in t else 0
        if words >= CHAT_LENGTH_WORDS and t.scorer.astype(str).str.startswith(SCORER_NAME).all():
            line += (f"; the replies are chat-length (median {words:.0f} words), where the rules "
                     "read least well and can understate a warmth gap: use scorer = \"reader\" "
                     "(offline, the reader extra), and for a release decision a measured judge "
                     "(scorer = \"reader-cascade\" or \"cascade\")")
        return line

    def unsure_cells(self) -> list[dict]:
        """Per decision with unsure readings: counts per role, the verdict under each reading,
        and how many of them could turn it (`warmgate.rule`)."""
        return [{"id": d.id, "unsure_base": d.unsure_base, "unsure_candidate": d.unsure_candidate,
                 "readings": d.readings, "verdict": d.verdict, "unsure_turns": d.unsure_turns}
                for d in (*self.cells, *self.pooled) if d.unsure_base + d.unsure_candidate]

    def baseline_record(self) -> dict:
        """The provenance a baseline made from this run's base rows is matched on later."""
        base = self.table[self.table.role == "base"]
        scorer = (str(base.scorer.iloc[0]), str(base.scorer_version.iloc[0])) if len(base) \
            else ("", "")
        record = self.run.base_record(self.provenance.role("base"), *scorer)
        if self.provenance.scorer:  # how far the reading of the stored replies was measured
            record["scorer_calibration"] = self.provenance.scorer
        record["unsure"] = self.run.rule.unsure  # the unsure policy its verdicts were taken under
        return record

    def cell(self, suite: str, context: str, belief: str) -> Cell:
        """The cell (suite, context, belief); a LookupError listing the run's cells if none."""
        for c in self.cells:
            if (c.suite, c.context, c.belief) == (suite, context, belief):
                return c
        have = ", ".join(f"({c.suite!r}, {c.context!r}, {c.belief!r})" for c in self.cells)
        raise NoSuchCell(f"no cell ({suite!r}, {context!r}, {belief!r}) in this run; its cells "
                         f"(suite, context, belief): {have or 'none'}")

    def baseline_line(self) -> str:
        """Where the base's replies came from: which stored baseline, approved (and re-sealed)
        by whom, or generated in this run."""
        used = self.provenance.baseline
        if not used:
            return "base replies: generated in this run (no stored baseline used)"
        line = (f"base replies: baseline {used.get('label', '?')} (approved by "
                f"{used.get('approved_by') or '?'}")
        if used.get("resealed_by"):
            line += f"; re-sealed by {used['resealed_by']}"
        elif used.get("sealed") is False:
            line += "; its manifest is not sealed"
        line += f"), {used.get('reused_rows', 0)} rows reused"
        if used.get("generated_rows"):
            line += f", {used['generated_rows']} generated"
        return line


def _effect(policy: str, door: str) -> str:
    """What an INCONCLUSIVE run does to the build under `policy`, said for one front door."""
    if door == "update":
        return "not applied during a baseline update"
    if policy == "pass":
        return "the build passes"
    if policy == "warn":
        return {"cli": "a warning; exit 0", "pytest": "warnings; the tests pass"}.get(
            door, "a warning; the build passes")
    return {"cli": "the build fails (exit 3)",
            "pytest": "the undecided tests fail (pytest exits 1, as for a FAIL; summary.json's "
                      "verdict and each test's verdict property tell them apart)"}.get(
        door, "the build fails (warmgate run exits 3; under pytest the undecided tests fail)")


class NoSuchCell(LookupError):
    """`GateResult.cell` of a (suite, context, belief) the run does not have."""

    def __str__(self) -> str:  # KeyError would quote the message; a LookupError shows it
        return str(self.args[0])
