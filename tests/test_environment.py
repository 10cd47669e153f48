"""Every environment variable warmgate reads is declared once and read through `getenv`."""

from __future__ import annotations

import pytest

from warmgate.environment import ENVIRONMENT, getenv, in_ci, is_off


def test_an_undeclared_variable_is_refused(monkeypatch):
    monkeypatch.setenv("WARMGATE_CACHE", "/tmp/x")
    assert "WARMGATE_CACHE" in ENVIRONMENT and getenv("WARMGATE_CACHE") == "/tmp/x"
    with pytest.raises(KeyError, match="undeclared environment variable HOME"):
        getenv("HOME")


@pytest.mark.parametrize(("value", "ci"), [("true", True), ("1", True), ("false", False),
                                           ("0", False), ("", False), ("No", False)])
def test_ci_false_is_not_ci(monkeypatch, value, ci):
    monkeypatch.setenv("CI", value)
    assert in_ci() is ci


def test_the_one_spelling_of_off():
    assert all(is_off(x) for x in ("off", "None", " false ", "no"))
    assert not any(is_off(x) for x in ("baselines", "", None, 0))
