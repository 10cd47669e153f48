"""Matching a stored baseline's provenance with the record of a run it is handed."""

from __future__ import annotations

import json
from typing import Any

from warmgate.baselines.integrity import manifest_problems
from warmgate.baselines.layout import UPDATE_HINT, Baseline, base_folder
from warmgate.config import GateConfig
from warmgate.errors import WarmgateError

#: Fields whose difference changes replies: reusing the baseline would be a false comparison.
ERROR_FIELDS = {
    "model_fingerprint": "the base weights",
    "adapter_fingerprint": "the base's adapter",
    "persona_sha256": "the base's persona prompt",
    "backend": "the generation backend",
    "dtype": "the dtype",
    "device": "the device",
    "decoding": "the decoding settings",
    "statements_sha256": "the framing statement set",
}
#: Fields that may change library internals but not what was asked: a warning.
WARN_FIELDS = {"backend_version": "backend library version", "torch_version": "torch version"}


def _minor(v: str) -> tuple[str, ...]:
    return tuple(v.split("+")[0].split(".")[:2])


def check(b: Baseline, now: dict) -> list[str]:
    """Compare a baseline's provenance with this run's record `now`: raise on a difference
    that changes replies (naming the field and how to proceed), return notes for harmless ones."""
    edited = manifest_problems(b.manifest)
    if edited:
        raise WarmgateError(
            f"baseline {b.path}: {edited[0]}; its provenance cannot be trusted. Restore it from "
            f"version control (git checkout -- {b.path}) or make a new baseline: {UPDATE_HINT}")
    stored = b.manifest.get("provenance", {})
    proceed = (f"to proceed, either run with the baseline's settings, or make a new baseline "
               f"for this setup ({UPDATE_HINT}; the old version is kept), or run without "
               f"baselines (baselines = \"off\" in [tool.warmgate])")
    for field, what in ERROR_FIELDS.items():
        if stored.get(field) != now.get(field):
            raise WarmgateError(
                f"baseline {b.label()} does not match this run: {field} differs ({what}): "
                f"baseline {_show(stored.get(field))}, this run {_show(now.get(field))}; "
                f"comparing against it would be comparing other replies; {proceed}")
    for suite, sha in now["suites"].items():
        old = stored.get("suites", {}).get(suite)
        if old is not None and old != sha:
            raise WarmgateError(
                f"baseline {b.label()} does not match this run: suites.{suite} differs (the "
                f"suite file changed: baseline sha256 {old[:12]}, now {sha[:12]}); {proceed}")
    notes = []
    for field, what in WARN_FIELDS.items():
        if stored.get(field) and now.get(field) and stored.get(field) != now.get(field):
            notes.append(f"baseline {b.label()} was made with {what} {stored.get(field)}, this "
                         f"run uses {now.get(field)}; replies may differ slightly")
    old_v, new_v = str(stored.get("warmgate_version", "")), now["warmgate_version"]
    if old_v != new_v:
        if _minor(old_v) != _minor(new_v):
            raise WarmgateError(
                f"baseline {b.label()} does not match this run: warmgate_version differs "
                f"(baseline {old_v}, this run {new_v}; another minor version may ask or score "
                f"differently); {proceed}")
        notes.append(f"baseline {b.label()} was made by warmgate {old_v}, this is {new_v} "
                     "(patch version: harmless)")
    if (stored.get("scorer"), stored.get("scorer_version")) != \
            (now["scorer"], now["scorer_version"]):
        notes.append(f"baseline {b.label()} was scored by {stored.get('scorer')} "
                     f"{stored.get('scorer_version')}; its stored replies are re-scored with "
                     f"{now['scorer']} {now['scorer_version']} (no generation needed)")
    return notes


def _show(v: Any) -> str:
    s = json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else repr(v)
    return s if len(s) < 120 else s[:117] + "..."


def missing_message(config: GateConfig) -> str:
    """What a run without a baseline says: that it generates the base too, and how to store one."""
    folder = base_folder(config)
    return (f"no baseline for base {config.base.model!r} in {folder}: the base is generated too "
            f"(twice the work of a candidate-only run). To store this base's replies as the "
            f"approved baseline: {UPDATE_HINT} (or pytest --warmgate-update-baselines), then "
            f"commit {folder}")
