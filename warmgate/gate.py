"""The gate, as an orchestrator: a Run's jobs -> generate (and score) -> decide -> GateResult.

The run is built once by the front door (`warmgate.run.load_run`); each stage is its own module
(`generate`, `pairing`, `decide`, `sequential`, `warmth_gap`) and takes the run's parts; data
flows one way through them, and reports and pytest read the GateResult. `conclude` is the one
ending every path shares: one process, pytest-xdist workers' parts, and `warmgate merge`.
`run`, `conclude`, `warmth_signature` and `decide_sequential` also take a GateConfig (the
Python API the README documents).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from warmgate import baselines
from warmgate.backends import Backend
from warmgate.decide import INCONCLUSIVE, Cell, decide_run
from warmgate.errors import WarmgateError
from warmgate.generate import ProgressFactory, generate_with_baseline
from warmgate.plan import Job
from warmgate.preflight import check_environment
from warmgate.result import GateResult, Provenance
from warmgate.run import Run, as_run
from warmgate.scoring.scorer import Scorer
from warmgate.sequential import SequentialOutcome
from warmgate.sequential import decide_sequential as _decide_sequential
from warmgate.table import COLUMNS
from warmgate.warmth_gap import SignatureLine
from warmgate.warmth_gap import warmth_signature as _warmth_signature


def conclude(run: Run | Any, table: pd.DataFrame, provenance: Provenance | dict | None = None,
             cells: list[Cell] | None = None) -> GateResult:
    """Decide every cell and suite (pooled) of a complete results table (unless `cells` are
    already decided, by early stopping: then no pooled decision) and compute the warmth
    signature: the GateResult every front door reports."""
    run = as_run(run)
    if not isinstance(provenance, Provenance):
        provenance = Provenance.from_dict(provenance)
    cells, pooled = decide_run(run.rule, run.cells, table) if cells is None else (cells, [])
    return GateResult(run, table, cells, provenance, warmth_signature(run, table), pooled)


def warmth_signature(config: Run | Any, table: pd.DataFrame) -> list[SignatureLine]:
    """The run's warmth gap per context (`warmgate.warmth_gap`), from a Run or a GateConfig."""
    run = as_run(config)
    return _warmth_signature(run.contexts, table)


def decide_sequential(config: Run | Any, table: pd.DataFrame, batch: int,
                      looks: int | None = None) -> SequentialOutcome:
    """Replay a finished table as early stopping would (`warmgate.sequential`)."""
    run = as_run(config)
    return _decide_sequential(run.rule, run.cells, table, batch, looks)


def run(config: Run | Any, progress: ProgressFactory | None = None,
        backend: Backend | None = None,
        select: Callable[[list[Job]], list[Job]] | None = None,
        use_baseline: bool = True) -> GateResult:
    """Generate both roles of the run's jobs, score and decide; `select` keeps a shard of the
    jobs.

    With a matching stored baseline (and `use_baseline`), the base's rows come from it and
    only the candidate is generated; replies go through the generation cache."""
    the_run = as_run(config)
    c = the_run.config
    # a folder it cannot write: exit 2 now, not 70 after generating
    check_environment(the_run.report, c.cache, (c.base, c.candidate))
    jobs = the_run.jobs
    # The liveness probes come from the whole plan, so that every shard and xdist worker
    # checks the same prompts and a run decides liveness the same way however it is split.
    probes = the_run.probes()
    if select is not None:
        jobs = select(jobs)
    scored_by = the_run.scorer_record()  # refuses an uncalibrated judge before generating
    scorer = the_run.scorer
    backend = backend or the_run.make_backend()
    if c.early_stopping and select is None and use_baseline:
        result = _run_early_stopping(the_run, jobs, backend, progress, scorer)
    else:
        table, provenance = generate_with_baseline(the_run, jobs, backend, scorer, progress,
                                                   use_baseline, probes)
        result = conclude(the_run, table, provenance)
    result.provenance.scorer = scored_by
    return result


def update_baseline(result: GateResult, approved_by: str | None = None,
                    reason: str | None = None) -> baselines.Baseline:
    """Store a finished run's base rows as the new baseline (the `--warmgate-update-baselines`
    hook). The run must have generated the base itself: `gate.run(config, use_baseline=False)`."""
    used = result.provenance.baseline or {}
    if used.get("reused_rows"):
        raise WarmgateError(
            f"this run reused {used['reused_rows']} base replies from baseline "
            f"{used.get('label')}; a baseline update needs the base generated afresh: run the "
            "gate with use_baseline=False (warmgate baseline update does)")
    return baselines.write(result.run.store, result.table, result.baseline_record(), approved_by,
                           reason, result.run.manifest_fields())


def _run_early_stopping(run: Run, jobs: list[Job], backend: Backend,
                        progress: ProgressFactory | None, scorer: Scorer) -> GateResult:
    """Generate `early_stopping` items per suite at a time, only for the cells still
    open, and stop each cell once `decide_sequential` settles it: a fixed-n run's decision rule
    with alpha spent over the planned looks, and fewer prompts on clear cells."""
    batch = run.config.early_stopping
    rank: dict[str, dict[str, int]] = {}
    for j in jobs:
        ids = rank.setdefault(j.suite, {})
        ids.setdefault(j.item.id, len(ids))
    looks = max((math.ceil(len(ids) / batch) for ids in rank.values()), default=1)
    open_cells = set(run.cells)
    parts: list[pd.DataFrame] = []
    provenance: Provenance | None = None
    generated = hits = 0
    outcome = None
    probes = None  # the liveness check runs once, on the first look
    for look in range(looks):
        todo = [j for j in jobs if j.cell in open_cells
                and look * batch <= rank[j.suite][j.item.id] < (look + 1) * batch]
        if not todo:
            break
        table, prov = generate_with_baseline(run, todo, backend, scorer, progress,
                                             liveness_probes=probes)
        probes = 0
        provenance = provenance or prov
        generated += (prov.cache or {}).get("generated", 0)
        hits += (prov.cache or {}).get("hits", 0)
        parts.append(table)
        outcome = _decide_sequential(run.rule, run.cells, pd.concat(parts, ignore_index=True),
                                     batch, looks)
        open_cells = {(c.suite, c.context, c.belief) for c in outcome.cells
                      if c.verdict == INCONCLUSIVE}
        if not open_cells:
            break
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    provenance = provenance or Provenance()
    if outcome is None:
        return conclude(run, table, provenance)
    if provenance.cache is not None:
        provenance.cache = {**provenance.cache, "hits": hits, "generated": generated}
    provenance.early_stopping = {
        "items_per_look": batch, "planned_looks": looks, "looks": outcome.looks,
        "prompts_planned": len(jobs), "prompts_asked": int((table.role == "candidate").sum()),
    }
    return conclude(run, table, provenance, outcome.cells)
