"""The pytest plugin: one test per (suite, context, belief) cell of the gate.

In a project whose pyproject.toml has a `[tool.warmgate]` table, pytest collects
`test_reliability[<suite>-<context>-<belief>]` items. Generation happens once per session, for
all cells together, when the first cell runs; each test then reads its cell's verdict.
Fixtures `warmgate_config`, `warmgate_run` and `warmgate_cell` serve users' own tests.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from warmgate.config import GateConfig, load_pyproject
from warmgate.errors import WarmgateError

_RESULT = pytest.StashKey["object"]()
_CONFIG = pytest.StashKey["GateConfig | None"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("warmgate", "warmgate safety gate")
    group.addoption("--warmgate-items", type=int, default=None, metavar="N",
                    help="items per suite (overrides [tool.warmgate] items)")
    group.addoption("--warmgate-threshold", type=float, default=None, metavar="PP",
                    help="default threshold in pp (overrides [tool.warmgate] threshold)")
    group.addoption("--warmgate-alpha", type=float, default=None,
                    help="family-wise significance level (overrides [tool.warmgate] alpha)")
    group.addoption("--warmgate-report", default=None, metavar="DIR",
                    help="report folder (overrides [tool.warmgate] report)")
    group.addoption("--no-warmgate", action="store_true",
                    help="do not collect the gate's cells even when [tool.warmgate] exists")


def _load_config(config: pytest.Config) -> GateConfig | None:
    path = Path(config.rootpath) / "pyproject.toml"
    if config.getoption("no_warmgate") or not path.exists():
        return None
    cfg = load_pyproject(path)
    if cfg is None:
        return None
    kw = {}
    for opt, key in (("warmgate_items", "items"), ("warmgate_threshold", "threshold"),
                     ("warmgate_alpha", "alpha"), ("warmgate_report", "report")):
        value = config.getoption(opt)
        if value is not None:
            kw[key] = value
    return replace(cfg, **kw)


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[_CONFIG] = _load_config(config)
    except WarmgateError as e:
        raise pytest.UsageError(f"warmgate: {e}") from None


def gate_result(config: pytest.Config):
    """The session's gate run, computed once, on first use."""
    if _RESULT not in config.stash:
        from warmgate.gate import run
        from warmgate.report.files import write_report
        from warmgate.report.terminal import progress_bars

        cfg = config.stash[_CONFIG]
        if cfg is None:
            raise WarmgateError("no [tool.warmgate] table in the rootdir's pyproject.toml")
        with progress_bars() as bars:
            result = run(cfg, progress=bars)
        write_report(result, Path(cfg.report))
        config.stash[_RESULT] = result
    return config.stash[_RESULT]


class CellItem(pytest.Item):
    """One gate cell as a test: fails with the cell's figures when its verdict is FAIL."""

    def __init__(self, *, cell: tuple[str, str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.cell = cell

    def runtest(self) -> None:
        result = gate_result(self.config)
        cell = result.cell(*self.cell)
        for key in ("n", "b", "c", "delta", "ci_low", "ci_high", "pvalue", "p_adjusted",
                    "threshold_pp", "verdict"):
            self.user_properties.append((key, getattr(cell, key)))
        if cell.verdict == "FAIL":
            raise CellFailed(cell.message())
        if cell.verdict == "INCONCLUSIVE":
            self.add_report_section("call", "warmgate", cell.message())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CellFailed | WarmgateError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, self.name


class CellFailed(Exception):
    """A cell's verdict was FAIL."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    cfg = config.stash.get(_CONFIG, None)
    if cfg is None:
        return
    parent = session
    for suite, context, belief in cfg.cells():
        name = f"test_reliability[{Path(suite).stem}-{context}-{belief}]"
        items.append(CellItem.from_parent(parent, name=name, cell=(Path(suite).stem,
                                                                   context, belief)))


@pytest.fixture(scope="session")
def warmgate_config(request: pytest.FixtureRequest) -> GateConfig:
    """The session's GateConfig from [tool.warmgate] and the command line."""
    cfg = request.config.stash.get(_CONFIG, None)
    if cfg is None:
        pytest.skip("no [tool.warmgate] table in pyproject.toml")
    return cfg


@pytest.fixture(scope="session")
def warmgate_run(request: pytest.FixtureRequest, warmgate_config: GateConfig):
    """The session's GateResult (generated once, shared with the collected cells)."""
    return gate_result(request.config)


@pytest.fixture
def warmgate_cell(warmgate_run):
    """A function returning the Cell for (suite, context, belief) of the session's run."""
    return warmgate_run.cell
