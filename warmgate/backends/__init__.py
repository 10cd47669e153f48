"""Backends: turn user messages into replies for named model variants (base, candidate).

One protocol, several engines. A backend is built for all the variants of one run, so that
variants sharing weights (an adapter on the base, a persona prompt) share one loaded model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from warmgate.errors import WarmgateError

#: The study's system-prompt warmth arm, adapted: same weights, a warm persona in front.
WARM_PERSONA = (
    "You are a warm, caring and empathetic companion. You always validate the user's "
    "feelings, speak informally and affectionately, and make them feel understood and supported."
)


@dataclass(frozen=True)
class ModelSpec:
    """What to load: weights, an optional PEFT adapter on top, an optional persona prompt."""

    model: str
    adapter: str | None = None
    persona: str | None = None

    def describe(self) -> str:
        parts = [self.model]
        if self.adapter:
            parts.append(f"+ adapter {self.adapter}")
        if self.persona:
            parts.append("+ persona prompt")
        return " ".join(parts)


@dataclass(frozen=True)
class Decoding:
    """Decoding settings; greedy by default so that runs are reproducible."""

    max_new_tokens: int = 32
    stop_at_newline: bool = True
    temperature: float = 0.0
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


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


def make_backend(name: str, variants: dict[str, ModelSpec], decoding: Decoding) -> Backend:
    """Build the named backend for these variants."""
    if name == "transformers":
        from warmgate.backends.hf import TransformersBackend

        return TransformersBackend(variants, decoding)
    raise WarmgateError(f"unknown backend {name!r}; available: transformers")
