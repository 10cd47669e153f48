"""Where baselines live: `<baselines>/<base slug>/vNNNN/`, and reading a version's manifest."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warmgate.baselines.integrity import verify_baseline
from warmgate.embedded import EMBEDDED_NAME
from warmgate.environment import is_off
from warmgate.errors import WarmgateError

FORMAT = 1
RESULTS = "results.parquet"
MANIFEST = "manifest.json"
_VERSION_DIR = re.compile(r"^v(\d{4,})$")
TMP_PREFIX = ".tmp-"
#: A `.tmp-*` folder older than this (seconds) is left by a killed update: no live writer holds
#: it (a writer only writes the parquet and the manifest there, then renames it within seconds).
STALE_AFTER = 3600.0
UPDATE_HINT = "warmgate baseline update --approved-by NAME --reason TEXT"


class BaselineWarning(UserWarning):
    """A harmless provenance difference, or a note about baseline use (shown, never fatal)."""


def base_slug(model: str) -> str:
    """The folder name for a base model: the embedded model's name, a folder's name, or a hub
    id with `/` as `--`."""
    if model in ("embedded", EMBEDDED_NAME, "gemma-3-270m"):
        return "embedded-gemma-3-270m"
    path = Path(model).expanduser()
    name = path.resolve().name if model.startswith((".", "/", "~")) or path.exists() \
        else model.replace("/", "--")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"


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
            problems = verify_baseline(self.path, self.manifest)
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


def version_folders(folder: Path) -> list[Path]:
    """The `vNNNN` folders under a base's folder, oldest first (never a `.tmp-*` one)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = sorted((int(m.group(1)), p) for p in folder.iterdir()
                   if p.is_dir() and (m := _VERSION_DIR.match(p.name)))
    return [p for _, p in found]


def versions(folder: Path) -> list[Baseline]:
    """Every stored version under a base's folder, oldest first."""
    return [open_version(p) for p in version_folders(folder)]


def temporaries(folder: Path, older_than: float = 0.0) -> list[Path]:
    """`.tmp-*` folders under a base's folder (an update in progress, or one that was killed),
    those older than `older_than` seconds only."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    now = time.time()
    found = []
    for p in sorted(folder.iterdir()):
        try:
            if p.name.startswith(TMP_PREFIX) and p.is_dir() and \
                    now - p.stat().st_mtime >= older_than:
                found.append(p)
        except OSError:  # removed meanwhile by its writer
            continue
    return found


def temporaries_note(folder: Path) -> str | None:
    """A line naming leftover `.tmp-*` folders (never used as baselines), or None."""
    left = temporaries(folder)
    if not left:
        return None
    return (f"{len(left)} temporary folder(s) in {folder} ({', '.join(p.name for p in left)}): an "
            "update in progress or one that was killed; never used as a baseline, ignored by "
            f"git, removed by the next update once older than {STALE_AFTER / 3600:g} h (or rm -r "
            "them)")


@dataclass(frozen=True)
class BaselineStore:
    """The baselines of one base model: `<baselines>/<base>` (`folder` None: switched off)."""

    folder: Path | None
    base_model: str

    @classmethod
    def of(cls, baselines: str, base_model: str) -> BaselineStore:
        """The store for a `baselines` setting (a folder, or off) and a base model."""
        folder = None if is_off(baselines) else \
            Path(baselines).expanduser() / base_slug(base_model)
        return cls(folder, base_model)

    def latest(self) -> Baseline | None:
        """The newest baseline of the base model, or None when there is none."""
        if self.folder is None:
            return None
        found = versions(self.folder)
        return found[-1] if found else None

    def resolve(self, ref: str) -> Baseline:
        """A baseline named on the command line: a version folder, a base folder (its newest
        version), `vN` or `latest` of this base."""
        path = Path(ref).expanduser()
        if (path / MANIFEST).exists():
            return open_version(path)
        if path.is_dir() and versions(path):
            return versions(path)[-1]
        if self.folder is not None and (ref == "latest" or re.fullmatch(r"v?\d+", ref)):
            found = versions(self.folder)
            if ref == "latest" and found:
                return found[-1]
            for b in found:
                if ref != "latest" and b.version == int(ref.lstrip("v")):
                    return b
        raise WarmgateError(
            f"baseline {ref!r} not found: give a version folder (baselines/<base>/v0001), a base "
            f"folder, or vN / latest of the configured base (looked in {self.folder})")

    def missing_message(self) -> str:
        """What a run without a baseline says: that it generates the base too, and how to
        store one."""
        return (f"no baseline for base {self.base_model!r} in {self.folder}: the base is "
                "generated too (twice the work of a candidate-only run). To store this base's "
                f"replies as the approved baseline: {UPDATE_HINT} (or pytest "
                f"--warmgate-update-baselines), then commit {self.folder}")
