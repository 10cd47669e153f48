"""Configuration, split by job: `schema` (the settings and the typed record a run is built
from), `parsers` (one per kind of value), `merge` (the one merge path and validation; the
configuration as data) and `pyproject` (the one TOML read). The environment variables are
declared in `warmgate.environment`.

Stages never take a `GateConfig`: the front door (`warmgate.run.load_run`) builds a `Run` from
it once and hands each stage the parts it needs. Names are re-exported lazily (a submodule is
imported on first use), so importing one submodule never drags the others in.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "GateConfig": "schema", "SETTINGS": "schema", "WARM_PERSONA": "schema",
    "DEFAULT_SUITES": "schema", "suite_label": "schema", "Decoding": "schema",
    "ModelSpec": "schema", "resolve": "merge", "validate": "merge", "from_mapping": "merge",
    "read_table": "pyproject",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"warmgate.config.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'warmgate.config' has no attribute {name!r}")
