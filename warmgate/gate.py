"""The gate, as an orchestrator: plan -> generate (and score) -> decide -> GateResult.

Each stage is its own module (`plan`, `generate`, `pairing`, `decide`, `signature`); data
flows one way through them, and reports and pytest read the GateResult. `conclude` is the one
ending every path shares: one process, pytest-xdist workers' parts, and `warmgate merge`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from warmgate.backends import Backend, make_backend
from warmgate.config import GateConfig
from warmgate.decide import INCONCLUSIVE, Cell, decide_run, decide_sequential
from warmgate.generate import ProgressFactory, generate_with_baseline
from warmgate.plan import Job, plan, probe_jobs
from warmgate.preflight import check_environment
from warmgate.result import GateResult, Provenance
from warmgate.results import COLUMNS
from warmgate.scoring.configured import make_scorer, scorer_record
from warmgate.scoring.scorer import Scorer
from warmgate.signature import warmth_signature


def conclude(config: GateConfig, table: pd.DataFrame, provenance: Provenance | dict | None = None,
             cells: list[Cell] | None = None) -> GateResult:
    """Decide every cell and suite (pooled) of a complete results table (unless `cells` are
    already decided, by early stopping: then no pooled decision) and compute the warmth
    signature: the GateResult every front door reports."""
    if not isinstance(provenance, Provenance):
        provenance = Provenance.from_dict(provenance)
    cells, pooled = decide_run(config, table) if cells is None else (cells, [])
    return GateResult(config, table, cells, provenance, warmth_signature(config, table),
                      pooled)


def make_run_backend(config: GateConfig) -> Backend:
    """The backend for this config's base and candidate."""
    return make_backend(config.backend, {"base": config.base, "candidate": config.candidate},
                        config.decoding, config.backend_options)


def run(config: GateConfig, progress: ProgressFactory | None = None,
        backend: Backend | None = None,
        select: Callable[[list[Job]], list[Job]] | None = None,
        use_baseline: bool = True) -> GateResult:
    """Plan, generate both roles, score and decide; `select` keeps a shard of the jobs.

    With a matching stored baseline (and `use_baseline`), the base's rows come from it and
    only the candidate is generated; replies go through the generation cache."""
    check_environment(config)  # a folder it cannot write: exit 2 now, not 70 after generating
    jobs = plan(config)
    # The liveness probes come from the whole plan, so that every shard and xdist worker
    # checks the same prompts and a run decides liveness the same way however it is split.
    probes = probe_jobs(jobs, config.liveness_probes)
    if select is not None:
        jobs = select(jobs)
    scorer = make_scorer(config)
    scored_by = scorer_record(config, scorer)  # refuses an uncalibrated judge before generating
    backend = backend or make_run_backend(config)
    if config.early_stopping and select is None and use_baseline:
        result = _run_early_stopping(config, jobs, backend, progress, scorer)
    else:
        table, provenance = generate_with_baseline(config, jobs, backend, progress, use_baseline,
                                                   scorer, probes)
        result = conclude(config, table, provenance)
    result.provenance.scorer = scored_by
    return result


def _run_early_stopping(config: GateConfig, jobs: list[Job], backend: Backend,
                        progress: ProgressFactory | None, scorer: Scorer) -> GateResult:
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
    provenance: Provenance | None = None
    generated = hits = 0
    outcome = None
    cfg = config
    for look in range(looks):
        todo = [j for j in jobs if j.cell in open_cells
                and look * batch <= rank[j.suite][j.item.id] < (look + 1) * batch]
        if not todo:
            break
        table, prov = generate_with_baseline(cfg, todo, backend, progress, scorer=scorer)
        cfg = replace(cfg, liveness_probes=0)  # probed once, on the first look
        provenance = provenance or prov
        generated += (prov.cache or {}).get("generated", 0)
        hits += (prov.cache or {}).get("hits", 0)
        parts.append(table)
        outcome = decide_sequential(config, pd.concat(parts, ignore_index=True), batch, looks)
        open_cells = {(c.suite, c.context, c.belief) for c in outcome.cells
                      if c.verdict == INCONCLUSIVE}
        if not open_cells:
            break
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    provenance = provenance or Provenance()
    if outcome is None:
        return conclude(config, table, provenance)
    if provenance.cache is not None:
        provenance.cache = {**provenance.cache, "hits": hits, "generated": generated}
    provenance.early_stopping = {
        "items_per_look": batch, "planned_looks": looks, "looks": outcome.looks,
        "prompts_planned": len(jobs), "prompts_asked": int((table.role == "candidate").sum()),
    }
    return conclude(config, table, provenance, outcome.cells)
