"""The front door: `load_run(pyproject, overrides) -> Run`, a run built once for every door.

`warmgate run`, pytest, `warmgate merge` and the baseline and cache commands all read their
settings here (`read_settings`: the one TOML read, the one merge, the one validation), and
the run's objects are built here once: the suites (loaded and sampled) and statements, the
planned jobs, the decision rule, the baseline store handle, the scorer (from the registry,
with the spec it records) and the backend factory. Stages take the parts they need from the
`Run`; nothing downstream reloads an input or re-plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warmgate.baselines.layout import BaselineStore
from warmgate.config.merge import resolve
from warmgate.config.pyproject import read_table
from warmgate.config.schema import GateConfig, suite_label
from warmgate.errors import WarmgateError
from warmgate.framings import StatementSet, load_statements
from warmgate.identity import record
from warmgate.plan import Job, plan, probe_jobs
from warmgate.rule import Rule
from warmgate.suites import Suite, load_suite

if TYPE_CHECKING:
    from warmgate.backends import Backend
    from warmgate.scoring.scorer import Scorer


def read_settings(pyproject: Path | None, overrides: dict[str, Any] | None = None, *,
                  table: dict[str, Any] | None = None, where: str | None = None,
                  flag_prefix: str = "--", required: bool = False, needs_base: bool = False,
                  root: Path | None = None) -> GateConfig | None:
    """The run's settings: `[tool.warmgate]` of `pyproject` (or the given `table`, e.g. the
    demo's), then the environment, then the command-line `overrides` (named in errors as
    `flag_prefix` + key). `required`: a named pyproject must exist; `needs_base`: without a
    table or a `base` override there is no run (None: pytest then collects nothing)."""
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if table is None and pyproject is not None:
        if required and not pyproject.is_file():
            raise WarmgateError(f"config file not found: {pyproject}")
        table = read_table(pyproject)
        if table is not None:
            root = root or pyproject.parent
            where = where or f"{pyproject} [tool.warmgate]"
    if table is None:
        if needs_base and "base" not in given:
            return None
        table = {}
    return resolve(table, given, where or "command line", root=root, flag_prefix=flag_prefix)


def load_run(pyproject: Path | None, overrides: dict[str, Any] | None = None,
             **kw: Any) -> Run | None:
    """The front door: settings read once (`read_settings`), the run built once (`Run`)."""
    config = read_settings(pyproject, overrides, **kw)
    return None if config is None else Run(config)


def rule_of(config: GateConfig) -> Rule:
    """The decision rule a configuration sets."""
    return Rule(unsure=config.unsure, alpha=config.alpha, threshold=config.threshold,
                thresholds=dict(config.thresholds), inconclusive=config.inconclusive)


@dataclass
class Run:
    """A run, built once from its settings: what to ask, how to read, how to decide, where the
    approved baseline lives. Parts are built on first use and kept (a merge never plans)."""

    config: GateConfig

    @cached_property
    def rule(self) -> Rule:
        """The decision rule (thresholds, alpha, unsure and inconclusive policies)."""
        return rule_of(self.config)

    @cached_property
    def cells(self) -> list[tuple[str, str, str]]:
        """Every (suite, context, belief) cell, in a stable order."""
        return self.config.cells()

    @property
    def contexts(self) -> tuple[str, ...]:
        return self.config.contexts

    @property
    def report(self) -> Path:
        """The report folder."""
        return Path(self.config.report)

    @cached_property
    def store(self) -> BaselineStore:
        """The baseline store handle for this run's base model."""
        return BaselineStore.of(self.config.baselines, self.config.base.model)

    @cached_property
    def statements(self) -> StatementSet:
        """The framing statement set, loaded once."""
        return load_statements(self.config.statements)

    @cached_property
    def suites(self) -> dict[str, Suite]:
        """Each suite, loaded once and sampled to the run's size, by its label."""
        out = {}
        for name in self.config.suites:
            suite = load_suite(name)
            out[suite_label(name)] = suite.sample(self.config.items_for(name), self.config.seed)
        return out

    @cached_property
    def jobs(self) -> list[Job]:
        """Every prompt of the run, planned once."""
        return plan(list(self.suites.values()), self.statements, self.config.contexts,
                    self.config.beliefs, self.config.layout)

    def probes(self) -> list[Job]:
        """The liveness probes, from the whole plan (every shard and worker checks the same)."""
        return probe_jobs(self.jobs, self.config.liveness_probes)

    @cached_property
    def scorer(self) -> Scorer:
        """The scorer, built once from the registry (a judge's model loads on first use)."""
        from warmgate.scoring import registry

        return registry.make(self.config.scorer, self.config.judge or None)

    def scorer_record(self) -> dict:
        """What scores this run and how far it was measured (refuses an untrusted judge under
        require_calibrated_judge, before anything is generated)."""
        from warmgate.scoring import registry

        return registry.record(self.config.scorer, self.scorer, self.config.judge or None,
                               self.config.require_calibrated_judge)

    def make_backend(self) -> Backend:
        """A new backend for this run's base and candidate."""
        from warmgate.backends import make_backend

        c = self.config
        return make_backend(c.backend, {"base": c.base, "candidate": c.candidate}, c.decoding,
                            c.backend_options)

    def base_record(self, base: dict, scorer: str, scorer_version: str) -> dict:
        """The fields a stored baseline is matched on: this run's inputs and the backend's base
        provenance (suites by hash, as loaded here)."""
        from warmgate import __version__

        c = self.config
        return {
            **record({"persona": c.base.persona or "", **base}),
            "model": base.get("model", c.base.model),
            "adapter": base.get("adapter", c.base.adapter or ""),
            "backend": base.get("backend", c.backend),
            "decoding": base.get("decoding", c.decoding.to_dict()),
            "suites": {k: v.sha256 for k, v in self.suites.items()},
            "statement_set": self.statements.version,
            "statements_sha256": self.statements.sha256,
            "scorer": scorer,
            "scorer_version": scorer_version,
            "warmgate_version": __version__,
        }

    def manifest_fields(self) -> dict:
        """What a baseline's manifest says about the run that made it."""
        c = self.config
        return {"base": c.base.model, "items": c.items, "seed": c.seed, "layout": c.layout,
                "contexts": list(c.contexts), "beliefs": list(c.beliefs)}

    def describe(self, role: str) -> str:
        """A role's model, adapter and persona in words."""
        return (self.config.base if role == "base" else self.config.candidate).describe()


def as_run(run: Run | GateConfig) -> Run:
    """A Run from a Run or a GateConfig (the Python API's `gate.run(config)` keeps working)."""
    return run if isinstance(run, Run) else Run(run)
