"""The pytest plugin: one test per (suite, context, belief) cell of the gate.

In a project whose pyproject.toml has a `[tool.warmgate]` table (or given `--warmgate-base`),
pytest collects `test_reliability[<suite>-<context>-<belief>]` items, and one
`test_reliability[<suite>-all-framings]` per suite with two or more cells (its pooled decision,
failing like a cell). Generation happens once
per session for all cells together, batched, when the first cell runs; each test then reads
its cell's verdict. Every field of the table can be overridden by a `--warmgate-*` option,
generated from the same schema as `warmgate run`'s flags.

The hooks here are thin: the state lives in one session object (`session.py`), the tests in
`items.py`, xdist awareness in `xdist.py`, the fixtures in `fixtures.py`.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from warmgate.errors import WarmgateError
from warmgate.options import add_pytest_options
from warmgate.pytest_plugin.fixtures import warmgate_cell, warmgate_config, warmgate_run
from warmgate.pytest_plugin.items import (
    CellFailed,
    CellItem,
    PooledItem,
    ShardItem,
    collect,
    keep_pooled,
)
from warmgate.pytest_plugin.session import SESSION, WarmgateSession, load_config, session_of
from warmgate.pytest_plugin.xdist import is_worker, pin_worker_gpu, worker_gpu

__all__ = ["CellFailed", "CellItem", "PooledItem", "ShardItem", "WarmgateSession", "load_config",
           "warmgate_cell", "warmgate_config", "warmgate_run", "worker_gpu"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("warmgate", "warmgate safety gate (each overrides [tool.warmgate])")
    add_pytest_options(group)
    group.addoption("--warmgate-update-baselines", action="store_true",
                    help="pass every cell and write a new baseline from this run")
    group.addoption("--warmgate-approved-by", metavar="NAME", default=None,
                    help="who approved a baseline update (recorded in its manifest)")
    group.addoption("--warmgate-reason", metavar="TEXT", default=None,
                    help="why the baseline changes (recorded in its manifest)")
    group.addoption("--warmgate-shard", metavar="I/N", default=None,
                    help="generate only shard I of N (1-based) and write it to the report "
                    "folder; `warmgate merge` decides over all shards")
    group.addoption("--warmgate-shard-by", choices=["items", "cells"], default="items",
                    help="split shards by items (default: each shard asks every framing of "
                    "its items) or by cells")
    group.addoption("--warmgate-progress", action="store_true",
                    help="show the generation progress bar even in CI or without a terminal")
    group.addoption("--no-warmgate", action="store_true",
                    help="do not collect the gate's cells even when [tool.warmgate] exists")


def pytest_configure(config: pytest.Config) -> None:
    try:
        cfg = load_config(config)
        the_run = None
        if cfg is not None:
            from warmgate.run import Run

            the_run = Run(cfg)
            the_run.jobs  # noqa: B018  suites, items and statements checked before collection
            if config.getoption("warmgate_shard"):
                from warmgate.shard import parse_shard

                parse_shard(config.getoption("warmgate_shard"),
                            config.getoption("warmgate_shard_by"))
            if config.getoption("warmgate_update_baselines") and not is_worker(config):
                from warmgate.baselines import approval

                # refuse an unapproved CI update before anything is generated
                approval(config.getoption("warmgate_approved_by"),
                         config.getoption("warmgate_reason"))
    except WarmgateError as e:
        raise pytest.UsageError(f"warmgate: {e}") from None
    config.stash[SESSION] = WarmgateSession(config, the_run)
    if cfg is not None:
        pin_worker_gpu(config, int(cfg.backend_options.get("tensor_parallel_size", 1) or 1))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: give every worker the same private folder for this session's parts."""
    s = session_of(node.config)
    if s.run is not None:
        node.workerinput["warmgate_parts"] = str(s.parts_folder())


@pytest.hookimpl(hookwrapper=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]):
    """Add the gate's items before `-k`/`-m` select; afterwards a suite's pooled item comes
    back wherever one of its cells is still selected (a pooled FAIL is never hidden)."""
    added = collect(session, items)
    yield
    keep_pooled(config, items, added)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: carry a worker's generation failure over to the exit code."""
    if SESSION in node.config.stash:
        session_of(node.config).worker_failed(getattr(node, "workeroutput", None) or {})


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if SESSION in session.config.stash:
        session_of(session.config).finish(session)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if is_worker(config) or SESSION not in config.stash:
        return
    s = session_of(config)
    if s.run is None:
        return
    if s.result is not None and s.result.cells:
        from rich.console import Console

        from warmgate.report.terminal import print_result

        buf = io.StringIO()
        print_result(s.result, Console(file=buf, width=140,
                                       force_terminal=terminalreporter.hasmarkup),
                     door="update" if s.updating else "pytest")
        terminalreporter.write_sep("=", "warmgate")
        terminalreporter.write(buf.getvalue())
    if s.report_lines:
        terminalreporter.write_line("\n".join(s.report_lines))
