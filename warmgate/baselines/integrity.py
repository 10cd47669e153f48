"""A stored version's integrity: every file it lists matches its size, sha256 and row count, and
the manifest itself matches its `manifest_sha256` (so an edited manifest is caught too)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from warmgate.atomic import file_sha256
from warmgate.table import check_columns

RESULTS = "results.parquet"
MANIFEST_HASH = "manifest_sha256"
UNHASHED_NOTE = ("manifest not sealed (no manifest_sha256: written before manifest hashing, or "
                 "the hash was removed): its files are checked, its fields are not; re-seal it "
                 "(`warmgate baseline seal REF --by NAME --reason TEXT`, recorded in it) or make "
                 "a new one with `warmgate baseline update`")


def manifest_sha256(manifest: dict) -> str:
    """sha256 of the manifest's canonical JSON (sorted keys, no spaces) without its own hash."""
    body = {k: v for k, v in manifest.items() if k != MANIFEST_HASH}
    canonical = json.dumps(json.loads(json.dumps(body)), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(manifest: dict) -> dict:
    """The manifest with its `manifest_sha256` set (what `baseline update` writes)."""
    return {**manifest, MANIFEST_HASH: manifest_sha256(manifest)}


def manifest_problems(manifest: dict) -> list[str]:
    """[a problem] when the manifest was edited after it was hashed; [] when it matches or was
    written before hashing (see `UNHASHED_NOTE`)."""
    stored = manifest.get(MANIFEST_HASH)
    if stored is None or stored == manifest_sha256(manifest):
        return []
    return [f"manifest.json does not match its {MANIFEST_HASH} (edited or corrupted after it "
            "was written)"]


def verify_baseline(folder: Path, manifest: dict) -> list[str]:
    """Problems found with a stored version (empty when it and its files match their hashes)."""
    problems = manifest_problems(manifest)
    files = manifest.get("files", {})
    for name, meta in files.items():
        p = Path(folder) / name
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
        df = pd.read_parquet(Path(folder) / RESULTS)
        check_columns(df, str(Path(folder) / RESULTS))
    except Exception as e:  # a damaged file raises several pyarrow types
        return [f"{RESULTS} cannot be read ({e})"]
    if len(df) != files[RESULTS].get("rows"):
        problems.append(f"{RESULTS} has {len(df)} rows, the manifest says "
                        f"{files[RESULTS].get('rows')}")
    return problems
