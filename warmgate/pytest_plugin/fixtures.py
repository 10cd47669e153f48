"""Fixtures for users' own tests: the session's config, run and cells."""

from __future__ import annotations

import pytest

from warmgate.config import GateConfig
from warmgate.pytest_plugin.session import session_of


@pytest.fixture(scope="session")
def warmgate_config(request: pytest.FixtureRequest) -> GateConfig:
    """The session's GateConfig from [tool.warmgate] and the command line."""
    the_run = session_of(request.config).run
    if the_run is None:
        pytest.skip("no [tool.warmgate] table in pyproject.toml")
    return the_run.config


@pytest.fixture(scope="session")
def warmgate_run(request: pytest.FixtureRequest, warmgate_config: GateConfig):
    """The session's GateResult (generated once, shared with the collected cells). Under
    `--warmgate-shard` no run is decided (only `warmgate merge` sees every shard), so tests
    that use it skip instead of generating the whole unsharded run inside a shard."""
    shard = request.config.getoption("warmgate_shard")
    if shard:
        pytest.skip(f"--warmgate-shard {shard}: this session generates one shard and decides "
                    "nothing; the run's cells exist after `warmgate merge`")
    return session_of(request.config).gate_result()


@pytest.fixture
def warmgate_cell(warmgate_run):
    """A function returning the Cell for (suite, context, belief) of the session's run."""
    return warmgate_run.cell
