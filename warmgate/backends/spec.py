"""What a backend loads (`ModelSpec`: weights, adapter, persona) and how it decodes
(`Decoding`): the records every backend takes, and the config schema builds."""

from __future__ import annotations

from dataclasses import asdict, dataclass


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


__all__ = ["Decoding", "ModelSpec"]
