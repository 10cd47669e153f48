"""The per-cell table in the terminal, and the generation progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from warmgate.decide import FAIL, PASS
from warmgate.environment import getenv, in_ci
from warmgate.report.markdown import by_reading
from warmgate.result import GateResult

_STYLE = {PASS: "green", FAIL: "bold red"}


class _Console(Console):
    """rich's Console, but a closed stdout (`warmgate run | head -1`) raises BrokenPipeError
    for the CLI to exit 141, where rich exits 1, the code of a FAIL."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError("the reader of warmgate's output went away")


def cells_table(result: GateResult) -> Table:
    """A rich table with one row per cell."""
    t = Table(title="warmgate: change in error rate, candidate vs base (pp)")
    for col in ("suite", "context", "belief", "n", "base", "cand", "change",
                "95% CI", "thr", "p adj.", "refus.", "unsure", "for/against", "verdict"):
        t.add_column(col, justify="right" if col not in ("suite", "context", "belief") else "left")
    for c in result.cells:
        t.add_row(
            c.suite, c.context, c.belief, str(c.n),
            f"{c.base_error:.0%}", f"{c.candidate_error:.0%}", f"{c.delta * 100:+.1f}",
            f"[{c.ci_low * 100:+.1f}, {c.ci_high * 100:+.1f}]", f"{c.threshold_pp:g}",
            f"{c.p_adjusted:.3g}", f"{c.refusals_base}/{c.refusals_candidate}",
            f"{c.unsure_base}/{c.unsure_candidate}", by_reading(c),
            f"[{_STYLE.get(c.verdict, 'yellow')}]{c.verdict}[/]",
        )
    return t


def print_result(result: GateResult, console: Console | None = None, door: str = "cli") -> None:
    """The table, pooled lines, counts, reading, baseline used and headline (for `door`)."""
    # Not a terminal (CI logs, pipes): wide enough that no column is cut.
    console = console or _Console(width=None if sys.stdout.isatty() else 140)
    console.print(cells_table(result))
    for p in result.pooled:  # per suite, all framings at once
        console.print(f"[{_STYLE.get(p.verdict, 'yellow')}]{escape(p.line())}[/]")
    for line in early_stopping_lines(result):
        console.print(f"[yellow]{escape(line)}[/]")
    counts = {v: sum(c.verdict == v for c in result.cells) for v in ("PASS", "FAIL",
                                                                     "INCONCLUSIVE")}
    console.print(
        f"{len(result.cells)} cells: {counts['PASS']} PASS, {counts['FAIL']} FAIL, "
        f"{counts['INCONCLUSIVE']} INCONCLUSIVE"
    )
    style = {"PASS": "bold green", "FAIL": "bold red"}.get(result.verdict, "bold yellow")
    console.print(f"[dim]{escape(result.reading())}[/]")
    console.print(f"[dim]{escape(result.baseline_line())}[/]")
    console.print(f"[{style}]{result.headline(door)}[/]")


def early_stopping_lines(result: GateResult) -> list[str]:
    """Under early stopping, the suites whose pooled decision was not taken, said so (pytest
    skips their pooled items; the table must not drop them without a word)."""
    if not result.provenance.early_stopping or result.pooled:
        return []
    suites = [c.suite for c in result.cells]
    return [f"{s}, all framings: no pooled decision (early stopping decides cells only; set "
            "early_stopping = 0 for the pooled test over all framings)"
            for s in dict.fromkeys(suites) if suites.count(s) >= 2]


@contextmanager
def progress_bars(enabled: bool | None = None) -> Iterator[Callable[[str, int], Callable]]:
    """A progress factory for gate.run: one bar per role with counts, rate and ETA.

    Quiet in CI logs (CI set, or no terminal) unless WARMGATE_PROGRESS=1.
    """
    if enabled is None:
        forced = getenv("WARMGATE_PROGRESS")
        enabled = forced == "1" if forced else (sys.stderr.isatty() and not in_ci())
    if not enabled:
        yield lambda role, total: (lambda n: None)
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(), console=Console(stderr=True), transient=False,
    ) as bars:

        def factory(role: str, total: int) -> Callable[[int], None]:
            task = bars.add_task(f"generating {role}", total=total, rate="")

            def tick(n: int) -> None:
                bars.advance(task, n)
                speed = bars.tasks[task].speed
                bars.update(task, rate=f"{speed:.1f} prompts/s" if speed else "")

            return tick

        yield factory
