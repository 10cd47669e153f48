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
from warmgate.errors import WarmgateError
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
        tick = progress(role, len(jobs)) if progress and jobs else None
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


class _Memo:
    """Remembers replies per (role, message) within one run, so that the liveness probe's
    replies are reused by the full run and nothing is generated twice."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "backend")
        self.seen: dict[tuple[str, str], str] = {}

    def provenance(self, role: str) -> dict:
        return self.inner.provenance(role)

    def generate(self, role: str, messages, progress=None) -> list[str]:
        todo = list(dict.fromkeys(m for m in messages if (role, m) not in self.seen))
        known = len(messages) - len(todo)
        if progress and known:
            progress(known)
        if todo:
            for m, reply in zip(todo, self.inner.generate(role, todo, progress), strict=True):
                self.seen[(role, m)] = reply
        return [self.seen[(role, m)] for m in messages]


def probe_jobs(jobs: list[Job], n: int) -> list[Job]:
    """Up to `n` jobs spread over the cells: the first item of every cell, then the second..."""
    by_cell: dict[tuple[str, str, str], list[Job]] = {}
    for j in jobs:
        by_cell.setdefault((j.suite, j.context, j.belief), []).append(j)
    picked: list[Job] = []
    depth = 0
    while len(picked) < n and any(len(v) > depth for v in by_cell.values()):
        picked += [v[depth] for v in by_cell.values() if len(v) > depth][: n - len(picked)]
        depth += 1
    return picked


def check_liveness(config: GateConfig, probes: list[Job], backend: Backend,
                   base_rows: pd.DataFrame | None) -> None:
    """Stop before the full run when the candidate answers every probe exactly like the base:
    an adapter that silently failed to load is the most common evaluation bug of this kind."""
    if not probes:
        return
    stored: dict[tuple, str] = {}
    if base_rows is not None and len(base_rows):
        stored = {(r.suite, r.item_id, r.amendment_type, r.prompt_template): r.output
                  for r in base_rows.itertuples()}
    need = [j for j in probes if (j.suite, j.item.id, j.context, j.belief) not in stored]
    if need:
        for j, out in zip(need, backend.generate("base", [j.prompt for j in need]), strict=True):
            stored[(j.suite, j.item.id, j.context, j.belief)] = out
    cand = backend.generate("candidate", [j.prompt for j in probes])
    if any(c != stored[(j.suite, j.item.id, j.context, j.belief)]
           for j, c in zip(probes, cand, strict=True)):
        return
    raise WarmgateError(
        f"liveness check failed: the candidate ({config.candidate.describe()}) replied exactly "
        f"like the base ({config.base.describe()}) on all {len(probes)} probe prompts (spread "
        "over the cells). Most often an adapter that did not load or does nothing (wrong "
        "folder, target modules that match no layer, untrained all-zero LoRA weights) or a "
        "persona that never reached the prompt. Check the candidate; if an identical candidate "
        "is intended (an A/A check), set liveness_probes = 0 in [tool.warmgate].")


def generate_with_baseline(config: GateConfig, jobs: list[Job], backend: Backend,
                           progress: ProgressFactory | None = None,
                           use_baseline: bool = True) -> tuple[pd.DataFrame, dict]:
    """Base rows from a matching stored baseline where there is one, the rest generated through
    the generation cache (stored batch by batch, so an interrupted run resumes)."""
    from warmgate import baselines
    from warmgate.cache import CachedBackend, open_cache

    cache = open_cache(config.cache)
    cached = CachedBackend(backend, cache, chunk=max(1, config.batch_size)) if cache else None
    gen = _Memo(cached or backend)
    base_rows, base_jobs, used = None, jobs, None
    if use_baseline:
        stored = baselines.latest(config)
        if stored is None:
            if baselines.base_folder(config) is not None:
                baselines.warn([baselines.missing_message(config)])
        else:
            baselines.warn(baselines.check(stored, config, backend.provenance("base")))
            base_rows, base_jobs = baselines.reuse(stored, config, jobs)
            used = {"label": stored.label(), "path": str(stored.path), "version": stored.version,
                    "reused_rows": len(base_rows), "generated_rows": len(base_jobs)}
            if base_jobs:
                baselines.warn([f"baseline {stored.label()} lacks {len(base_jobs)} of this run's "
                                "prompts: the base is generated for those"])
    if config.liveness_probes > 0:
        check_liveness(config, probe_jobs(jobs, config.liveness_probes), gen, base_rows)
    base_table, provenance = generate_table(config, base_jobs, gen, ("base",), progress)
    cand_table, cand_prov = generate_table(config, jobs, gen, ("candidate",), progress)
    provenance |= cand_prov
    parts = [t for t in (base_rows, base_table, cand_table) if t is not None and len(t)]
    table = pd.concat(parts, ignore_index=True) if parts else cand_table
    provenance["baseline"] = used
    if cached is not None:
        provenance["cache"] = {"path": str(cache.path), "hits": cached.hits,
                               "generated": cached.misses}
    return table.reindex(columns=COLUMNS).reset_index(drop=True), provenance


def run(config: GateConfig, progress: ProgressFactory | None = None,
        backend: Backend | None = None,
        select: Callable[[list[Job]], list[Job]] | None = None,
        use_baseline: bool = True) -> GateResult:
    """Plan, generate both roles, score and decide; `select` keeps a shard of the jobs.

    With a matching stored baseline (and `use_baseline`), the base's rows come from it and
    only the candidate is generated; replies go through the generation cache."""
    jobs = plan(config)
    if select is not None:
        jobs = select(jobs)
    if backend is None:
        backend = make_backend(
            config.backend, {"base": config.base, "candidate": config.candidate}, config.decoding,
            config.backend_options,
        )
    table, provenance = generate_with_baseline(config, jobs, backend, progress, use_baseline)
    return GateResult(config, table, decide(config, table), provenance)
