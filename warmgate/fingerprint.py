"""Fingerprints of weights: what a baseline and the generation cache are keyed on.

An adapter (megabytes) is hashed whole. A model (gigabytes) is not read whole on every run:
its fingerprint covers every file's name and size, the safetensors headers (names, shapes,
dtypes, offsets) and sampled blocks of the tensor data, so a changed weight file changes it.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

_BLOCK = 64 * 1024
_SAMPLES = 16


def _hash_file_whole(h: hashlib._Hash, path: Path) -> None:
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)


def _hash_file_sampled(h: hashlib._Hash, path: Path) -> None:
    size = path.stat().st_size
    h.update(f"{path.name}:{size}".encode())
    with path.open("rb") as f:
        if path.suffix == ".safetensors" and size >= 8:
            n = int.from_bytes(f.read(8), "little")
            h.update(f.read(min(n, size - 8)))
        # Fixed, evenly spaced blocks plus the last one: cheap, and a rewritten file differs.
        for k in range(_SAMPLES):
            f.seek(max(0, (size - _BLOCK) * k // max(1, _SAMPLES - 1)))
            h.update(f.read(_BLOCK))


@lru_cache(maxsize=64)
def _fingerprint(path: str, whole: bool, mtimes: tuple) -> str:
    root = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    for p in files:
        h.update(str(p.relative_to(root)).encode())
        if whole or p.stat().st_size <= 4 * _BLOCK * _SAMPLES:
            _hash_file_whole(h, p)
        else:
            _hash_file_sampled(h, p)
    return h.hexdigest()


def _stat_key(root: Path) -> tuple:
    return tuple(
        (str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
        if p.is_file()
    )


def fingerprint_model(path_or_id: str) -> str:
    """Fingerprint of a model folder; a hub id without a local folder is named by its id."""
    root = Path(path_or_id).expanduser()
    if not root.is_dir():
        return "hub:" + path_or_id
    return "sha256:" + _fingerprint(str(root.resolve()), False, _stat_key(root))


def fingerprint_adapter(path: str) -> str:
    """Fingerprint of a PEFT adapter folder, hashed whole (adapters are small)."""
    root = Path(path).expanduser()
    return "sha256:" + _fingerprint(str(root.resolve()), True, _stat_key(root))


def fingerprint_json(obj: object) -> str:
    """A stable hash of JSON-able settings (decoding, persona...)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


__all__ = ["fingerprint_adapter", "fingerprint_json", "fingerprint_model"]
