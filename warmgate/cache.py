"""The reply store: a reply is generated once per exact question, a verdict judged once.

Generations and the judge's verdicts (their own key kind, `judge:<identity>`) live in one
content-addressed SQLite store; `warmgate cache info | prune` covers both.

A key hashes the variant's reply identity (`warmgate.identity`: INPUTS and RUNTIME, so a new
library version regenerates) and the exact user message. The chat template that turns persona
and message into the formatted prompt lives in the model folder, so the model fingerprint
covers it.

Entries live in one SQLite database in WAL mode: parallel pytest-xdist workers and several
processes share it safely, and every batch is committed as soon as it is generated, so a run
killed at 80 % resumes and generates only the missing 20 %.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
import warnings
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from warmgate.backends import Backend, Progress
from warmgate.embedded import cache_root
from warmgate.environment import is_off
from warmgate.errors import WarmgateError
from warmgate.identity import variant_key

_DB = "generations.sqlite"


def default_dir() -> Path:
    """Where the generation cache lives unless configured: `<cache_root>/generations`."""
    return cache_root() / "generations"


def resolve_dir(setting: str | None) -> Path | None:
    """The cache folder for a config value: "" = default, a path, or "off" (no cache)."""
    if setting is None or setting == "":
        return default_dir()
    if is_off(setting):
        return None
    return Path(setting).expanduser()


def cacheable(provenance: dict) -> bool:
    """Only content-fingerprinted weights are cached: a bare name or hub id could change under us."""
    return str(provenance.get("model_fingerprint", "")).startswith("sha256:")


def entry_key(variant: str, message: str) -> str:
    """The key of one reply: the variant's hash and the exact message."""
    return hashlib.sha256(f"{variant}\x00{message}".encode()).hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    """What `warmgate cache info` prints."""

    path: Path
    entries: int
    bytes: int
    oldest: float | None
    newest: float | None
    judged: int = 0  # of the entries, judge verdicts (key kind `judge:`); the rest are replies


class GenerationCache:
    """Replies by key in one SQLite file, safe for concurrent processes (WAL, busy timeout)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / _DB
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as con, con:
                con.execute(
                    "CREATE TABLE IF NOT EXISTS gen (key TEXT PRIMARY KEY, output TEXT NOT NULL,"
                    " variant TEXT NOT NULL, created REAL NOT NULL, used REAL NOT NULL)"
                )
        except (OSError, sqlite3.Error) as e:
            raise WarmgateError(
                f"generation cache {self.path}: cannot open ({e}); fix the folder's permissions, "
                f"delete the file if it is damaged, or set cache = \"off\" in [tool.warmgate]"
            ) from None

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process kills
        return con

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The cached replies among `keys` (missing keys are absent from the result)."""
        found: dict[str, str] = {}
        now = time.time()
        with closing(self._connect()) as con, con:
            for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                found.update(con.execute(
                    f"SELECT key, output FROM gen WHERE key IN ({marks})", chunk).fetchall())
                con.execute(f"UPDATE gen SET used = ? WHERE key IN ({marks})", [now, *chunk])
        return found

    def put_many(self, variant: str, items: dict[str, str]) -> None:
        """Store replies by key in one transaction (committed before returning)."""
        now = time.time()
        with closing(self._connect()) as con, con:
            con.executemany(
                "INSERT OR REPLACE INTO gen (key, output, variant, created, used) "
                "VALUES (?, ?, ?, ?, ?)",
                [(k, v, variant, now, now) for k, v in items.items()],
            )

    def info(self) -> CacheInfo:
        """Entry count, size on disk and age range."""
        with closing(self._connect()) as con:
            n, oldest, newest = con.execute(
                "SELECT COUNT(*), MIN(created), MAX(created) FROM gen").fetchone()
            judged = con.execute(
                "SELECT COUNT(*) FROM gen WHERE variant LIKE 'judge:%'").fetchone()[0]
        size = sum(p.stat().st_size for p in self.folder.glob(_DB + "*") if p.is_file())
        return CacheInfo(self.path, int(n), size, oldest, newest, int(judged))

    def prune(self, older_than_days: float | None = None, everything: bool = False) -> int:
        """Delete entries not used for `older_than_days` (or all); returns how many went."""
        if not everything and older_than_days is None:
            raise WarmgateError("cache prune: give --older-than DAYS or --all")
        with closing(self._connect()) as con:
            with con:
                if everything:
                    cur = con.execute("DELETE FROM gen")
                else:
                    cutoff = time.time() - float(older_than_days) * 86400
                    cur = con.execute("DELETE FROM gen WHERE used < ?", (cutoff,))
                removed = cur.rowcount
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.execute("VACUUM")
        return removed


class CachedBackend:
    """Wraps a backend: cached replies are looked up, only misses are generated, in chunks,
    and each chunk is stored as soon as it is done, so an interrupted run loses at most one."""

    def __init__(self, inner: Backend, cache: GenerationCache, chunk: int = 64) -> None:
        self.inner = inner
        self.cache = cache
        self.chunk = max(1, chunk)
        self.name = getattr(inner, "name", "backend")
        self.hits = 0
        self.misses = 0
        self._warned: set[str] = set()

    def provenance(self, role: str) -> dict:
        """The wrapped backend's provenance."""
        return self.inner.provenance(role)

    def __getattr__(self, attr: str):  # anything else (variants, decoding...) is the inner's
        return getattr(self.inner, attr)

    def generate(self, role: str, messages: Sequence[str],
                 progress: Progress | None = None) -> list[str]:
        """One reply per message: cached ones at once, the rest generated chunk by chunk."""
        prov = self.inner.provenance(role)
        if not cacheable(prov):
            if role not in self._warned and str(prov.get("model_fingerprint")).startswith("hub:"):
                self._warned.add(role)
                warnings.warn(
                    f"generation cache not used for {role}: its weights have no content "
                    f"fingerprint ({prov.get('model_fingerprint', '')!r}); download them to a "
                    "local folder to cache replies", stacklevel=2)
            return self.inner.generate(role, messages, progress)
        variant = variant_key(prov)
        keys = [entry_key(variant, m) for m in messages]
        out: dict[str, str] = self.cache.get_many(sorted(set(keys)))
        hit = sum(k in out for k in keys)
        self.hits += hit
        if progress and hit:
            progress(hit)
        # Unique misses, longest first as the engines batch them, so chunks pad little.
        todo = sorted({k: m for k, m in zip(keys, messages, strict=True) if k not in out}.items(),
                      key=lambda km: -len(km[1]))
        stream = getattr(self.inner, "stream", None)
        if callable(stream) and todo:
            # A distributed engine (the ray backend) gets every miss at once, to spread over
            # its actors, and hands replies back batch by batch as they finish: each batch
            # is stored as it lands, so a killed run still loses at most the batches in flight.
            for part in stream(role, [m for _, m in todo]):
                done = {todo[i][0]: reply for i, reply in part}
                self.cache.put_many(variant, done)
                out.update(done)
                self.misses += len(done)
                if progress:
                    progress(len(done))
        rest = [km for km in todo if km[0] not in out]  # after a stream: none
        for start in range(0, len(rest), self.chunk):
            part = rest[start : start + self.chunk]
            replies = self.inner.generate(role, [m for _, m in part], progress)
            done = dict(zip((k for k, _ in part), replies, strict=True))
            self.cache.put_many(variant, done)
            out.update(done)
            self.misses += len(part)
        dup = len(keys) - hit - len(todo)  # repeats of a generated message are done too
        if progress and dup:
            progress(dup)
        return [out[k] for k in keys]


def open_cache(setting: str | None) -> GenerationCache | None:
    """The cache for a config value (`GateConfig.cache`, where WARMGATE_GENERATION_CACHE is
    already applied), or None when it is off."""
    folder = resolve_dir(setting)
    return GenerationCache(folder) if folder is not None else None


__all__ = ["CacheInfo", "CachedBackend", "GenerationCache", "cacheable", "default_dir",
           "entry_key", "open_cache", "resolve_dir", "variant_key"]
