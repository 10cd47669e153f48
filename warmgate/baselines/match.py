"""Matching a stored baseline's provenance with the record of a run it is handed."""

from __future__ import annotations

from warmgate.baselines.integrity import manifest_problems
from warmgate.baselines.layout import UPDATE_HINT, Baseline
from warmgate.errors import WarmgateError
from warmgate.identity import INPUTS, RUNTIME, compare, show

#: Fields whose difference makes reusing a baseline a false comparison: reply identity's INPUTS
#: and the framing statements.
ERROR_FIELDS = {**INPUTS, "statements_sha256": "the framing statement set"}
#: Fields that may change library internals but not what was asked: a warning.
WARN_FIELDS = dict(RUNTIME)


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
    errors, notes = compare(stored, now, f"baseline {b.label()}")
    if stored.get("statements_sha256") != now.get("statements_sha256"):
        errors.append(f"statements_sha256 differs (the framing statement set): baseline "
                      f"{show(stored.get('statements_sha256'))}, this run "
                      f"{show(now.get('statements_sha256'))}")
    if errors:
        raise WarmgateError(
            f"baseline {b.label()} does not match this run: {errors[0]}; comparing against it "
            f"would be comparing other replies; {proceed}")
    for suite, sha in now["suites"].items():
        old = stored.get("suites", {}).get(suite)
        if old is not None and old != sha:
            raise WarmgateError(
                f"baseline {b.label()} does not match this run: suites.{suite} differs (the "
                f"suite file changed: baseline sha256 {old[:12]}, now {sha[:12]}); {proceed}")
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
