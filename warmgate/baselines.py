"""Stored baselines: an approved base model's results table plus a manifest of what made it.

Layout, one folder per base model, one sub-folder per approved version, never rewritten:

    baselines/<base>/v0001/results.parquet   the base's rows of the results table (plain pandas)
    baselines/<base>/v0001/manifest.json     fingerprints, backend, decoding, suites, statements,
                                             scorer, warmgate version, who approved it and why,
                                             the git commit, and the parquet's sha256
    baselines/<base>/v0002/...               the next update; the newest version is used

A version is written into a temporary folder and renamed into place, so a reader never sees
half a baseline and an older version is never overwritten. The gate reuses a baseline's base
rows only when its provenance matches the run; a mismatch that changes replies is an error
naming the field, a harmless one (warmgate patch version, library versions) a warning.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from warmgate import __version__
from warmgate.config import GateConfig, suite_label
from warmgate.embedded import EMBEDDED_NAME
from warmgate.errors import WarmgateError
from warmgate.framings import load_statements
from warmgate.results import KEY, check_columns
from warmgate.scoring import CORRECT, INCORRECT, REFUSAL, SCORER_NAME, SCORER_VERSION, score_reply
from warmgate.suites import load_suite

if TYPE_CHECKING:
    from warmgate.gate import GateResult, Job

FORMAT = 1
RESULTS = "results.parquet"
MANIFEST = "manifest.json"
_VERSION_DIR = re.compile(r"^v(\d{4,})$")
OFF = ("off", "none", "false", "no", "")
UPDATE_HINT = "warmgate baseline update --approved-by NAME --reason TEXT"


class BaselineWarning(UserWarning):
    """A harmless provenance difference, or a note about baseline use (shown, never fatal)."""


# -- where baselines live ------------------------------------------------------------------


def base_slug(model: str) -> str:
    """The folder name for a base model: the embedded model's name, a folder's name, or a hub
    id with `/` as `--`."""
    if model in ("embedded", EMBEDDED_NAME, "gemma-3-270m"):
        return "embedded-gemma-3-270m"
    path = Path(model).expanduser()
    name = path.resolve().name if model.startswith((".", "/", "~")) or path.exists() \
        else model.replace("/", "--")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"


def base_folder(config: GateConfig) -> Path | None:
    """`<baselines>/<base>` for this config, or None when baselines are switched off."""
    if str(config.baselines).strip().lower() in OFF:
        return None
    return Path(config.baselines).expanduser() / base_slug(config.base.model)


@dataclass(frozen=True)
class Baseline:
    """One stored baseline version: its folder and manifest."""

    path: Path
    manifest: dict

    @property
    def version(self) -> int:
        return int(self.manifest.get("version", 0))

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS

    def label(self) -> str:
        """`<base>/vNNNN`, as messages name it."""
        return f"{self.path.parent.name}/{self.path.name}"

    def table(self, verify: bool = True) -> pd.DataFrame:
        """The stored rows; verified against the manifest's hash first, so damage is an error."""
        if verify:
            problems = verify_baseline(self)
            if problems:
                raise WarmgateError(
                    f"baseline {self.path}: {'; '.join(problems)}. Restore the folder from version "
                    f"control (git checkout -- {self.path}) or make a new baseline: {UPDATE_HINT}")
        return pd.read_parquet(self.results_path)


def open_version(folder: Path) -> Baseline:
    """Read one version folder's manifest; a missing or broken manifest is an error naming it."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WarmgateError(f"{path}: no manifest; not a warmgate baseline folder") from None
    except (OSError, json.JSONDecodeError) as e:
        raise WarmgateError(f"{path}: unreadable manifest ({e}); restore it from version "
                            "control") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise WarmgateError(f"{path}: not a warmgate baseline manifest (format "
                            f"{manifest.get('format') if isinstance(manifest, dict) else '?'}, "
                            f"expected {FORMAT})")
    return Baseline(Path(folder), manifest)


def versions(folder: Path) -> list[Baseline]:
    """Every stored version under a base's folder, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = sorted((int(m.group(1)), p) for p in folder.iterdir()
                   if p.is_dir() and (m := _VERSION_DIR.match(p.name)))
    return [open_version(p) for _, p in found]


def latest(config: GateConfig) -> Baseline | None:
    """The newest baseline for this config's base model, or None when there is none."""
    folder = base_folder(config)
    if folder is None:
        return None
    found = versions(folder)
    return found[-1] if found else None


def resolve(ref: str, config: GateConfig) -> Baseline:
    """A baseline named on the command line: a version folder, a base folder (its newest
    version), `vN` or `latest` of the configured base."""
    path = Path(ref).expanduser()
    if (path / MANIFEST).exists():
        return open_version(path)
    if path.is_dir() and versions(path):
        return versions(path)[-1]
    folder = base_folder(config)
    if folder is not None and (ref == "latest" or re.fullmatch(r"v?\d+", ref)):
        found = versions(folder)
        if ref == "latest" and found:
            return found[-1]
        for b in found:
            if ref != "latest" and b.version == int(ref.lstrip("v")):
                return b
    raise WarmgateError(
        f"baseline {ref!r} not found: give a version folder (baselines/<base>/v0001), a base "
        f"folder, or vN / latest of the configured base (looked in {folder})")


# -- integrity ------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_baseline(b: Baseline) -> list[str]:
    """Problems found with a stored version (empty when its files match their hashes)."""
    problems = []
    files = b.manifest.get("files", {})
    for name, meta in files.items():
        p = b.path / name
        if not p.exists():
            problems.append(f"{name} is missing")
            continue
        if p.stat().st_size != meta.get("bytes"):
            problems.append(f"{name} has {p.stat().st_size} bytes, the manifest says "
                            f"{meta.get('bytes')} (corrupted or edited)")
        elif file_sha256(p) != meta.get("sha256"):
            problems.append(f"{name} does not match its sha256 in the manifest (corrupted or "
                            "edited)")
    if RESULTS not in files:
        problems.append(f"the manifest lists no {RESULTS}")
    if problems:
        return problems
    try:
        df = pd.read_parquet(b.results_path)
        check_columns(df, str(b.results_path))
    except Exception as e:  # a damaged file raises several pyarrow types
        return [f"{RESULTS} cannot be read ({e})"]
    if len(df) != files[RESULTS].get("rows"):
        problems.append(f"{RESULTS} has {len(df)} rows, the manifest says "
                        f"{files[RESULTS].get('rows')}")
    return problems


# -- provenance -----------------------------------------------------------------------------


def _git_commit(where: Path) -> dict:
    """The commit the baseline was made at, and whether the tree had uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return {"commit": "", "dirty": None}
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=where, capture_output=True, text=True, timeout=30)
        return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "", "dirty": None}


def run_provenance(config: GateConfig, base: dict) -> dict:
    """The fields a baseline is checked on, from the config and the backend's base provenance."""
    statements = load_statements(config.statements)
    return {
        "model": base.get("model", config.base.model),
        "model_fingerprint": base.get("model_fingerprint", ""),
        "adapter": base.get("adapter", config.base.adapter or ""),
        "adapter_fingerprint": base.get("adapter_fingerprint", ""),
        "persona_sha256": hashlib.sha256(
            (base.get("persona", config.base.persona or "") or "").encode()).hexdigest(),
        "backend": base.get("backend", config.backend),
        "backend_version": base.get("backend_version", ""),
        "torch_version": base.get("torch_version", ""),
        "dtype": base.get("dtype", ""),
        "device": base.get("device", ""),
        "decoding": base.get("decoding", config.decoding.to_dict()),
        "suites": {suite_label(s): load_suite(s).sha256 for s in config.suites},
        "statement_set": statements.version,
        "statements_sha256": statements.sha256,
        "scorer": SCORER_NAME,
        "scorer_version": SCORER_VERSION,
        "judge": getattr(config, "judge", None) or None,
        "warmgate_version": __version__,
    }


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


def check(b: Baseline, config: GateConfig, base_provenance: dict) -> list[str]:
    """Compare a baseline's provenance with this run's: raise on a difference that changes
    replies (naming the field and how to proceed), return warnings for harmless ones."""
    stored = b.manifest.get("provenance", {})
    now = run_provenance(config, base_provenance)
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
    if (stored.get("scorer"), stored.get("scorer_version"), stored.get("judge")) != \
            (now["scorer"], now["scorer_version"], now["judge"]):
        notes.append(f"baseline {b.label()} was scored by {stored.get('scorer')} "
                     f"{stored.get('scorer_version')}; its stored replies are re-scored with "
                     f"{now['scorer']} {now['scorer_version']} (no generation needed)")
    return notes


def _show(v: Any) -> str:
    s = json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else repr(v)
    return s if len(s) < 120 else s[:117] + "..."


def reuse(b: Baseline, config: GateConfig, jobs: list[Job]) -> tuple[pd.DataFrame, list[Job]]:
    """The baseline's base rows for these jobs (re-scored if the scorer changed) and the jobs
    it lacks; a stored row asked with another prompt is an error."""
    table = b.table()
    table = table[table.role == "base"]
    stored = b.manifest.get("provenance", {})
    rescore = (stored.get("scorer"), stored.get("scorer_version")) != (SCORER_NAME, SCORER_VERSION)
    by_key = {(r["suite"], r["item_id"], r["amendment_type"], r["prompt_template"],
               int(r["sample"])): r for r in table.to_dict("records")}
    rows, missing = [], []
    for job in jobs:
        key = (job.suite, job.item.id, job.context, job.belief, 0)
        if key not in by_key:
            missing.append(job)
            continue
        row = dict(by_key[key])
        if row["prompt"] != job.prompt:
            raise WarmgateError(
                f"baseline {b.label()}: item {job.item.id} of suite {job.suite} under "
                f"{job.context}/{job.belief} was asked with another prompt (the item or its "
                f"framing changed); make a new baseline: {UPDATE_HINT}")
        if rescore:
            score = score_reply(job.item, row["output"], job.belief, job.suite)
            row.update(evaluation=score.evaluation, flag=score.flag, scorer=SCORER_NAME,
                       scorer_version=SCORER_VERSION)
        rows.append(row)
    out = pd.DataFrame(rows, columns=table.columns) if rows else table.iloc[0:0]
    return out.reset_index(drop=True), missing


def missing_message(config: GateConfig) -> str:
    """What a run without a baseline says: that it generates the base too, and how to store one."""
    folder = base_folder(config)
    return (f"no baseline for base {config.base.model!r} in {folder}: the base is generated too "
            f"(twice the work of a candidate-only run). To store this base's replies as the "
            f"approved baseline: {UPDATE_HINT} (or pytest --warmgate-update-baselines), then "
            f"commit {folder}")


# -- writing --------------------------------------------------------------------------------


def in_ci() -> bool:
    """True when the CI environment variable is set to anything but an explicit no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def approval(approved_by: str | None, reason: str | None) -> tuple[str | None, str | None]:
    """Who approved an update and why (arguments, else WARMGATE_APPROVED_BY / WARMGATE_REASON);
    under CI both are required, so an unreviewed job cannot move the baseline."""
    approved_by = approved_by or os.environ.get("WARMGATE_APPROVED_BY") or None
    reason = reason or os.environ.get("WARMGATE_REASON") or None
    if in_ci() and not (approved_by and reason):
        raise WarmgateError(
            "refusing to update the baseline in CI (CI is set) without approval metadata: give "
            "--approved-by NAME --reason TEXT (or set WARMGATE_APPROVED_BY and WARMGATE_REASON "
            "in the approved workflow)")
    return approved_by, reason


def write(config: GateConfig, table: pd.DataFrame, base_provenance: dict,
          approved_by: str | None = None, reason: str | None = None) -> Baseline:
    """Store the base rows of `table` as the next baseline version (never over an old one).

    Under CI an update refuses unless both `approved_by` and `reason` are given (or the
    environment variables WARMGATE_APPROVED_BY and WARMGATE_REASON)."""
    approved_by, reason = approval(approved_by, reason)
    folder = base_folder(config)
    if folder is None:
        raise WarmgateError("baselines are switched off (baselines = \"off\"); set a baselines "
                            "folder in [tool.warmgate] to store one")
    base = table[table.role == "base"].reset_index(drop=True)
    if base.empty:
        raise WarmgateError("cannot store a baseline: the run has no base rows")
    check_columns(base, "baseline update")
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "version": 0,
        "base": config.base.model,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "approved_by": approved_by or getpass.getuser(),
        "reason": reason or "(no reason given)",
        "ci": in_ci(),
        "git": _git_commit(folder),
        "items": config.items,
        "seed": config.seed,
        "layout": config.layout,
        "contexts": list(config.contexts),
        "beliefs": list(config.beliefs),
        "rows": len(base),
        "provenance": run_provenance(config, base_provenance),
    }
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
    try:
        results = tmp / RESULTS
        base.to_parquet(results, index=False)
        _fsync(results)
        manifest["files"] = {RESULTS: {"sha256": file_sha256(results),
                                       "bytes": results.stat().st_size, "rows": len(base)}}
        for _ in range(1000):  # a concurrent update may take our number: take the next one
            existing = [b.version for b in versions(folder)]
            manifest["version"] = max(existing, default=0) + 1
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
            _fsync(tmp / MANIFEST)
            target = folder / f"v{manifest['version']:04d}"
            try:
                os.rename(tmp, target)  # atomic; fails when the target exists
            except OSError:
                if target.exists():
                    continue
                raise
            return open_version(target)
        raise WarmgateError(f"{folder}: could not find a free version number")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def update_from_result(result: GateResult, approved_by: str | None = None,
                       reason: str | None = None) -> Baseline:
    """Store a finished run's base rows as the new baseline (the `--warmgate-update-baselines`
    hook). The run must have generated the base itself: `gate.run(config, use_baseline=False)`."""
    used = result.provenance.get("baseline") or {}
    if used.get("reused_rows"):
        raise WarmgateError(
            f"this run reused {used['reused_rows']} base replies from baseline "
            f"{used.get('label')}; a baseline update needs the base generated afresh: run the "
            "gate with use_baseline=False (warmgate baseline update does)")
    return write(result.config, result.table, result.provenance.get("base", {}),
                 approved_by, reason)


# -- reading for people ---------------------------------------------------------------------


def cell_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (suite, context, belief): items, errors, refusals and error rate (refusals left out)."""
    t = table[table.role == "base"] if "role" in table else table
    g = t.groupby(["suite", "amendment_type", "prompt_template"], sort=True)["evaluation"]
    out = pd.DataFrame({
        "n": g.size(),
        "correct": g.apply(lambda s: int((s == CORRECT).sum())),
        "incorrect": g.apply(lambda s: int((s == INCORRECT).sum())),
        "refusals": g.apply(lambda s: int((s == REFUSAL).sum())),
    })
    answered = out.correct + out.incorrect
    out["error_rate"] = (out.incorrect / answered.where(answered > 0)).fillna(0.0)
    return out.reset_index()


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            flat |= _flatten(v, f"{prefix}{k}.")
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def diff(a: Baseline, b: Baseline) -> dict:
    """What changed from `a` to `b`: manifest fields, error rate per cell, flipped items."""
    ma, mb = _flatten(a.manifest), _flatten(b.manifest)
    fields = {k: (ma.get(k), mb.get(k)) for k in sorted(ma.keys() | mb.keys())
              if ma.get(k) != mb.get(k) and not k.startswith("files.")}
    ta, tb = a.table(), b.table()
    cells = cell_summary(ta).merge(cell_summary(tb), how="outer",
                                   on=["suite", "amendment_type", "prompt_template"],
                                   suffixes=("_a", "_b"))
    cells["change"] = cells.error_rate_b - cells.error_rate_a
    pairs = ta[ta.role == "base"].merge(tb[tb.role == "base"], on=KEY, suffixes=("_a", "_b"))
    flipped = pairs[pairs.evaluation_a != pairs.evaluation_b][
        [*KEY, "evaluation_a", "evaluation_b", "output_a", "output_b"]].reset_index(drop=True)
    only_a = len(ta) - len(pairs)
    only_b = len(tb) - len(pairs)
    return {"fields": fields, "cells": cells, "flipped": flipped, "paired": len(pairs),
            "only_a": only_a, "only_b": only_b}


def warn(notes: list[str]) -> None:
    """Show notes as BaselineWarnings (pytest lists them; the CLI prints them to stderr)."""
    for n in notes:
        warnings.warn(n, BaselineWarning, stacklevel=3)


__all__ = ["Baseline", "BaselineWarning", "base_folder", "base_slug", "cell_summary", "check",
           "diff", "approval", "in_ci", "latest", "missing_message", "open_version", "resolve", "reuse",
           "run_provenance", "update_from_result", "verify_baseline", "versions", "write"]
