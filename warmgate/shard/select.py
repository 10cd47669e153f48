"""Choosing a shard: a deterministic slice of the run's jobs, every n-th item (all its
framings, both roles) or every n-th cell, as a CI matrix names it (`--warmgate-shard 2/4`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from warmgate.errors import WarmgateError

SPLITS = ("items", "cells")


@dataclasses.dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`, splitting by items or by cells."""

    index: int
    count: int
    by: str = "items"

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, jobs: Sequence[Any]) -> list[Any]:
        """This shard's jobs: round-robin over items (or cells) in the plan's stable order."""
        if self.by == "items":
            keys = [(j.suite, j.item.id) for j in jobs]
        else:
            keys = [(j.suite, j.context, j.belief) for j in jobs]
        order: dict[tuple, int] = {}
        for k in keys:
            order.setdefault(k, len(order))
        return [j for j, k in zip(jobs, keys, strict=True)
                if order[k] % self.count == self.index - 1]


def parse_shard(text: str, by: str = "items", where: str = "--warmgate-shard") -> Shard:
    """Parse `i/n` (1 <= i <= n), as a CI matrix writes it: `--warmgate-shard 2/4`."""
    try:
        i, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise WarmgateError(f"{where}: expected I/N such as 2/4, got {text!r}") from None
    if not 1 <= i <= n:
        raise WarmgateError(f"{where}: shard {i}/{n} out of range; I runs from 1 to N")
    if by not in SPLITS:
        raise WarmgateError(f"{where}: split by {by!r}; expected one of {', '.join(SPLITS)}")
    return Shard(i, n, by)
