"""The collected tests: one CellItem per (suite, context, belief) and one PooledItem per suite
with two or more cells (its pooled decision over all framings), or one ShardItem."""

from __future__ import annotations

import warnings

import pytest

from warmgate.errors import WarmgateError
from warmgate.preflight import ENVIRONMENT_ERRORS, environment_note
from warmgate.pytest_plugin.session import session_of
from warmgate.report.junit import properties
from warmgate.rule import BUILD_FAILS, BUILD_WARNS


class CellFailed(Exception):
    """A cell's verdict was FAIL (or INCONCLUSIVE under inconclusive = "fail")."""


class InconclusiveWarning(UserWarning):
    """A cell not shown within its threshold, under inconclusive = "warn"."""


class _GateItem(pytest.Item):
    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CellFailed | WarmgateError):
            return str(excinfo.value)
        if isinstance(excinfo.value, ENVIRONMENT_ERRORS):
            return environment_note("run the gate", excinfo.value, after_verdict=False)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, self.name


class CellItem(_GateItem):
    """One gate cell as a test: fails with the cell's figures when its verdict is FAIL."""

    def __init__(self, *, cell: tuple[str, str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.cell = cell

    def runtest(self) -> None:
        s = session_of(self.config)
        cell = s.gate_result().cell(*self.cell)
        self.user_properties.extend(properties(cell))
        _judge(self, cell.verdict, cell.message(), cell.undecided_because())


class PooledItem(_GateItem):
    """One suite's pooled decision over all its framings (suites with two or more cells):
    fails like a cell, so a small change in every framing fails the build in pytest too."""

    def __init__(self, *, suite: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def runtest(self) -> None:
        result = session_of(self.config).gate_result()
        pooled = next((p for p in result.pooled if p.suite == self.suite), None)
        if pooled is None:  # early stopping decides cells only
            pytest.skip(f"no pooled decision for {self.suite}: early stopping decides cells only")
        self.user_properties.extend(properties(pooled))
        _judge(self, pooled.verdict, pooled.message(), pooled.undecided_because())


def _judge(item: _GateItem, verdict: str, message: str,
           why: str = "not shown within its threshold") -> None:
    """A decision as a test outcome: FAIL fails, INCONCLUSIVE follows the `inconclusive`
    policy (fail / warn / pass), PASS passes; under a baseline update everything passes.
    `why`: the reason an INCONCLUSIVE one is undecided (too few items, unsure readings)."""
    s = session_of(item.config)
    if s.updating:
        item.add_report_section("call", "warmgate", f"{message}\n(baseline update: "
                                "this run becomes the new baseline)")
        return
    effect = s.run.rule.build_effect(verdict)  # the one place that decides the build
    if verdict == "FAIL":
        raise CellFailed(message)
    if verdict == "INCONCLUSIVE":
        reason = f"{why} (inconclusive = \"{s.run.rule.inconclusive}\"): {message}"
        item.user_properties.append(("reason", reason))
        if effect == BUILD_FAILS:
            raise CellFailed(reason)
        if effect == BUILD_WARNS:
            warnings.warn(InconclusiveWarning(reason), stacklevel=1)
        item.add_report_section("call", "warmgate", message)


class ShardItem(_GateItem):
    """`--warmgate-shard I/N`: generate this shard's part and write it; `warmgate merge` decides."""

    def runtest(self) -> None:
        from warmgate.gate import run
        from warmgate.shard import parse_shard, write_shard

        s = session_of(self.config)
        shard = parse_shard(self.config.getoption("warmgate_shard"),
                            self.config.getoption("warmgate_shard_by"))
        try:
            with s.progress() as bars:
                result = run(s.run, progress=bars, backend=s.make_backend(),
                             select=shard.select)
        except Exception as e:
            s.failure = e  # the session's exit code says input error or crash, not FAIL
            raise
        folder = write_shard(s.run.report, s.run.config, shard, result.table,
                             result.provenance, total_jobs=len(s.run.jobs))
        self.user_properties.append(("rows", len(result.table)))
        self.add_report_section("call", "warmgate", f"shard {shard.label} ({len(result.table)} "
                                f"rows) written to {folder}; decide with `warmgate merge`")


def collect(session: pytest.Session, items: list[pytest.Item]) -> list[pytest.Item]:
    """Append the gate's items: the shard's one, or one per cell and one pooled per suite; and
    report them as collected (so the header, `--collect-only` and test-listing tools see them).
    """
    the_run = session_of(session.config).run
    if the_run is None:
        return []
    before = len(items)
    _append_items(session, items, the_run.cells)
    added = items[before:]
    session.config.hook.pytest_collectreport(report=pytest.CollectReport(
        "warmgate", "passed", None, list(added)))
    return added


def keep_pooled(config: pytest.Config, items: list[pytest.Item],
                added: list[pytest.Item]) -> None:
    """Put back a suite's pooled item that `-k` or `-m` deselected while one of its cells is
    still selected: "2 passed, 3 deselected" must not hide the suite's pooled FAIL."""
    kept = {id(i) for i in items}
    explicit = tuple(config.getoption("deselect", None) or ())
    back = [p for p in added if isinstance(p, PooledItem) and id(p) not in kept
            and not (explicit and p.nodeid.startswith(explicit))
            and any(isinstance(i, CellItem) and i.cell[0] == p.suite for i in items)]
    for p in back:
        last = max(k for k, i in enumerate(items) if isinstance(i, CellItem) and
                   i.cell[0] == p.suite)
        items.insert(last + 1, p)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if back and reporter is not None:  # they were counted as deselected: they are not
        ids = {id(p) for p in back}
        reporter.stats["deselected"] = [i for i in reporter.stats.get("deselected", [])
                                        if id(i) not in ids]


def _append_items(session: pytest.Session, items: list[pytest.Item],
                  cells: list[tuple[str, str, str]]) -> None:
    shard = session.config.getoption("warmgate_shard")
    if shard:
        name = f"warmgate_shard[{shard}]"
        items.append(ShardItem.from_parent(session, name=name, nodeid=f"warmgate::{name}"))
        return
    for i, (suite, context, belief) in enumerate(cells):
        name = f"test_reliability[{suite}-{context}-{belief}]"
        # "warmgate::" gives JUnit a classname and people a prefix to select with -k
        items.append(CellItem.from_parent(session, name=name, nodeid=f"warmgate::{name}",
                                          cell=(suite, context, belief)))
        last = i + 1 == len(cells) or cells[i + 1][0] != suite
        if last and sum(k[0] == suite for k in cells) >= 2:  # after the suite's cells
            name = f"test_reliability[{suite}-all-framings]"
            items.append(PooledItem.from_parent(session, name=name, nodeid=f"warmgate::{name}",
                                                suite=suite))
