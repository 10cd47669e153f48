"""Planning: suites x framings -> the jobs of a run (one prompt each), in a stable order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warmgate.framings import StatementSet, layout_for, render
from warmgate.suites import Item, Suite


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


def plan(suites: Sequence[Suite], statements: StatementSet, contexts: Sequence[str],
         beliefs: Sequence[str], layout: str) -> list[Job]:
    """Every prompt of the run (loaded, sampled suites x contexts x beliefs), in a stable order."""
    jobs = []
    for suite in suites:
        suite_layout = layout_for(layout, suite.name)
        for item in suite.items:
            for context in contexts:
                for belief in beliefs:
                    prompt = render(item, context, belief, statements, suite_layout)
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
