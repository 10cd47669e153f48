"""Splitting one gate run into shards, and putting the shards back together.

A shard is a deterministic slice of the run's work: every n-th item (all its framings, both
roles) or every n-th cell. Each shard writes its results table and a manifest (redacted: no
key-like value leaves the machine); `merge` checks that the shards belong to one run (each
configuration fingerprint recomputed from the configuration it carries and the same in all,
each results table matching its hash, the same model and adapter fingerprints per role, every
shard once, no row twice, none missing), concatenates them and decides every cell over the
whole table, so that the family-wise correction spans all cells exactly as in a single run.
The hashes show an edit; they are not signatures (whoever edits both can recompute them).

The same machinery serves pytest-xdist inside one session: worker k generates part k, and any
worker that needs a part nobody has made yet takes that part's lock and makes it, so nothing is
generated twice and no worker waits for one that never runs a test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from warmgate import __version__
from warmgate.atomic import write_json
from warmgate.baselines.integrity import file_sha256
from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.result import Provenance
from warmgate.results import KEY, read_parquet, write_parquet
from warmgate.secrets import redact

MANIFEST = "shard.json"
TABLE = "results.parquet"
SPLITS = ("items", "cells")


@dataclasses.dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`, splitting by items or by cells."""

    index: int
    count: int
    by: str = "items"

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, jobs: Sequence[Any]) -> list[Any]:
        """This shard's jobs: round-robin over items (or cells) in the plan's stable order."""
        if self.by == "items":
            keys = [(j.suite, j.item.id) for j in jobs]
        else:
            keys = [(j.suite, j.context, j.belief) for j in jobs]
        order: dict[tuple, int] = {}
        for k in keys:
            order.setdefault(k, len(order))
        return [j for j, k in zip(jobs, keys, strict=True)
                if order[k] % self.count == self.index - 1]


def parse_shard(text: str, by: str = "items", where: str = "--warmgate-shard") -> Shard:
    """Parse `i/n` (1 <= i <= n), as a CI matrix writes it: `--warmgate-shard 2/4`."""
    try:
        i, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise WarmgateError(f"{where}: expected I/N such as 2/4, got {text!r}") from None
    if not 1 <= i <= n:
        raise WarmgateError(f"{where}: shard {i}/{n} out of range; I runs from 1 to N")
    if by not in SPLITS:
        raise WarmgateError(f"{where}: split by {by!r}; expected one of {', '.join(SPLITS)}")
    return Shard(i, n, by)


# -- the configuration as data: what a shard's manifest carries, and the run's fingerprint --

def _plain(value: Any, root: Path) -> Any:
    """JSON-ready value; absolute paths inside the checkout become relative (runners differ)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name), root) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v, root) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, root) for v in value]
    if isinstance(value, str) and os.path.isabs(value):
        try:
            return Path(value).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return value
    return value


def config_to_dict(cfg: GateConfig, root: Path | None = None) -> dict[str, Any]:
    """The configuration as plain JSON data, paths relative to `root` (default: the cwd)."""
    return _plain(cfg, root or Path.cwd())


def config_from_dict(data: dict[str, Any], where: str = "shard manifest") -> GateConfig:
    """Rebuild a GateConfig written by config_to_dict (nested dataclasses, tuples)."""
    kw: dict[str, Any] = {}
    defaults = GateConfig()
    for f in dataclasses.fields(GateConfig):
        if f.name not in data:
            continue
        value = data[f.name]
        default = getattr(defaults, f.name)
        if dataclasses.is_dataclass(default) and isinstance(value, dict):
            value = type(default)(**value)
        elif isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        kw[f.name] = value
    unknown = sorted(set(data) - {f.name for f in dataclasses.fields(GateConfig)})
    if unknown:
        raise WarmgateError(f"{where}: unknown configuration field(s) {', '.join(unknown)}; "
                            "was it written by another warmgate version?")
    return dataclasses.replace(defaults, **kw)


#: Fields that say where files go, not what is generated or how it is decided.
_NOT_FINGERPRINTED = ("report", "baselines", "batch_size")


def config_fingerprint(cfg: GateConfig, root: Path | None = None) -> str:
    """sha256 over everything that changes outputs or verdicts (not output folders)."""
    return dict_fingerprint(config_to_dict(cfg, root))


def dict_fingerprint(config: dict[str, Any]) -> str:
    """config_fingerprint of a configuration already written as data (a shard's `config`)."""
    data = {k: v for k, v in config.items() if k not in _NOT_FINGERPRINTED}
    data["warmgate_version"] = __version__
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# -- writing and merging shards --

def write_shard(folder: Path, cfg: GateConfig, shard: Shard, table: pd.DataFrame,
                provenance: Provenance, total_jobs: int) -> Path:
    """Write a shard's results table and manifest into `folder`."""
    write_parquet(table, folder / TABLE)
    write_json(folder / MANIFEST, redact({
        "shard": shard.index,
        "count": shard.count,
        "by": shard.by,
        "config_sha256": config_fingerprint(cfg),
        "config": config_to_dict(cfg),
        "jobs_total": total_jobs,
        "rows": len(table),
        "results_sha256": file_sha256(folder / TABLE),
        "provenance": provenance.to_dict(),
        "warmgate_version": __version__,
    }))
    return folder


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise WarmgateError(f"{folder}: no {MANIFEST}; is this a shard folder written by "
                            "`pytest --warmgate-shard I/N`?")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise WarmgateError(f"{path}: invalid JSON at line {e.lineno} ({e.msg})") from None
    if not isinstance(data, dict):
        raise WarmgateError(f"{path}: a shard manifest is a JSON object")
    for key in ("shard", "count", "by", "config_sha256", "config", "jobs_total", "results_sha256"):
        if key not in data:
            raise WarmgateError(f"{path}: missing field {key!r}" + (
                " (a shard written by an older warmgate: re-run it)"
                if key == "results_sha256" else ""))
    if not isinstance(data["config"], dict) or dict_fingerprint(data["config"]) != \
            data["config_sha256"]:
        raise WarmgateError(f"{path}: its config does not match its config_sha256 (edited "
                            "after the shard was written, or written by another warmgate "
                            "version); re-run the shard")
    if file_sha256(folder / TABLE) != data["results_sha256"]:
        raise WarmgateError(f"{folder / TABLE}: does not match results_sha256 in {path} (edited "
                            "or corrupted after the shard was written); re-run the shard")
    return data


def _same_variants(manifests: list[tuple[Path, dict]]) -> None:
    """Every shard generated with the same reply identity per role (`warmgate.identity`): a
    shard made from other weights, adapter, persona or decoding is not part of this run."""
    from warmgate.identity import compare, record

    first_dir, first = manifests[0]
    roles = Provenance.from_dict(first.get("provenance")).roles
    for folder, m in manifests[1:]:
        other = Provenance.from_dict(m.get("provenance")).roles
        for role in sorted(set(roles) | set(other)):
            errors, _ = compare(record(roles.get(role, {})), record(other.get(role, {})),
                                f"shard {first['shard']} ({first_dir})", f"shard {m['shard']}")
            if errors:
                raise WarmgateError(
                    f"{folder / MANIFEST}: the {role}'s {errors[0]}; these shards were not "
                    "generated by one variant. Re-run every shard with the same weights and "
                    "settings.")


def merge(folders: Sequence[Path]):
    """Combine shard folders of one run and decide every cell over the whole table."""
    from warmgate.gate import conclude

    if not folders:
        raise WarmgateError("merge: give the shard folders, e.g. `warmgate merge shards/*`")
    manifests = [(Path(f), _read_manifest(Path(f))) for f in folders]
    first_dir, first = manifests[0]
    for folder, m in manifests[1:]:
        for key in ("config_sha256", "count", "by", "jobs_total"):
            if m[key] != first[key]:
                raise WarmgateError(
                    f"{folder / MANIFEST}: {key} is {m[key]!r} but {first_dir / MANIFEST} has "
                    f"{first[key]!r}; these shards are not from one run. Re-run every shard with "
                    "the same configuration and warmgate version."
                )
    _same_variants(manifests)
    seen: dict[int, Path] = {}
    for folder, m in manifests:
        if m["shard"] in seen:
            raise WarmgateError(f"shard {m['shard']}/{m['count']} given twice: {seen[m['shard']]} "
                                f"and {folder}")
        seen[m["shard"]] = folder
    missing = sorted(set(range(1, first["count"] + 1)) - set(seen))
    if missing:
        names = ", ".join(f"{i}/{first['count']}" for i in missing)
        raise WarmgateError(f"merge: shard(s) {names} missing; give every shard folder of the run")
    tables = [read_parquet(folder / TABLE) for folder, _ in manifests]
    table = pd.concat(tables, ignore_index=True)
    dup = table.duplicated(subset=["role", *KEY])
    if dup.any():
        row = table[dup].iloc[0]
        raise WarmgateError(f"merge: row ({row.role}, {row.suite}, {row.item_id}, "
                            f"{row.amendment_type}, {row.prompt_template}) appears in two shards")
    roles = table.role.nunique() if len(table) else 0
    expected = first["jobs_total"] * max(roles, 1)
    if len(table) != expected:
        raise WarmgateError(f"merge: {len(table)} rows but the run planned {expected}; a shard "
                            "is incomplete")
    cfg = config_from_dict(first["config"], str(first_dir / MANIFEST))
    # A stable order whatever order the folders came in: the order of one unsharded run.
    table = table.sort_values(["role", *KEY], kind="stable").reset_index(drop=True)
    provenance = Provenance.from_dict(first.get("provenance"))
    provenance.shards = {m["shard"]: str(f) for f, m in manifests}
    provenance.config_sha256 = first["config_sha256"]
    return conclude(cfg, table, provenance)


# -- pytest-xdist: parts of one session, each generated once --

def gather_parts(folder: Path, count: int, mine: int,
                 make_part: Callable[[Shard], tuple[pd.DataFrame, Provenance]]
                 ) -> tuple[pd.DataFrame, Provenance]:
    """All `count` parts of a session's run, generating those nobody has made yet.

    Part `mine` first (this worker's own), then the others in order; each under its own file
    lock, so a part is generated by exactly one worker and the rest wait for it and read it.
    """
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    order = [mine, *[k for k in range(1, count + 1) if k != mine]]
    tables: dict[int, pd.DataFrame] = {}
    provenance: dict = {}
    for k in order:
        path = folder / f"part-{k}-of-{count}.parquet"
        prov_path = path.with_suffix(".json")
        with FileLock(str(path) + ".lock"):
            if not path.exists():
                table, prov = make_part(Shard(k, count, "items"))
                write_json(prov_path, prov.to_dict())
                write_parquet(table, path)  # last: its presence means the part is complete
        tables[k] = read_parquet(path)
        if not provenance and prov_path.exists():
            provenance = json.loads(prov_path.read_text(encoding="utf-8"))
    table = pd.concat([tables[k] for k in sorted(tables)], ignore_index=True)
    table = table.sort_values(["role", *KEY], kind="stable").reset_index(drop=True)
    return table, Provenance.from_dict(provenance)


def read_parts(folder: Path) -> tuple[pd.DataFrame, Provenance] | None:
    """A session's parts as written by gather_parts, or None when not every part exists."""
    parts = sorted(folder.glob("part-*-of-*.parquet"))
    if not parts:
        return None
    count = int(parts[0].stem.rsplit("-", 1)[1])
    if len(parts) != count:
        return None
    table = pd.concat([read_parquet(p) for p in parts], ignore_index=True)
    table = table.sort_values(["role", *KEY], kind="stable").reset_index(drop=True)
    prov_path = parts[0].with_suffix(".json")
    prov = json.loads(prov_path.read_text(encoding="utf-8")) if prov_path.exists() else {}
    return table, Provenance.from_dict(prov)
