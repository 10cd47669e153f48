"""Fault injection for the test server: 500s, dropped connections and 429s at given rates."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Random misbehaviour for testing clients; the counts say what actually happened."""

    fail_rate: float = 0.0
    drop_rate: float = 0.0
    busy_rate: float = 0.0
    seed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {
        "requests": 0, "ok": 0, "500": 0, "dropped": 0, "429": 0})

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def configure(self, fail_rate: float, drop_rate: float, busy_rate: float, seed: int) -> None:
        """Change the rates at run time (`POST /faults`, with --fault-control) and reset counts."""
        with self._lock:
            self.fail_rate, self.drop_rate, self.busy_rate = fail_rate, drop_rate, busy_rate
            self._rng = random.Random(seed)
            for k in self.counts:
                self.counts[k] = 0

    def draw(self) -> str:
        """'500', 'drop-before', 'drop-after', '429' or 'ok' for the next request."""
        with self._lock:
            self.counts["requests"] += 1
            x = self._rng.random()
            if x < self.fail_rate:
                return "500"
            x -= self.fail_rate
            if x < self.drop_rate:
                return "drop-before" if self._rng.random() < 0.5 else "drop-after"
            x -= self.drop_rate
            if x < self.busy_rate:
                return "429"
            return "ok"

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1
