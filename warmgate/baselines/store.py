"""Writing a version: approval policy, then an atomic rename of a complete folder into place."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from warmgate import __version__
from warmgate.atomic import umask, write_bytes
from warmgate.baselines.integrity import MANIFEST_HASH, file_sha256, seal, verify_baseline
from warmgate.baselines.layout import (
    FORMAT,
    MANIFEST,
    RESULTS,
    STALE_AFTER,
    TMP_PREFIX,
    Baseline,
    BaselineStore,
    open_version,
    temporaries,
    versions,
)
from warmgate.environment import approval_env, in_ci
from warmgate.errors import WarmgateError
from warmgate.table import check_columns


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


def approval(approved_by: str | None, reason: str | None) -> tuple[str | None, str | None]:
    """Who approved an update and why (arguments, else WARMGATE_APPROVED_BY / WARMGATE_REASON);
    under CI both are required, so an unreviewed job cannot move the baseline."""
    env_by, env_reason = approval_env()
    approved_by = (approved_by or env_by or "").strip() or None
    reason = (reason or env_reason or "").strip() or None
    if in_ci() and not (approved_by and reason):
        raise WarmgateError(
            "refusing to update the baseline in CI (CI is set) without approval metadata: give "
            "--approved-by NAME --reason TEXT (or set WARMGATE_APPROVED_BY and WARMGATE_REASON "
            "in the approved workflow)")
    return approved_by, reason


def write(store: BaselineStore, table: pd.DataFrame, record: dict,
          approved_by: str | None = None, reason: str | None = None,
          about: dict | None = None) -> Baseline:
    """Store the base rows of `table` as the next baseline version (never over an old one).

    Under CI an update refuses unless both `approved_by` and `reason` are given (or the
    environment variables WARMGATE_APPROVED_BY and WARMGATE_REASON). `about`: what the manifest
    says of the run that made it (items, seed, layout, contexts, beliefs)."""
    approved_by, reason = approval(approved_by, reason)
    folder = store.folder
    if folder is None:
        raise WarmgateError("baselines are switched off (baselines = \"off\"); set a baselines "
                            "folder in [tool.warmgate] to store one")
    base = table[table.role == "base"].reset_index(drop=True)
    if base.empty:
        raise WarmgateError("cannot store a baseline: the run has no base rows")
    check_columns(base, "baseline update")
    folder.mkdir(parents=True, exist_ok=True)
    _prepare(folder)
    manifest = {
        "format": FORMAT,
        "version": 0,
        "base": store.base_model,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "approved_by": approved_by or getpass.getuser(),
        "reason": reason or "(no reason given)",
        "ci": in_ci(),
        "git": _git_commit(folder),
        **{k: v for k, v in (about or {}).items() if k != "base"},
        "rows": len(base),
        "provenance": record,
    }
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=folder))
    os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it 0700; a version is as readable as a file
    try:
        results = tmp / RESULTS
        base.to_parquet(results, index=False)
        _fsync(results)
        manifest["files"] = {RESULTS: {"sha256": file_sha256(results),
                                       "bytes": results.stat().st_size, "rows": len(base)}}
        for _ in range(1000):  # a concurrent update may take our number: take the next one
            existing = [b.version for b in versions(folder)]
            manifest["version"] = max(existing, default=0) + 1
            (tmp / MANIFEST).write_text(json.dumps(seal(manifest), indent=2, sort_keys=True)
                                        + "\n", encoding="utf-8")
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


def _prepare(folder: Path) -> None:
    """Keep `git add baselines/` from committing temporaries (a `.gitignore` in the base
    folder), and remove those a killed update left (older than STALE_AFTER: no live writer)."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(f"# written by warmgate: unfinished baseline versions\n{TMP_PREFIX}*\n",
                          encoding="utf-8")
    for stale in temporaries(folder, older_than=STALE_AFTER):
        shutil.rmtree(stale, ignore_errors=True)


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def reseal(b: Baseline, resealed_by: str | None, reason: str | None) -> Baseline:
    """Seal a version written before manifest hashing, recording who re-sealed it and why.

    Its files must still match their hashes; its fields cannot be checked (that is what the
    seal adds from now on), so the record says who vouched for them."""
    if MANIFEST_HASH in b.manifest:
        raise WarmgateError(f"baseline {b.label()} is already sealed ({MANIFEST_HASH}); "
                            "nothing to do (an edited sealed manifest is restored from version "
                            "control, never re-sealed)")
    by = (resealed_by or "").strip()
    why = (reason or "").strip()
    if not (by and why):
        raise WarmgateError("re-sealing vouches for a manifest nobody can check: give --by NAME "
                            "and --reason TEXT (recorded in it)")
    problems = verify_baseline(b.path, b.manifest)
    if problems:
        raise WarmgateError(f"baseline {b.path}: {'; '.join(problems)}; not re-sealed")
    manifest = {**b.manifest, "resealed": {
        "by": by, "reason": why, "ci": in_ci(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "warmgate_version": __version__}}
    write_bytes(b.path / MANIFEST, (json.dumps(seal(manifest), indent=2, sort_keys=True)
                                    + "\n").encode("utf-8"), fsync=True)
    return open_version(b.path)
