"""Backends: turn user messages into replies for named model variants (base, candidate).

One protocol, several engines. A backend is built for all the variants of one run, so that
variants sharing weights (an adapter on the base, a persona prompt) share one loaded model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from warmgate.backends.spec import Decoding, ModelSpec
from warmgate.errors import WarmgateError
from warmgate.secrets import check_options

__all__ = ["BACKENDS", "Backend", "Decoding", "ModelSpec", "Progress",
           "make_backend", "parse_options"]

Progress = Callable[[int], None]


class Backend(Protocol):
    """Generates replies; `variants` maps a role name ("base", "candidate") to its ModelSpec."""

    name: str

    def generate(
        self, role: str, messages: Sequence[str], progress: Progress | None = None
    ) -> list[str]:
        """One reply per message, in the order given."""
        ...

    def provenance(self, role: str) -> dict:
        """What made this role's replies: fingerprints, backend version, dtype, device."""
        ...


#: Built-in engines: name -> "module:class". Each class is built as cls(variants, decoding, **options).
BACKENDS: dict[str, str] = {
    "transformers": "warmgate.backends.hf:TransformersBackend",
    "openai": "warmgate.backends.openai_http:OpenAIBackend",
    "vllm": "warmgate.backends.vllm:VLLMBackend",
    "ray": "warmgate.backends.ray:RayBackend",
}

def parse_options(cls: type, options: dict, backend: str, casts: dict[str, Callable],
                  hint: str = "") -> Any:
    """A backend's options dataclass from its `backend_options` table: an unknown key or a
    value of the wrong type is an error naming the key and what it should be."""
    fields = cls.__dataclass_fields__
    unknown = sorted(set(options) - set(fields))
    if unknown:
        raise WarmgateError(f"backend_options: unknown option(s) {', '.join(unknown)} for the "
                            f"{backend} backend; known: {', '.join(fields)}{hint}")
    kw = {}
    for key, value in options.items():
        try:
            kw[key] = casts[key](value)
        except (TypeError, ValueError):
            raise WarmgateError(f"backend_options.{key} must be {casts[key].__name__}, "
                                f"got {value!r}") from None
    return cls(**kw)


def make_backend(
    name: str,
    variants: dict[str, ModelSpec],
    decoding: Decoding,
    options: dict[str, Any] | None = None,
) -> Backend:
    """Build the named backend for these variants; `options` is the config's backend_options."""
    import importlib

    options = check_options(options, "backend_options")
    # "package.module:factory" names a user's own backend (in-house engines, test doubles).
    target = BACKENDS.get(name) or (name if name.count(":") == 1 else None)
    if target is None:
        raise WarmgateError(f"unknown backend {name!r}; available: {', '.join(BACKENDS)}, "
                            "or 'package.module:factory'")
    module, cls_name = target.split(":")
    try:
        cls = getattr(importlib.import_module(module), cls_name)
    except (ImportError, AttributeError) as e:
        if name in BACKENDS:
            raise
        raise WarmgateError(f"backend {name!r}: cannot load {cls_name!r} from {module!r} ({e})"
                            ) from None
    try:
        return cls(variants, decoding, **options)
    except TypeError as e:
        if "unexpected keyword" not in str(e):
            raise
        raise WarmgateError(f"backend {name!r} does not take option(s) {sorted(options)}: {e}; "
                            "see the README section on backends") from None
