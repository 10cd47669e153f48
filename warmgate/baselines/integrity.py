"""A stored version's integrity: every file it lists matches its size, sha256 and row count."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from warmgate.results import check_columns

RESULTS = "results.parquet"


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_baseline(folder: Path, manifest: dict) -> list[str]:
    """Problems found with a stored version (empty when its files match their hashes)."""
    problems = []
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
