"""The plugin session's one exit-status decision over the tests' own outcomes."""

from __future__ import annotations

import pytest

from warmgate.errors import WarmgateError
from warmgate.pytest_plugin.session import exit_status


def test_exit_status_says_input_error_crash_or_nothing():
    assert exit_status(None, None) is None  # the tests' outcomes (the verdicts) stand
    assert exit_status(WarmgateError("bad suite"), None) == pytest.ExitCode.USAGE_ERROR
    assert exit_status(PermissionError("read-only"), None) == pytest.ExitCode.USAGE_ERROR
    assert exit_status(RuntimeError("bug"), None) == pytest.ExitCode.INTERNAL_ERROR
    assert exit_status(None, WarmgateError("report")) == pytest.ExitCode.TESTS_FAILED
    # a generation failure outranks a report that could not be written after it
    assert exit_status(RuntimeError("bug"), WarmgateError("x")) == pytest.ExitCode.INTERNAL_ERROR
