"""Reply identity: what decides a model's replies, defined once.

Every place that asks "would these replies be the same?" reads this module: the generation
cache's key, matching a stored baseline, the engines of a Ray pool, and merging shards.
- INPUTS decide replies: a difference is an error that names which part differs (tensor data,
  a config key, a tokenizer file, the decoding...).
- RUNTIME are library versions that may move numerics slightly but not what was asked: a
  difference is a warning naming both versions and how to regenerate the base. The cache keys
  on both (a new library regenerates, which is cheap); a baseline matches on INPUTS only
  (re-approving a baseline for a library bump is not).
Every backend's `provenance(role)` emits every field named here (a conformance test checks).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from warmgate.weights_id import SCHEME, legacy_fingerprint

#: Fields whose difference changes replies, with what each one is, for messages.
INPUTS: dict[str, str] = {
    "backend": "the generation backend",
    "model_fingerprint": "the weights",
    "adapter_fingerprint": "the adapter",
    "persona_sha256": "the persona prompt",
    "dtype": "the dtype",
    "device": "the device",
    "decoding": "the decoding settings",
}
#: Library versions: a difference is a warning.
RUNTIME: dict[str, str] = {"backend_version": "backend library version",
                           "torch_version": "torch version"}
#: What a backend's provenance names (the persona as text; its hash is derived here).
EMITTED = ("backend", "backend_version", "torch_version", "model", "model_fingerprint",
           "adapter", "adapter_fingerprint", "persona", "dtype", "device", "decoding",
           "fingerprint_scheme")
_PARTS = {"model_fingerprint": "model_parts", "adapter_fingerprint": "adapter_parts"}
#: A served model's behavioural fingerprint (the openai backend's probe hashes): an INPUT, but
#: compared only when both records have it (older baselines and local backends lack it).
BEHAVIOUR = "served_behaviour"
#: Largest change of a probe token's log-probability (nats) still read as the same model: above
#: a server's run-to-run numeric noise, below what a fine-tune does to 32 greedy tokens (a
#: judgement, measured on the stub server only; a real server's noise was not measured here).
LOGPROB_TOLERANCE = 0.25


def record(prov: dict[str, Any]) -> dict[str, Any]:
    """The identity fields of one role's provenance (as a backend reports it, or as a baseline
    stored it): INPUTS, RUNTIME, the fingerprint scheme, the parts fingerprints were made of."""
    out = {k: prov.get(k, "") for k in (*INPUTS, *RUNTIME)}
    if not prov.get("persona_sha256"):
        out["persona_sha256"] = hashlib.sha256(str(prov.get("persona") or "").encode()).hexdigest()
    # and, not compared, what says where the weights came from (the embedded model's GGUF)
    for k in ("model", "adapter", "fingerprint_scheme", *_PARTS.values(), "model_source",
              BEHAVIOUR):
        if k in prov:
            out[k] = prov[k]
    return out


def variant_key(prov: dict[str, Any]) -> str:
    """The generation cache's hash of a variant: INPUTS and RUNTIME (and a served model's
    behaviour, so that another model served under the same name is not a cache hit)."""
    rec = record(prov)
    fields = {k: rec[k] for k in (*INPUTS, *RUNTIME)}
    if isinstance(rec.get(BEHAVIOUR), dict):  # the replies, not the (noisy) log-probabilities
        fields[BEHAVIOUR] = {k: rec[BEHAVIOUR].get(k) for k in ("scheme", "replies")}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def show(v: Any) -> str:
    """A value for a message: JSON for structures, repr otherwise, cut at 120 characters."""
    s = json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else repr(v)
    return s if len(s) < 120 else s[:117] + "..."


def _which_parts(old: dict | None, new: dict | None) -> str:
    """Name the parts of a fingerprint that differ: tensor data, config keys, tokenizer files."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""
    names = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        if key == "tensors":
            names.append("tensor data (names, shapes, dtypes or values)")
        elif key.startswith("tokenizer:"):
            names.append(f"tokenizer file {key.split(':', 1)[1]}")
        elif key.startswith("weights:"):
            names.append(f"weights file {key.split(':', 1)[1]}")
        else:
            file, _, name = key.partition(":")
            state = "only in the baseline" if key not in new else (
                "new in this run" if key not in old else "changed")
            names.append(f"{file} key {name!r} ({state})")
    return "; differs in " + ", ".join(names[:6]) + (" ..." if len(names) > 6 else "") \
        if names else ""


def _legacy_match(field: str, stored: dict, now: dict) -> bool:
    """A scheme-1 fingerprint (written before tool metadata was set aside) recomputed on this
    run's folder, with the transformers version the baseline recorded written back in."""
    from warmgate.embedded import resolve_model

    path = resolve_model(str(now.get("model", ""))) if field == "model_fingerprint" \
        else str(now.get("adapter", ""))
    if not path:
        return False
    versions = {None}
    if stored.get("backend") == "transformers" and stored.get("backend_version"):
        versions.add(str(stored["backend_version"]))
    whole = field == "adapter_fingerprint"
    try:
        return any(legacy_fingerprint(path, whole, v) == stored.get(field) for v in versions)
    except OSError:
        return False


def _shift(a: Any, b: Any) -> float:
    """The largest difference between two probe log-probability lists (inf when their shapes
    differ or they are not numbers)."""
    try:
        if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b, strict=True)):
            return float("inf")
        return max((abs(float(u) - float(v)) for x, y in zip(a, b, strict=True)
                    for u, v in zip(x, y, strict=True)), default=0.0)
    except (TypeError, ValueError):
        return float("inf")


def _behaviour(a: Any, b: Any, what: str, now_what: str) -> str:
    """Why two served models' probe hashes show different behaviour ("" when they agree, or
    when either record lacks them or they were probed with another probe set)."""
    if not isinstance(a, dict) or not isinstance(b, dict) or a.get("scheme") != b.get("scheme"):
        return ""
    if a.get("replies") != b.get("replies"):
        how = "its greedy replies differ"
    elif a.get("logprobs") and b.get("logprobs") and _shift(a["logprobs"], b["logprobs"]) \
            > LOGPROB_TOLERANCE:
        how = (f"its greedy replies are the same but their log-probabilities moved by up to "
               f"{_shift(a['logprobs'], b['logprobs']):.2f} (tolerance {LOGPROB_TOLERANCE})")
    else:
        return ""
    return (f"{BEHAVIOUR} differs (the served model behaves differently on the fixed probe "
            f"prompts: {how}, so another model or adapter is served under this name and "
            f"address): {what} replies {a.get('replies')}, {now_what} {b.get('replies')}")


def same_behaviour(base: dict[str, Any], candidate: dict[str, Any]) -> bool:
    """Whether a served candidate answered the probes exactly as the served base did (replies,
    and log-probabilities where both have them): a served LoRA that is not applied."""
    a, b = base.get(BEHAVIOUR), candidate.get(BEHAVIOUR)
    return bool(a and b) and not _behaviour(a, b, "", "")


def compare(stored: dict[str, Any], now: dict[str, Any], what: str = "baseline",
            now_what: str = "this run") -> tuple[list[str], list[str]]:
    """Differences between two identity records: (errors on INPUTS, warnings on RUNTIME).

    A record with no `fingerprint_scheme` is scheme 1: its fingerprints are recomputed that
    way on this run's folders, so the same weights still match (with a note)."""
    errors, notes = [], []
    legacy = not stored.get("fingerprint_scheme") and now.get("fingerprint_scheme") == SCHEME
    for field, meaning in INPUTS.items():
        a, b = stored.get(field, ""), now.get(field, "")
        if field == "persona_sha256":
            a, b = record(stored)[field], record(now)[field]
        if a == b:
            continue
        if field in _PARTS and legacy and str(a).startswith("sha256:") \
                and _legacy_match(field, stored, now):
            notes.append(f"{what} fingerprinted {meaning} by scheme 1 (tool metadata included); "
                         "recomputed that way on this run's folder, with the transformers "
                         "version it recorded, they are the same")
            continue
        detail = _which_parts(stored.get(_PARTS.get(field, "")), now.get(_PARTS.get(field, "")))
        errors.append(f"{field} differs ({meaning}{detail}): {what} {show(a)}, "
                      f"{now_what} {show(b)}")
    behaves = _behaviour(stored.get(BEHAVIOUR), now.get(BEHAVIOUR), what, now_what)
    if behaves:
        errors.append(behaves)
    for field, meaning in RUNTIME.items():
        a, b = stored.get(field), now.get(field)
        if a and b and a != b:
            notes.append(f"{what} was made with {meaning} {a}, {now_what} uses {b}; replies may "
                         "differ slightly (to regenerate the base with this version, make a new "
                         "baseline)")
    return errors, notes


__all__ = ["BEHAVIOUR", "EMITTED", "INPUTS", "RUNTIME", "compare", "record", "same_behaviour", "show",
           "variant_key"]
