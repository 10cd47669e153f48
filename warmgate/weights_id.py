"""Fingerprints of weights: what decides a model's replies, hashed part by part.

Scheme 2 (this one) hashes what decides replies and nothing a tool writes about itself:
- tensors: every tensor's name, dtype, shape and data, read through the safetensors headers, so
  the same tensors re-sharded or re-ordered by another library version hash the same (data:
  whole up to 1 MiB a tensor, else 64 evenly spaced 4 KiB blocks and the last one);
- configs (`config.json`, `generation_config.json`, `tokenizer_config.json`,
  `adapter_config.json`...) as parsed JSON, key by key, without tool metadata
  (`transformers_version`, `_name_or_path`, commit hashes, `is_local`...);
- tokenizer files (`tokenizer.json`, `tokenizer.model`, vocabularies, chat templates) whole.
Other files (READMEs, markers, index files of shards) decide nothing and are left out.

A fingerprint is `sha256:` + the hash of its parts; the parts themselves (one short hash each)
let a mismatch name what differs: tensor data, a config key, a tokenizer file.

Scheme 1 (baselines written before it) hashed every file whole or sampled by file offset, tool
metadata included; `legacy_fingerprint` recomputes it so that those baselines keep matching
when only a tool's version string changed (`warmgate.identity`).
"""

from __future__ import annotations

import hashlib
import json
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any

#: The fingerprint scheme this module computes (recorded in provenance and manifests).
SCHEME = 2

_BLOCK = 64 * 1024
_SAMPLES = 16
_TENSOR_WHOLE = 1 << 20
_TENSOR_BLOCK = 4096
_TENSOR_SAMPLES = 64
#: Keys a tool writes about itself: they never decide a reply.
_METADATA_KEYS = frozenset({"transformers_version", "peft_version", "name_or_path", "is_local",
                            "local_files_only", "base_model_name_or_path", "revision"})
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".ckpt", ".h5", ".msgpack")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "merges.txt", "vocab.json", "vocab.txt",
                    "spiece.model", "added_tokens.json", "special_tokens_map.json",
                    "chat_template.jinja", "chat_template.json")


def _is_metadata(key: str) -> bool:
    return key.startswith("_") or key in _METADATA_KEYS


def _short(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _config_parts(name: str, value: Any, prefix: str, out: dict[str, str]) -> None:
    """One part per leaf key of a parsed JSON config (dicts flattened with dots)."""
    if isinstance(value, dict):
        for k in sorted(value):
            if not _is_metadata(str(k)):
                key = "dtype" if k == "torch_dtype" else str(k)  # renamed in transformers 5
                _config_parts(name, value[k], f"{prefix}{key}.", out)
        return
    out[f"{name}:{prefix[:-1]}"] = _short(json.dumps(value, sort_keys=True).encode())


def _safetensors_parts(path: Path, tensors: dict[str, str], sampled: bool) -> None:
    """Each tensor's name, dtype, shape and (whole, or sampled when large) data, read by its own
    offsets so that the layout of the file does not matter."""
    with path.open("rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        start = 8 + n
        for name, meta in header.items():
            if name == "__metadata__":
                continue
            lo, hi = meta["data_offsets"]
            size = hi - lo
            h = hashlib.sha256(json.dumps([meta["dtype"], meta["shape"]]).encode())
            if size <= _TENSOR_WHOLE or not sampled:
                f.seek(start + lo)
                h.update(f.read(size))
            else:
                for k in range(_TENSOR_SAMPLES + 1):
                    at = (size - _TENSOR_BLOCK) * k // _TENSOR_SAMPLES
                    f.seek(start + lo + at)
                    h.update(f.read(_TENSOR_BLOCK))
            tensors[name] = h.hexdigest()


def _file_hash(path: Path, sampled: bool) -> str:
    h = hashlib.sha256()
    if sampled and path.stat().st_size > 4 * _BLOCK * _SAMPLES:
        _hash_file_sampled(h, path)
    else:
        _hash_file_whole(h, path)
    return h.hexdigest()[:16]


def _parts(root: Path, sampled: bool) -> dict[str, str]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    parts: dict[str, str] = {}
    tensors: dict[str, str] = {}
    for p in files:
        rel = p.relative_to(root).as_posix()
        if p.suffix == ".safetensors":
            _safetensors_parts(p, tensors, sampled)
        elif p.suffix in _WEIGHT_SUFFIXES:
            parts[f"weights:{rel}"] = _file_hash(p, sampled)
        elif p.name in _TOKENIZER_FILES:
            parts[f"tokenizer:{rel}"] = _file_hash(p, False)
        elif p.name.endswith("config.json") and not p.name.endswith("index.json"):
            try:
                _config_parts(rel, json.loads(p.read_text(encoding="utf-8")), "", parts)
            except (ValueError, UnicodeDecodeError):
                parts[f"{rel}:(unparsed)"] = _file_hash(p, False)
    if tensors:
        parts["tensors"] = _short(json.dumps(sorted(tensors.items())).encode())
    return parts


@lru_cache(maxsize=64)
def _cached_parts(path: str, sampled: bool, stat: tuple) -> dict[str, str]:
    return _parts(Path(path), sampled)


def _stat_key(root: Path) -> tuple:
    return tuple(
        (str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
        if p.is_file()
    )


def model_parts(path: str | Path, sampled: bool = True) -> dict[str, str]:
    """The parts a folder's fingerprint is made of: `tensors`, `<config>:<key>`, `tokenizer:<file>`,
    `weights:<file>` (non-safetensors weights), each a short hash."""
    root = Path(path).expanduser()
    return dict(_cached_parts(str(root.resolve()), sampled, _stat_key(root)))


def of_parts(parts: dict[str, str]) -> str:
    """The fingerprint of a set of parts."""
    return "sha256:" + hashlib.sha256(json.dumps(sorted(parts.items())).encode()).hexdigest()


def fingerprint_model(path_or_id: str) -> str:
    """Fingerprint of a model folder; a hub id without a local folder is named by its id."""
    root = Path(path_or_id).expanduser()
    if not root.is_dir():
        return "hub:" + path_or_id
    return of_parts(model_parts(root))


def fingerprint_adapter(path: str) -> str:
    """Fingerprint of a PEFT adapter folder (its tensors are small, so hashed whole)."""
    return of_parts(model_parts(path, sampled=False))


def weights_provenance(model_dir: str, adapter: str | None) -> dict[str, Any]:
    """The weights' identity fields of a role's provenance: fingerprints, their parts, the
    scheme (what `warmgate.identity` compares)."""
    root = Path(model_dir).expanduser()
    return {
        "fingerprint_scheme": SCHEME,
        "model_fingerprint": fingerprint_model(model_dir),
        "model_parts": model_parts(root) if root.is_dir() else {},
        "adapter_fingerprint": fingerprint_adapter(adapter) if adapter else "",
        "adapter_parts": model_parts(adapter, sampled=False) if adapter else {},
    }


def fingerprint_json(obj: object) -> str:
    """A stable hash of JSON-able settings (decoding, persona...)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


# -- scheme 1, for baselines written before scheme 2 --

def _hash_file_whole(h: Any, path: Path, replace: tuple[bytes, bytes] | None = None) -> None:
    if replace is not None:
        h.update(path.read_bytes().replace(*replace))
        return
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)


def _hash_file_sampled(h: Any, path: Path) -> None:
    size = path.stat().st_size
    h.update(f"{path.name}:{size}".encode())
    with path.open("rb") as f:
        if path.suffix == ".safetensors" and size >= 8:
            n = int.from_bytes(f.read(8), "little")
            h.update(f.read(min(n, size - 8)))
        for k in range(_SAMPLES):
            f.seek(max(0, (size - _BLOCK) * k // max(1, _SAMPLES - 1)))
            h.update(f.read(_BLOCK))


def legacy_fingerprint(path: str, whole: bool, transformers_version: str | None = None) -> str:
    """Scheme 1's fingerprint of a folder, with the `transformers_version` string of its JSON
    files set to `transformers_version` (the version that wrote it then), so that a folder
    re-saved by another transformers release, same weights, gives the old value back."""
    root = Path(path).expanduser()
    if not root.is_dir():
        return "hub:" + path
    h = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    for p in files:
        h.update(str(p.relative_to(root)).encode())
        if whole or p.stat().st_size <= 4 * _BLOCK * _SAMPLES:
            replace = None
            if transformers_version and p.suffix == ".json":
                try:
                    now = json.loads(p.read_text(encoding="utf-8")).get("transformers_version")
                except (ValueError, UnicodeDecodeError, AttributeError):
                    now = None
                if isinstance(now, str):
                    replace = (f'"transformers_version": "{now}"'.encode(),
                               f'"transformers_version": "{transformers_version}"'.encode())
            _hash_file_whole(h, p, replace)
        else:
            _hash_file_sampled(h, p)
    return "sha256:" + h.hexdigest()


__all__ = ["SCHEME", "fingerprint_adapter", "fingerprint_json", "fingerprint_model",
           "legacy_fingerprint", "model_parts", "of_parts", "weights_provenance"]
