"""Fixtures for users' own tests: the session's config, run and cells."""

from __future__ import annotations

import pytest

from warmgate.config import GateConfig
from warmgate.pytest_plugin.session import session_of


@pytest.fixture(scope="session")
def warmgate_config(request: pytest.FixtureRequest) -> GateConfig:
    """The session's GateConfig from [tool.warmgate] and the command line."""
    cfg = session_of(request.config).config
    if cfg is None:
        pytest.skip("no [tool.warmgate] table in pyproject.toml")
    return cfg


@pytest.fixture(scope="session")
def warmgate_run(request: pytest.FixtureRequest, warmgate_config: GateConfig):
    """The session's GateResult (generated once, shared with the collected cells)."""
    return session_of(request.config).gate_result()


@pytest.fixture
def warmgate_cell(warmgate_run):
    """A function returning the Cell for (suite, context, belief) of the session's run."""
    return warmgate_run.cell
