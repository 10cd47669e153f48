"""Files: atomic writes (a reader never sees half a file, and a failed write leaves the old
one) and the whole-file hash every record of a file quotes (`file_sha256`).

Every file warmgate writes (results tables, reports, shard and baseline manifests, imported
suites, caches' entries) goes through `replacing`: a temporary file beside the target, renamed
over it when complete. Files get the ordinary permissions the umask allows (0644 by default),
not the 0600 of a bare temporary file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def umask() -> int:
    """The process's umask (read without changing it for longer than a call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


_umask = umask


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`; renamed over `path` when the block ends without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path: Path, data: bytes, fsync: bool = False) -> Path:
    """Write `data` to `path` atomically (and durably with `fsync`)."""
    with replacing(path) as tmp, tmp.open("wb") as f:
        f.write(data)
        if fsync:
            f.flush()
            os.fsync(f.fileno())
    return Path(path)


def write_text(path: Path, text: str, fsync: bool = False) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(path, text.encode("utf-8"), fsync)


def write_json(path: Path, data: Any, fsync: bool = False) -> Path:
    """Write indented JSON atomically (non-JSON values as strings)."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", fsync)


def make_dir(path: Path) -> Path:
    """mkdir -p with the umask's permissions (tempfile.mkdtemp would make it 0700)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o777 & ~_umask())
    return path


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
