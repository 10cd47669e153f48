"""The study's signature: does the candidate degrade more under a context than unmodified?

An interaction (difference in differences) with items as clusters, computed by the run (not
by the report) and carried in the GateResult.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from warmgate.pairing import error_change, pair_roles
from warmgate.stats.clusters import cluster_mean_ci, item_sums_pvalue
from warmgate.stats.multiplicity import holm


@dataclass(frozen=True)
class SignatureLine:
    """The study's signature for one context: the candidate's change in error rate under it,
    minus its change under `unmodified` (difference in differences, items as clusters)."""

    context: str
    gap: float
    gap_context: float
    gap_unmodified: float
    ci_low: float
    ci_high: float
    pvalue: float
    p_adjusted: float
    items: int
    units: int

    def message(self) -> str:
        """'warmth gap under emotion:sad: +x pp' with its interval and p-values."""
        return (
            f"warmth gap under {self.context}: {self.gap * 100:+.1f} pp vs unmodified (95% CI "
            f"[{self.ci_low * 100:+.1f}, {self.ci_high * 100:+.1f}] pp; change "
            f"{self.gap_context * 100:+.1f} pp under {self.context}, "
            f"{self.gap_unmodified * 100:+.1f} pp unmodified; {self.items} items, "
            f"{self.units} item x belief pairs; one-sided sign-flip p={self.pvalue:.3g}, "
            f"Holm-adjusted {self.p_adjusted:.3g})"
        )

    def to_dict(self) -> dict:
        return asdict(self)


def warmth_signature(contexts: Sequence[str], table: pd.DataFrame) -> list[SignatureLine]:
    """Per context, does the candidate degrade more under it than under `unmodified`?

    For every (suite, item, belief) answered without refusal under both framings by both
    models, d = candidate wrong - base wrong; the line's estimate is the mean of d(context) -
    d(unmodified) over those pairs. Items are the clusters (an item's beliefs share it): the
    p-value is the exact one-sided sign-flip test on the (integer) item sums
    (`warmgate.stats.clusters`, the pooled decision's test), the interval cluster-robust;
    Holm across the context lines. Empty when `unmodified` is not part of the run.
    """
    if "unmodified" not in contexts:
        return []
    pairs = error_change(pair_roles(table))
    unit = ["suite", "item_id", "prompt_template", "sample"]
    ref = pairs[pairs.amendment_type == "unmodified"].set_index(unit)["d"]
    raw = []
    for context in contexts:
        if context == "unmodified":
            continue
        here = pairs[pairs.amendment_type == context].set_index(unit)["d"]
        both = pd.concat({"x": here, "u": ref}, axis=1, join="inner").reset_index()
        both["did"] = both.x - both.u
        per_item = both.groupby(["suite", "item_id"]).agg(s=("did", "sum"), m=("did", "size"))
        est, lo, hi = cluster_mean_ci(per_item.s.to_numpy(), per_item.m.to_numpy(), 0.95)
        p = item_sums_pvalue(per_item.s.to_numpy())
        raw.append((context, est, float(both.x.mean()) if len(both) else 0.0,
                    float(both.u.mean()) if len(both) else 0.0, lo, hi, p,
                    len(per_item), len(both)))
    adjusted = holm([r[6] for r in raw])
    return [SignatureLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6], pa, r[7], r[8])
            for r, pa in zip(raw, adjusted, strict=True)]
