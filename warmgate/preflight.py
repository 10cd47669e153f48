"""Environment faults found before any work: a report or cache folder warmgate cannot write.

A fault of the machine (permissions, a file where a folder goes, a missing folder) is neither a
verdict nor a bug of warmgate: found before generation it is an input error (exit 2); found
after the verdict (`environment_note`) it is said, and the verdict's exit code stands.
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import Sequence
from pathlib import Path

from warmgate.config.schema import ModelSpec
from warmgate.environment import getenv
from warmgate.errors import WarmgateError

#: Errors of the machine rather than of warmgate: files, folders, sockets, the cache database.
ENVIRONMENT_ERRORS = (OSError, sqlite3.Error)


def writable_folder(path: Path, what: str, setting: str) -> None:
    """Raise unless `path` is a folder warmgate can write, or one it can make."""
    p = Path(path).expanduser()
    probe = p
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise WarmgateError(f"{what} {p}: {probe} is not a folder (a file is in the way); "
                            f"remove it or set {setting}")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise WarmgateError(f"{what} {p}: no permission to write in {probe} (an environment "
                            f"fault, found before any work); fix its permissions or set {setting}")


def check_environment(report: Path, cache_setting: str, models: Sequence[ModelSpec]) -> None:
    """The run's report and cache folders are writable, its local weights files whole; a bad
    GITHUB_STEP_SUMMARY is warned of."""
    from warmgate.cache import resolve_dir

    check_weights(models)
    writable_folder(Path(report), "report folder", "report = DIR (or --report DIR)")
    cache = resolve_dir(cache_setting)
    if cache is not None:
        writable_folder(cache, "generation cache", "cache = DIR or cache = \"off\"")
        db = cache / "generations.sqlite"
        if db.exists() and not os.access(db, os.W_OK):
            raise WarmgateError(f"generation cache {db} is read-only (an environment fault, "
                                "found before any work); fix its permissions or set cache = "
                                "DIR or cache = \"off\"")
    step = getenv("GITHUB_STEP_SUMMARY")
    if step and not Path(step).parent.is_dir():
        warnings.warn(f"GITHUB_STEP_SUMMARY={step}: its folder does not exist; the job summary "
                      "will not be written (the verdict is not affected)", UserWarning,
                      stacklevel=2)


def environment_note(what: str, error: BaseException, after_verdict: bool = True) -> str:
    """One line for an environment fault: what failed, and (after the verdict) that its exit
    code stands."""
    return (f"could not {what} ({type(error).__name__}: {error}): an environment fault, not a "
            + ("verdict; the verdict's exit code stands" if after_verdict else
               "verdict and not a bug of warmgate"))


def check_safetensors(path: Path) -> None:
    """Raise, naming the file, when a .safetensors file is cut short or its header is damaged
    (its 8-byte header length, JSON header and the tensors' byte ranges against its size)."""
    import json
    import struct

    size = path.stat().st_size
    fix = "copy or download it again"
    try:
        with path.open("rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise WarmgateError(f"{path}: {size} bytes, too short for a safetensors file "
                                    f"(truncated?); {fix}")
            (n,) = struct.unpack("<Q", head)
            if 8 + n > size:
                raise WarmgateError(f"{path}: its header says {n} bytes but the file has "
                                    f"{size} (truncated); {fix}")
            header = json.loads(f.read(n))
    except (UnicodeDecodeError, ValueError) as e:
        raise WarmgateError(f"{path}: damaged safetensors header ({e}); {fix}") from None
    ends = [t["data_offsets"][1] for k, t in header.items()
            if k != "__metadata__" and isinstance(t, dict) and "data_offsets" in t]
    if ends and 8 + n + max(ends) > size:
        raise WarmgateError(f"{path}: its tensors need {8 + n + max(ends)} bytes but the file "
                            f"has {size} (truncated); {fix}")


def check_weights(models: Sequence[ModelSpec]) -> None:
    """Every local .safetensors file of the models (base, candidate) and adapters is whole."""
    for spec in models:
        for where in (spec.model, spec.adapter):
            folder = Path(where).expanduser() if where else None
            if folder is not None and folder.is_dir():
                for file in sorted(folder.glob("*.safetensors")):
                    check_safetensors(file)
