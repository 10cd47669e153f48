"""Test helpers: a scripted backend for plumbing tests (never evidence that a feature works)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

# pytester's in-process runs drop modules first imported inside them, and numpy/torch cannot be
# imported twice per process: import the heavy stack here, before any in-process run.
# (transformers' model modules import torch.distributed, which registers C++ operator libraries
# once per process: a second import after pytester dropped the modules fails.)
# matplotlib's pyplot and pandas' arrow extension types register global state at import too.
import matplotlib.pyplot  # noqa: F401,E402
import pandas.core.arrays.arrow.extension_types  # noqa: F401,E402
import pytest
import torch  # noqa: F401,E402
import transformers.modeling_utils  # noqa: F401,E402

import warmgate.gate  # noqa: F401,E402
import warmgate.report.files  # noqa: F401,E402
from warmgate.backends import ModelSpec


class ScriptedBackend:
    """Answers from a function of (role, message); counts calls so tests can check reuse."""

    name = "scripted"

    def __init__(self, answer: Callable[[str, str], str]) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str]] = []

    def generate(self, role: str, messages: Sequence[str], progress=None) -> list[str]:
        self.calls.extend((role, m) for m in messages)
        if progress:
            progress(len(messages))
        return [self.answer(role, m) for m in messages]

    def provenance(self, role: str) -> dict:
        return {"backend": self.name, "model_fingerprint": f"scripted-{role}"}


@pytest.fixture
def scripted():
    return ScriptedBackend


@pytest.fixture
def spec():
    return ModelSpec
pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch):
    """Tests start outside CI (CI runs them with CI=true); a test that needs CI sets it."""
    for var in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "WARMGATE_APPROVED_BY",
                "WARMGATE_REASON", "WARMGATE_PROGRESS"):
        monkeypatch.delenv(var, raising=False)
