"""Planning: suites x framings -> the jobs of a run (one prompt each), in a stable order."""

from __future__ import annotations

from dataclasses import dataclass

from warmgate.config import GateConfig
from warmgate.framings import layout_for, load_statements, render
from warmgate.suites import Item, load_suite


@dataclass(frozen=True)
class Job:
    """One prompt to ask: an item under one framing."""

    suite: str
    item: Item
    context: str
    belief: str
    prompt: str

    @property
    def cell(self) -> tuple[str, str, str]:
        return (self.suite, self.context, self.belief)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(suite, item id, context, belief): the job's row key, less the sample."""
        return (self.suite, self.item.id, self.context, self.belief)


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


def probe_jobs(jobs: list[Job], n: int) -> list[Job]:
    """Up to `n` jobs spread over the cells: the first item of every cell, then the second..."""
    by_cell: dict[tuple[str, str, str], list[Job]] = {}
    for j in jobs:
        by_cell.setdefault(j.cell, []).append(j)
    picked: list[Job] = []
    depth = 0
    while len(picked) < n and any(len(v) > depth for v in by_cell.values()):
        picked += [v[depth] for v in by_cell.values() if len(v) > depth][: n - len(picked)]
        depth += 1
    return picked
