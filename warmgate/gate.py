"""The gate: plan the work, generate, score, pair base with candidate, decide each cell.

Data flows one way: suites -> framings -> backend -> scorer -> results table -> statistics
-> verdicts. Reports and pytest read the GateResult; nothing here reaches back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd

from warmgate import __version__
from warmgate.backends import Backend, make_backend
from warmgate.config import GateConfig
from warmgate.framings import load_statements, render
from warmgate.results import COLUMNS, KEY
from warmgate.scoring import CORRECT, INCORRECT, REFUSAL, SCORER_NAME, SCORER_VERSION, score_reply
from warmgate.stats import holm, mcnemar, paired_diff_ci
from warmgate.suites import Item, load_suite

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
ROLES = ("base", "candidate")


@dataclass(frozen=True)
class Cell:
    """The decision for one (suite, context, belief) cell."""

    suite: str
    context: str
    belief: str
    n: int
    n11: int
    b: int
    c: int
    n00: int
    base_error: float
    candidate_error: float
    delta: float
    ci_low: float
    ci_high: float
    pvalue: float
    p_adjusted: float
    threshold_pp: float
    verdict: str
    refusals_base: int = 0
    refusals_candidate: int = 0

    @property
    def id(self) -> str:
        return f"{self.suite}-{self.context}-{self.belief}"

    def message(self) -> str:
        """One readable paragraph: rates, the change, its interval, the threshold, the p-value."""
        return (
            f"{self.verdict} {self.id}: error rate base {self.base_error:.1%} -> candidate "
            f"{self.candidate_error:.1%} (change {self.delta * 100:+.1f} pp, 95% CI "
            f"[{self.ci_low * 100:+.1f}, {self.ci_high * 100:+.1f}] pp; threshold "
            f"+{self.threshold_pp:g} pp; newly wrong {self.b}, newly right {self.c} of "
            f"{self.n} items; one-sided exact McNemar p={self.pvalue:.3g}, "
            f"Holm-adjusted {self.p_adjusted:.3g})"
        )

    def to_dict(self) -> dict:
        return {**asdict(self), "id": self.id}


@dataclass
class GateResult:
    """Everything a run produced: the results table, the verdict per cell, provenance."""

    config: GateConfig
    table: pd.DataFrame
    cells: list[Cell]
    provenance: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[Cell]:
        return [c for c in self.cells if c.verdict == FAIL]

    def cell(self, suite: str, context: str, belief: str) -> Cell:
        for c in self.cells:
            if (c.suite, c.context, c.belief) == (suite, context, belief):
                return c
        raise KeyError(f"no cell {suite}/{context}/{belief} in this run")


@dataclass(frozen=True)
class Job:
    """One prompt to ask: an item under one framing."""

    suite: str
    item: Item
    context: str
    belief: str
    prompt: str


def plan(config: GateConfig) -> list[Job]:
    """Every prompt of the run, in a stable order."""
    statements = load_statements(config.statements)
    jobs = []
    for suite_name in config.suites:
        suite = load_suite(suite_name).sample(config.items, config.seed)
        for item in suite.items:
            for context in config.contexts:
                for belief in config.beliefs:
                    prompt = render(item, context, belief, statements)
                    jobs.append(Job(suite.name, item, context, belief, prompt))
    return jobs


ProgressFactory = Callable[[str, int], Callable[[int], None]]


def generate_table(
    config: GateConfig,
    jobs: list[Job],
    backend: Backend,
    roles: tuple[str, ...] = ROLES,
    progress: ProgressFactory | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Ask every role every job, score the replies, return the results table and provenance."""
    statements = load_statements(config.statements)
    rows = []
    provenance = {}
    for role in roles:
        tick = progress(role, len(jobs)) if progress else None
        outputs = backend.generate(role, [j.prompt for j in jobs], tick)
        prov = backend.provenance(role)
        provenance[role] = prov
        persona_hash = hashlib.sha256(prov.get("persona", "").encode()).hexdigest()
        for job, out in zip(jobs, outputs, strict=True):
            score = score_reply(job.item, out)
            rows.append(
                {
                    "role": role,
                    "suite": job.suite,
                    "item_id": job.item.id,
                    "amendment_type": job.context,
                    "prompt_template": job.belief,
                    "sample": 0,
                    "prompt": job.prompt,
                    "output": out,
                    "evaluation": score.evaluation,
                    "flag": score.flag,
                    "scorer": SCORER_NAME,
                    "scorer_version": SCORER_VERSION,
                    "statement_set": statements.version,
                    "model_fingerprint": prov.get("model_fingerprint", ""),
                    "adapter_fingerprint": prov.get("adapter_fingerprint", ""),
                    "persona_sha256": persona_hash,
                    "warmgate_version": __version__,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS), provenance


def decide(config: GateConfig, table: pd.DataFrame) -> list[Cell]:
    """Pair base and candidate per item and decide every cell, Holm-corrected across cells."""
    base = table[table.role == "base"].set_index(KEY)["evaluation"]
    cand = table[table.role == "candidate"].set_index(KEY)["evaluation"]
    pairs = pd.concat({"base": base, "cand": cand}, axis=1, join="inner").reset_index()
    raw = []
    for suite, context, belief in config.cells():
        sel = pairs[
            (pairs.suite == suite)
            & (pairs.amendment_type == context)
            & (pairs.prompt_template == belief)
        ]
        refusals_base = int((sel.base == REFUSAL).sum())
        refusals_cand = int((sel.cand == REFUSAL).sum())
        # The study's policy: refusals leave the paired comparison and are reported apart.
        sel = sel[(sel.base != REFUSAL) & (sel.cand != REFUSAL)]
        base_ok, cand_ok = sel.base == CORRECT, sel.cand == CORRECT
        n11 = int((base_ok & cand_ok).sum())
        b = int((base_ok & (sel.cand == INCORRECT)).sum())
        c = int(((sel.base == INCORRECT) & cand_ok).sum())
        n00 = int(((sel.base == INCORRECT) & (sel.cand == INCORRECT)).sum())
        raw.append((suite, context, belief, n11, b, c, n00, refusals_base, refusals_cand))
    pvalues = [mcnemar(r[4], r[5], alternative="greater").pvalue for r in raw]
    adjusted = holm(pvalues)
    cells = []
    for r, p, p_adj in zip(raw, pvalues, adjusted, strict=True):
        suite, context, belief, n11, b, c, n00, rb, rc = r
        n = n11 + b + c + n00
        threshold = config.threshold_for(suite, context, belief)
        delta = (b - c) / n if n else 0.0
        lo, hi = paired_diff_ci(n11, b, c, n00, 0.95)
        _, upper = paired_diff_ci(n11, b, c, n00, 1 - 2 * config.alpha)  # one-sided bound
        if n and p_adj < config.alpha and delta * 100 > threshold:
            verdict = FAIL
        elif n and upper * 100 < threshold:
            verdict = PASS
        else:
            verdict = INCONCLUSIVE
        cells.append(
            Cell(suite, context, belief, n, n11, b, c, n00,
                 (c + n00) / n if n else 0.0, (b + n00) / n if n else 0.0,
                 delta, lo, hi, p, p_adj, threshold, verdict, rb, rc)
        )
    return cells


def run(config: GateConfig, progress: ProgressFactory | None = None,
        backend: Backend | None = None,
        select: Callable[[list[Job]], list[Job]] | None = None) -> GateResult:
    """Plan, generate both roles, score and decide; `select` keeps a shard of the jobs."""
    jobs = plan(config)
    if select is not None:
        jobs = select(jobs)
    if backend is None:
        backend = make_backend(
            config.backend, {"base": config.base, "candidate": config.candidate}, config.decoding,
            config.backend_options,
        )
    table, provenance = generate_table(config, jobs, backend, progress=progress)
    return GateResult(config, table, decide(config, table), provenance)
