"""A decision's figures as JUnit properties, the same from pytest and `warmgate merge`: counts,
then every change in percentage points (the unit of `threshold_pp`), then p-values and verdict."""

from __future__ import annotations

from typing import Any

#: Figures in percentage points, named with `_pp` like the threshold they are compared with.
_PP = ("delta", "ci_low", "ci_high")
_COUNTS = {"cell": ("n", "b", "c"), "pooled": ("framings", "items", "units", "b", "c")}


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (xdist sends properties to the controller)."""
    return value.item() if hasattr(value, "item") else value


def properties(decision: Any) -> list[tuple[str, Any]]:
    """(name, value) pairs for a Cell or a Pooled decision."""
    kind = "pooled" if hasattr(decision, "framings") else "cell"
    out = [(k, _plain(getattr(decision, k))) for k in _COUNTS[kind]]
    out += [(f"{k}_pp", round(100 * float(getattr(decision, k)), 4)) for k in _PP]
    out += [(k, _plain(getattr(decision, k))) for k in ("threshold_pp", "pvalue", "p_adjusted",
                                                         "verdict")]
    return out
