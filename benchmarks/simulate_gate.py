"""Simulate the gate's decision many times: false alarms, power, and early stopping's savings.

Usage: python benchmarks/simulate_gate.py [--runs 10000] [--seed 0] [--alpha 0.05]

A full default run is 4 suites x 9 contexts x 2 beliefs = 72 cells. Each simulated run draws,
for every cell, the paired outcomes of base and candidate and applies the gate's own decision
code (warmgate.stats: exact one-sided McNemar, Holm across the 72 cells, estimate above the
threshold; Tango bounds and anytime-valid p-values for early stopping), vectorised over runs.

- False alarms: candidate and base identical in distribution. Each cell gets a discordance
  (share of items answered differently by the two models, from sampling noise alone) drawn
  uniformly from 4 % to 36 %, the 5th to 95th percentile of the discordance recovered from the
  study's published warm fine-tune results; cell sizes are the shipped suites' item counts.
- Power: one cell's error rate rises by +5 or +10 pp (newly-wrong rate = 10 % + increase,
  newly-right rate = 10 %: the study's median discordance of about 20 %), the other 71 cells
  are null; every cell has 100, 250 or 500 items.
- Early stopping: looks after every 50 items per cell (FAIL: exact McNemar with alpha spent
  evenly over the planned looks, Holm across cells; PASS: Tango bound at alpha / looks);
  reports the mean items used per cell.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy.stats import beta as beta_dist
from scipy.stats import norm

from warmgate.stats import (
    CONTINUE,
    STOP_FAIL,
    holm_array,
    mcnemar_greater_array,
    sequential_look,
    tango_bounds,
)

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("factual", "misconceptions", "disinformation", "medical")
CELLS_PER_SUITE = 9 * 2
BATCH = 50


def suite_sizes() -> np.ndarray:
    """Items per cell in a default run: each shipped suite's item count, once per framing."""
    sizes = []
    for name in SUITES:
        path = ROOT / "suites" / f"{name}.jsonl"
        sizes.append(sum(1 for line in path.read_text().splitlines() if line.strip()))
    return np.repeat(np.array(sizes), CELLS_PER_SUITE)


def draw(rng: np.random.Generator, n: np.ndarray, p_b: np.ndarray, p_c: np.ndarray):
    """Counts of newly wrong (b) and newly right (c) among n paired items."""
    d = rng.binomial(n, p_b + p_c)
    b = rng.binomial(d, np.where(p_b + p_c > 0, p_b / np.maximum(p_b + p_c, 1e-300), 0.5))
    return b, d - b


def fixed_verdicts(b, c, n, threshold_pp: float, alpha: float) -> np.ndarray:
    """FAIL mask per cell, exactly as gate.decide: Holm on one-sided exact McNemar p-values."""
    adjusted = holm_array(mcnemar_greater_array(b, c))
    return (adjusted < alpha) & ((b - c) / n * 100 > threshold_pp)


def fixed_pass(b, c, n, threshold_pp: float, alpha: float) -> np.ndarray:
    """PASS mask per cell: one-sided (1 - alpha) Tango upper bound below the threshold."""
    _, upper = tango_bounds(b, c, n, float(norm.ppf(1 - alpha)))
    return upper * 100 < threshold_pp


def sequential(rng, runs, n_max: np.ndarray, p_b, p_c, threshold_pp: float, alpha: float):
    """Batches of BATCH items per cell; returns (state, items used) per run and cell."""
    m = n_max.size
    looks = int(np.ceil(n_max.max() / BATCH))
    b = np.zeros((runs, m), dtype=np.int64)
    c = np.zeros_like(b)
    n = np.zeros_like(b)
    p_run = np.ones((runs, m))
    state = np.full((runs, m), CONTINUE)
    thresholds = np.full((runs, m), threshold_pp)
    for _ in range(looks):
        live = state == CONTINUE
        step = np.minimum(BATCH, np.maximum(n_max - n, 0)) * live
        db, dc = draw(rng, step, p_b, p_c)
        b, c, n = b + db, c + dc, n + step
        p_run, state = sequential_look(b, c, n, p_run, state, thresholds, alpha, looks)
        if not (state == CONTINUE).any():
            break
    return state, n


def clopper_upper(k: int, total: int, conf: float = 0.95) -> float:
    """One-sided upper Clopper-Pearson bound on a simulated rate."""
    return 1.0 if k == total else float(beta_dist.ppf(conf, k + 1, total - k))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--power-items", default="100,250,500",
                    help="items per cell of the power rows (comma-separated)")
    ap.add_argument("--no-false-alarms", action="store_true",
                    help="skip the false-alarm table (to rerun some power rows alone)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    runs, alpha = args.runs, args.alpha
    started = time.perf_counter()

    sizes = suite_sizes()
    m = sizes.size
    print(f"# gate simulation: {runs} runs, {m} cells ({', '.join(SUITES)} with "
          f"{', '.join(str(s) for s in sizes[::CELLS_PER_SUITE])} items; 9 contexts x 2 "
          f"beliefs), alpha {alpha}, seed {args.seed}\n")

    print("## False alarms (identical candidate and base, discordance 4-36 % per cell)\n")
    if args.no_false_alarms:
        print("(skipped: --no-false-alarms)")
    print("| threshold | mode | runs with a FAIL anywhere | rate | 95 % upper bound | "
          "cells PASS | mean items per cell (of " f"{sizes.mean():.0f}) |")
    print("|---|---|---|---|---|---|---|")
    for thr in () if args.no_false_alarms else (0.0, 5.0):
        psi = rng.uniform(0.04, 0.36, size=(runs, m))
        n = np.broadcast_to(sizes, (runs, m))
        b, c = draw(rng, n, psi / 2, psi / 2)
        fails = fixed_verdicts(b, c, n, thr, alpha)
        passes = fixed_pass(b, c, n, thr, alpha) & ~fails
        k = int(fails.any(axis=1).sum())
        print(f"| {thr:g} pp | fixed n | {k} | {k / runs:.4f} | {clopper_upper(k, runs):.4f} | "
              f"{passes.mean():.1%} | {sizes.mean():.0f} |")
        state, used = sequential(rng, runs, sizes, psi / 2, psi / 2, thr, alpha)
        k = int((state == STOP_FAIL).any(axis=1).sum())
        print(f"| {thr:g} pp | early stopping | {k} | {k / runs:.4f} | "
              f"{clopper_upper(k, runs):.4f} | {(state == 2).mean():.1%} | {used.mean():.1f} |")

    print("\n## Power to FAIL one regressed cell (others null; 10 % flips each way)\n")
    print("| items per cell | increase | threshold | power, fixed n | power, early stopping | "
          "items used by that cell | mean items per cell |")
    print("|---|---|---|---|---|---|---|")
    for n_items in (int(x) for x in args.power_items.split(",")):
        n_max = np.full(m, n_items)
        for inc in (0.05, 0.10):
            p_b = np.full(m, 0.10)
            p_b[0] += inc
            p_c = np.full(m, 0.10)
            for thr in (0.0, 5.0):
                n = np.broadcast_to(n_max, (runs, m))
                b, c = draw(rng, n, p_b, p_c)
                power = fixed_verdicts(b, c, n, thr, alpha)[:, 0].mean()
                state, used = sequential(rng, runs, n_max, p_b, p_c, thr, alpha)
                print(f"| {n_items} | +{inc * 100:.0f} pp | {thr:g} pp | {power:.3f} | "
                      f"{(state[:, 0] == STOP_FAIL).mean():.3f} | {used[:, 0].mean():.0f} | "
                      f"{used.mean():.0f} |")
    print(f"\n(simulated in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
