"""Generation: jobs -> scored rows of the results table.

Replies come from the backend through the reply store (stored batch by batch, so an
interrupted run resumes) and a per-run memo (`warmgate.liveness`: the probe's replies are
reused); the
base's rows come from a matching stored baseline where there is one, re-scored when it was
scored another way. Scoring is `warmgate.scoring.rescore`'s, with the run's scorer.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from warmgate import __version__, baselines
from warmgate.backends import Backend
from warmgate.errors import WarmgateError
from warmgate.liveness import Memo, check_liveness, lora_unapplied
from warmgate.plan import Job, probe_jobs
from warmgate.result import Provenance
from warmgate.scoring.rescore import score_rows, scored_by
from warmgate.scoring.scorer import Scorer
from warmgate.table import COLUMNS, EXTRA, ordered

if TYPE_CHECKING:
    from warmgate.run import Run

ProgressFactory = Callable[[str, int], Callable[[int], None]]


def generate_rows(statement_set: str, jobs: list[Job], backend: Backend, roles: Sequence[str],
                  scorer: Scorer, progress: ProgressFactory | None = None
                  ) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Ask every role every job and score the replies: results rows and each role's provenance
    (`statement_set`: the framing statements' version, a column of every row)."""
    parts, provenance = [], {}
    for role in roles:
        tick = progress(role, len(jobs)) if progress and jobs else None
        outputs = backend.generate(role, [j.prompt for j in jobs], tick)
        prov = backend.provenance(role)
        provenance[role] = prov
        rows = pd.DataFrame({
            "role": role, "suite": [j.suite for j in jobs], "item_id": [j.item.id for j in jobs],
            "amendment_type": [j.context for j in jobs],
            "prompt_template": [j.belief for j in jobs], "sample": 0,
            "prompt": [j.prompt for j in jobs], "output": outputs,
            "statement_set": statement_set,
            "model_fingerprint": prov.get("model_fingerprint", ""),
            "adapter_fingerprint": prov.get("adapter_fingerprint", ""),
            "persona_sha256": hashlib.sha256(prov.get("persona", "").encode()).hexdigest(),
            "warmgate_version": __version__,
        }, columns=[*COLUMNS, *EXTRA])
        parts.append(score_rows(rows, [j.item for j in jobs], scorer))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    return ordered(table), provenance


def base_rows_from(stored: baselines.Baseline, jobs: list[Job], scorer: Scorer
                   ) -> tuple[pd.DataFrame, list[Job]]:
    """A stored baseline's base rows for these jobs (re-scored when scored another way) and the
    jobs it lacks; a stored row asked with another prompt is an error."""
    table = stored.table()
    table = table[table.role == "base"]
    by_key = {(r["suite"], r["item_id"], r["amendment_type"], r["prompt_template"],
               int(r["sample"])): r for r in table.to_dict("records")}
    rows, found, missing = [], [], []
    for job in jobs:
        row = by_key.get((*job.key, 0))
        if row is None:
            missing.append(job)
            continue
        if row["prompt"] != job.prompt:
            raise WarmgateError(
                f"baseline {stored.label()}: item {job.item.id} of suite {job.suite} under "
                f"{job.context}/{job.belief} was asked with another prompt (the item or its "
                f"framing changed); make a new baseline: {baselines.UPDATE_HINT}")
        rows.append(row)
        found.append(job)
    out = pd.DataFrame(rows, columns=table.columns) if rows else table.iloc[0:0]
    out = out.reset_index(drop=True)
    if len(out) and not scored_by(out, scorer):
        out = score_rows(out, [j.item for j in found], scorer)
    return ordered(out), missing


def generate_with_baseline(run: Run, jobs: list[Job], backend: Backend, scorer: Scorer,
                           progress: ProgressFactory | None = None, use_baseline: bool = True,
                           probes: list[Job] | None = None, liveness_probes: int | None = None
                           ) -> tuple[pd.DataFrame, Provenance]:
    """Base rows from a matching stored baseline where there is one, the rest generated through
    the generation cache; then the candidate's rows. `probes`: the liveness check's prompts
    (default: spread over `jobs`); `liveness_probes`: how many (default: the run's setting)."""
    if liveness_probes is None:
        liveness_probes = run.config.liveness_probes
    from warmgate.cache import CachedBackend, open_cache

    cache = open_cache(run.config.cache)
    cached = CachedBackend(backend, cache, chunk=max(1, run.config.batch_size)) if cache else None
    gen = Memo(cached or backend)
    base_rows, base_jobs, used = None, jobs, None
    if use_baseline:
        stored = run.store.latest()
        if stored is None:
            if run.store.folder is not None:
                _warn([run.store.missing_message()])
        else:
            now = run.base_record(backend.provenance("base"), scorer.name, scorer.version)
            _warn(baselines.check(stored, now))
            if baselines.MANIFEST_HASH not in stored.manifest:
                _warn([f"baseline {stored.label()}: {baselines.UNHASHED_NOTE}"])
            base_rows, base_jobs = base_rows_from(stored, jobs, scorer)
            used = {"label": stored.label(), "path": str(stored.path), "version": stored.version,
                    "approved_by": stored.manifest.get("approved_by", ""),
                    "sealed": baselines.MANIFEST_HASH in stored.manifest,
                    "resealed_by": (stored.manifest.get("resealed") or {}).get("by"),
                    "reused_rows": len(base_rows), "generated_rows": len(base_jobs)}
            if base_jobs:
                _warn([f"baseline {stored.label()} lacks {len(base_jobs)} of this run's "
                       "prompts: the base is generated for those"])
    if liveness_probes > 0:
        probes = probe_jobs(jobs, liveness_probes) if probes is None else probes
        check_liveness(run, probes, gen, base_rows)
    version = run.statements.version
    base_table, roles = generate_rows(version, base_jobs, gen, ("base",), scorer, progress)
    cand_table, cand_roles = generate_rows(version, jobs, gen, ("candidate",), scorer, progress)
    parts = [t for t in (base_rows, base_table, cand_table) if t is not None and len(t)]
    table = pd.concat(parts, ignore_index=True) if parts else cand_table
    provenance = Provenance(roles={**roles, **cand_roles}, baseline=used)
    _warn(lora_unapplied(roles.get("base", {}), cand_roles.get("candidate", {})))
    if cached is not None:
        provenance.cache = {"path": str(cache.path), "hits": cached.hits,
                            "generated": cached.misses}
    return ordered(table).reset_index(drop=True), provenance


def _warn(notes: list[str]) -> None:
    """Notes as BaselineWarnings (pytest lists them; the CLI prints them to stderr)."""
    for n in notes:
        warnings.warn(n, baselines.BaselineWarning, stacklevel=3)
