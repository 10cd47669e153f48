"""The gate: plan the work, generate, score, pair base with candidate, decide each cell.

Data flows one way: suites -> framings -> backend -> scorer -> results table -> statistics
-> verdicts. Reports and pytest read the GateResult; nothing here reaches back.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from warmgate import __version__
from warmgate.backends import Backend, make_backend
from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.framings import layout_for, load_statements, render
from warmgate.results import COLUMNS, KEY
from warmgate.scoring import CORRECT, INCORRECT, REFUSAL, SCORER_NAME, SCORER_VERSION, score_reply
from warmgate.stats import (
    CONTINUE,
    STOP_FAIL,
    STOP_PASS,
    cluster_mean_ci,
    holm,
    holm_array,
    items_to_decide,
    mcnemar,
    min_detectable_increase,
    odds_ratio,
    paired_diff_ci,
    sequential_look,
    sign_flip_pvalue,
)
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
    odds_ratio: float | None = None  # b / c as the study reports it; None when b = c = 0
    mde_pp: float | None = None  # smallest increase FAILed with 80 % power at this n
    items_to_decide: int | None = None  # INCONCLUSIVE only: items that would decide it
    decides_as: str = ""  # the verdict those items would give at the observed rates

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
            f"Holm-adjusted {self.p_adjusted:.3g}{self._power_note()})"
        )

    def _power_note(self) -> str:
        ratio = "" if self.odds_ratio is None else f"; odds ratio b/c {self.odds_ratio:.2f}"
        mde = "" if self.mde_pp is None else f"; detectable increase {self.mde_pp:.1f} pp"
        if self.verdict != INCONCLUSIVE:
            return ratio + mde
        if self.items_to_decide is None:
            return f"{ratio}{mde}; no number of items decides it at the observed rates"
        return (f"{ratio}{mde}; about {self.items_to_decide} items at the observed rates "
                f"would decide it ({self.decides_as})")

    def to_dict(self) -> dict:
        d = {**asdict(self), "id": self.id}
        if d["odds_ratio"] is not None and math.isinf(d["odds_ratio"]):
            d["odds_ratio"] = "inf"  # strict JSON has no infinity
        return d


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

    @cached_property
    def signature(self) -> list[SignatureLine]:
        """The study's signature lines (warmth gap per context vs unmodified), from the table."""
        return warmth_signature(self.config, self.table)

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
        suite = load_suite(suite_name).sample(config.items_for(suite_name), config.seed)
        layout = layout_for(config.layout, suite.name)
        for item in suite.items:
            for context in config.contexts:
                for belief in config.beliefs:
                    prompt = render(item, context, belief, statements, layout)
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
            score = score_reply(job.item, out, job.belief, job.suite)
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
                    "sycophantic": score.sycophantic,
                }
            )
    # `sycophantic` (did the reply endorse the stated belief; None without one) is an extra
    # column, not a contract column, so older tables stay readable.
    return pd.DataFrame(rows, columns=[*COLUMNS, "sycophantic"]), provenance


def _paired(table: pd.DataFrame) -> pd.DataFrame:
    """Base and candidate outcomes side by side, on the items present for both roles."""
    base = table[table.role == "base"].set_index(KEY)["evaluation"]
    cand = table[table.role == "candidate"].set_index(KEY)["evaluation"]
    return pd.concat({"base": base, "cand": cand}, axis=1, join="inner").reset_index()


def _counts(sel: pd.DataFrame) -> tuple[int, int, int, int, int, int]:
    """n11, b, c, n00 on non-refused pairs, and the refusals of each role."""
    refusals_base = int((sel.base == REFUSAL).sum())
    refusals_cand = int((sel.cand == REFUSAL).sum())
    # The study's policy: refusals leave the paired comparison and are reported apart.
    sel = sel[(sel.base != REFUSAL) & (sel.cand != REFUSAL)]
    base_ok, cand_ok = sel.base == CORRECT, sel.cand == CORRECT
    base_bad, cand_bad = sel.base == INCORRECT, sel.cand == INCORRECT
    return (int((base_ok & cand_ok).sum()), int((base_ok & cand_bad).sum()),
            int((base_bad & cand_ok).sum()), int((base_bad & cand_bad).sum()),
            refusals_base, refusals_cand)


def _make_cell(config: GateConfig, key: tuple[str, str, str], counts: tuple[int, ...],
               p: float, p_adj: float, verdict: str | None, m: int) -> Cell:
    """One Cell with its effect sizes, interval, power and (when undecided) items to decide."""
    suite, context, belief = key
    n11, b, c, n00, rb, rc = counts
    n = n11 + b + c + n00
    threshold = config.threshold_for(suite, context, belief)
    delta = (b - c) / n if n else 0.0
    lo, hi = paired_diff_ci(n11, b, c, n00, 0.95)
    if verdict is None:
        _, upper = paired_diff_ci(n11, b, c, n00, 1 - 2 * config.alpha)  # one-sided bound
        if n and p_adj < config.alpha and delta * 100 > threshold:
            verdict = FAIL
        elif n and upper * 100 < threshold:
            verdict = PASS
        else:
            verdict = INCONCLUSIVE
    # Power at Holm's strictest step (alpha / m): conservative, since the rank is unknown.
    alpha_cell = config.alpha / max(m, 1)
    mde = min_detectable_increase(n, (b + c) / (2 * n), alpha_cell, threshold) if n else None
    needed, decides_as = (None, "")
    if verdict == INCONCLUSIVE:
        needed, decides_as = items_to_decide(n11, b, c, n00, threshold, alpha_cell, config.alpha)
    return Cell(
        suite=suite, context=context, belief=belief, n=n, n11=n11, b=b, c=c, n00=n00,
        base_error=(c + n00) / n if n else 0.0, candidate_error=(b + n00) / n if n else 0.0,
        delta=delta, ci_low=lo, ci_high=hi, pvalue=p, p_adjusted=p_adj, threshold_pp=threshold,
        verdict=verdict, refusals_base=rb, refusals_candidate=rc, odds_ratio=odds_ratio(b, c),
        mde_pp=None if mde is None else mde * 100, items_to_decide=needed, decides_as=decides_as,
    )


def _select(pairs: pd.DataFrame, suite: str, context: str, belief: str) -> pd.DataFrame:
    return pairs[(pairs.suite == suite) & (pairs.amendment_type == context)
                 & (pairs.prompt_template == belief)]


def decide(config: GateConfig, table: pd.DataFrame) -> list[Cell]:
    """Pair base and candidate per item and decide every cell, Holm-corrected across cells.

    FAIL: one-sided exact McNemar significant after Holm and the estimate above the threshold;
    PASS: the one-sided (1 - alpha) Tango upper bound below the threshold; else INCONCLUSIVE,
    with the items that would decide it at the observed rates.
    """
    pairs = _paired(table)
    keys = config.cells()
    groups = {k: g for k, g in pairs.groupby(["suite", "amendment_type", "prompt_template"])}
    counts = [_counts(groups.get(key, pairs.iloc[:0])) for key in keys]
    pvalues = [mcnemar(k[1], k[2], alternative="greater").pvalue for k in counts]
    adjusted = holm(pvalues)
    return [_make_cell(config, key, cnt, p, p_adj, None, len(keys))
            for key, cnt, p, p_adj in zip(keys, counts, pvalues, adjusted, strict=True)]


@dataclass(frozen=True)
class SequentialOutcome:
    """What early stopping decided: the cells (at the counts where each stopped) and items."""

    cells: list[Cell]
    looks: int
    items_used: int
    items_planned: int

    @property
    def items_saved(self) -> int:
        return self.items_planned - self.items_used


def decide_sequential(config: GateConfig, table: pd.DataFrame, batch: int,
                      looks: int | None = None) -> SequentialOutcome:
    """Replay a results table in batches of `batch` items per suite, stopping each cell once
    settled (`warmgate.stats.sequential_look`: exact McNemar with alpha spent evenly over the
    planned looks, Holm across cells, for FAIL; Tango bounds at alpha / looks for PASS). A pure
    function of the table, so a run can call it after each batch; items in the table's order.
    `looks`: the planned number of looks when the table holds only the first few so far."""
    if batch < 1:
        raise WarmgateError(f"early stopping batch must be at least 1 item, got {batch}")
    pairs = _paired(table)
    keys = config.cells()
    order = {s: list(dict.fromkeys(pairs[pairs.suite == s].item_id)) for s in {k[0] for k in keys}}
    available = max((math.ceil(len(v) / batch) for v in order.values()), default=1) or 1
    looks = max(looks or available, available)
    thresholds = np.array([config.threshold_for(*k) for k in keys])
    p_run, state = np.ones(len(keys)), np.zeros(len(keys), dtype=int)
    counts: list[tuple[int, ...]] = [(0, 0, 0, 0, 0, 0)] * len(keys)
    look = 0
    for look in range(1, available + 1):
        for i, key in enumerate(keys):
            if state[i] == CONTINUE:
                sel = _select(pairs, *key)
                counts[i] = _counts(sel[sel.item_id.isin(order[key[0]][: look * batch])])
        b = np.array([k[1] for k in counts])
        c = np.array([k[2] for k in counts])
        n = np.array([sum(k[:4]) for k in counts])
        p_run, state = sequential_look(b, c, n, p_run, state, thresholds, config.alpha, looks)
        if not (state == CONTINUE).any():
            break
    adjusted = holm_array(p_run)
    names = {CONTINUE: INCONCLUSIVE, STOP_FAIL: FAIL, STOP_PASS: PASS}
    cells = [_make_cell(config, key, cnt, float(p), float(pa), names[int(s)], len(keys))
             for key, cnt, p, pa, s in zip(keys, counts, p_run, adjusted, state, strict=True)]
    planned = sum(sum(_counts(_select(pairs, *k))[:4]) for k in keys)
    return SequentialOutcome(cells, look, sum(c.n for c in cells), planned)


@dataclass(frozen=True)
class SignatureLine:
    """The study's signature for one context: the candidate's change in error rate under it,
    minus its change under `unmodified` (difference in differences, items as clusters)."""

    context: str
    gap: float
    gap_context: float
    gap_unmodified: float
    ci_low: float
    ci_high: float
    pvalue: float
    p_adjusted: float
    items: int
    units: int

    def message(self) -> str:
        """'warmth gap under emotion:sad: +x pp' with its interval and p-values."""
        return (
            f"warmth gap under {self.context}: {self.gap * 100:+.1f} pp vs unmodified (95% CI "
            f"[{self.ci_low * 100:+.1f}, {self.ci_high * 100:+.1f}] pp; change "
            f"{self.gap_context * 100:+.1f} pp under {self.context}, "
            f"{self.gap_unmodified * 100:+.1f} pp unmodified; {self.items} items, "
            f"{self.units} item x belief pairs; one-sided sign-flip p={self.pvalue:.3g}, "
            f"Holm-adjusted {self.p_adjusted:.3g})"
        )

    def to_dict(self) -> dict:
        return asdict(self)


def warmth_signature(config: GateConfig, table: pd.DataFrame,
                     draws: int = 20000) -> list[SignatureLine]:
    """Per context, does the candidate degrade more under it than under `unmodified`?

    For every (suite, item, belief) answered without refusal under both framings by both
    models, d = candidate wrong - base wrong; the line's estimate is the mean of d(context) -
    d(unmodified) over those pairs. Items are the clusters (an item's beliefs share it): the
    p-value is a one-sided paired sign-flip test on item sums, the interval cluster-robust;
    Holm across the context lines. Empty when `unmodified` is not part of the run.
    """
    if "unmodified" not in config.contexts:
        return []
    pairs = _paired(table)
    pairs = pairs[(pairs.base != REFUSAL) & (pairs.cand != REFUSAL)]
    pairs = pairs.assign(d=(pairs.cand == INCORRECT).astype(int)
                         - (pairs.base == INCORRECT).astype(int))
    unit = ["suite", "item_id", "prompt_template", "sample"]
    ref = pairs[pairs.amendment_type == "unmodified"].set_index(unit)["d"]
    raw = []
    for context in config.contexts:
        if context == "unmodified":
            continue
        here = pairs[pairs.amendment_type == context].set_index(unit)["d"]
        both = pd.concat({"x": here, "u": ref}, axis=1, join="inner").reset_index()
        both["did"] = both.x - both.u
        per_item = both.groupby(["suite", "item_id"]).agg(s=("did", "sum"), m=("did", "size"))
        est, lo, hi = cluster_mean_ci(per_item.s.to_numpy(), per_item.m.to_numpy(), 0.95)
        p = sign_flip_pvalue(per_item.s.to_numpy(), draws=draws, seed=config.seed)
        raw.append((context, est, float(both.x.mean()) if len(both) else 0.0,
                    float(both.u.mean()) if len(both) else 0.0, lo, hi, p,
                    len(per_item), len(both)))
    adjusted = holm([r[6] for r in raw])
    return [SignatureLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6], pa, r[7], r[8])
            for r, pa in zip(raw, adjusted, strict=True)]


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
    if config.early_stopping and select is None and use_baseline:
        return _run_early_stopping(config, jobs, backend, progress)
    table, provenance = generate_with_baseline(config, jobs, backend, progress, use_baseline)
    return GateResult(config, table, decide(config, table), provenance)


def _run_early_stopping(config: GateConfig, jobs: list[Job], backend: Backend,
                        progress: ProgressFactory | None) -> GateResult:
    """Generate `config.early_stopping` items per suite at a time, only for the cells still
    open, and stop each cell once `decide_sequential` settles it: a fixed-n run's decision rule
    with alpha spent over the planned looks, and fewer prompts on clear cells."""
    batch = config.early_stopping
    rank: dict[str, dict[str, int]] = {}
    for j in jobs:
        ids = rank.setdefault(j.suite, {})
        ids.setdefault(j.item.id, len(ids))
    looks = max((math.ceil(len(ids) / batch) for ids in rank.values()), default=1)
    open_cells = set(config.cells())
    parts: list[pd.DataFrame] = []
    provenance: dict = {}
    generated = hits = 0
    outcome = None
    cfg = config
    for look in range(looks):
        todo = [j for j in jobs if (j.suite, j.context, j.belief) in open_cells
                and look * batch <= rank[j.suite][j.item.id] < (look + 1) * batch]
        if not todo:
            break
        table, prov = generate_with_baseline(cfg, todo, backend, progress)
        cfg = replace(cfg, liveness_probes=0)  # probed once, on the first look
        provenance = provenance or prov
        generated += (prov.get("cache") or {}).get("generated", 0)
        hits += (prov.get("cache") or {}).get("hits", 0)
        parts.append(table)
        outcome = decide_sequential(config, pd.concat(parts, ignore_index=True), batch, looks)
        open_cells = {(c.suite, c.context, c.belief) for c in outcome.cells
                      if c.verdict == INCONCLUSIVE}
        if not open_cells:
            break
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    if outcome is None:
        return GateResult(config, table, decide(config, table), provenance)
    if provenance.get("cache") is not None:
        provenance["cache"] = {**provenance["cache"], "hits": hits, "generated": generated}
    provenance["early_stopping"] = {
        "items_per_look": batch, "planned_looks": looks, "looks": outcome.looks,
        "prompts_planned": len(jobs), "prompts_asked": int((table.role == "candidate").sum()),
    }
    return GateResult(config, table, outcome.cells, provenance)
