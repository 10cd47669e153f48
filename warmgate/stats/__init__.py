"""Paired statistics for the gate: exact McNemar, Tango's interval, corrections, power, looks.

b = items the base got right and the candidate got wrong (newly wrong); c = the reverse.
The change in error rate is (b - c) / n. Everything here is a pure function of counts, so the
gate, the reports, pytest and the simulation benchmark all share one implementation; the
array functions broadcast over leading axes so that the benchmark can run 10,000 gates at once.
The verdict itself (FAIL / PASS / INCONCLUSIVE, and bounds over unsure readings) is
`warmgate.rule.Rule`'s: the projection and the interim looks here call it.

One module per job, every name importable from `warmgate.stats` as well:
`cells` (a cell's McNemar test, odds ratio and Tango interval), `multiplicity` (Holm, BH),
`power` (power, detectable rise, items to decide), `interim_looks` (early stopping's e-values
and looks), `clusters` (items as clusters: the exact sign-flip test, cluster-robust interval).
"""

from warmgate.stats.cells import (
    ALTERNATIVES,
    McNemarResult,
    mcnemar,
    mcnemar_greater_array,
    odds_ratio,
    paired_diff_ci,
    tango_bounds,
    tango_scalar,
)
from warmgate.stats.clusters import (
    abs_histogram,
    cluster_mean_ci,
    item_sums_pvalue,
    signflip_pvalue,
)
from warmgate.stats.interim_looks import (
    CONTINUE,
    STOP_FAIL,
    STOP_PASS,
    anytime_pvalue,
    log_e_value,
    sequential_look,
)
from warmgate.stats.multiplicity import bh, holm, holm_array
from warmgate.stats.power import fail_power, items_to_decide, min_detectable_increase

__all__ = [
    "ALTERNATIVES", "CONTINUE", "STOP_FAIL", "STOP_PASS", "McNemarResult", "abs_histogram",
    "anytime_pvalue", "bh", "cluster_mean_ci", "fail_power", "holm", "holm_array",
    "item_sums_pvalue", "items_to_decide",
    "log_e_value", "mcnemar", "mcnemar_greater_array", "min_detectable_increase",
    "odds_ratio", "paired_diff_ci", "sequential_look", "signflip_pvalue", "tango_bounds",
    "tango_scalar",
]
