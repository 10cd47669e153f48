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
- The whole procedure (`--procedure-only` runs just this): each suite's items asked in all 18
  framings, item-level outcomes drawn jointly, decided by the closed procedure of the gate
  (`warmgate.pooled.closed_adjusted`: the 72 cells and the 4 suites' pooled tests, weighted Holm).
  Item i in framing j: x_ij = sqrt(rho) z_i + sqrt(1 - rho) e_ij (standard normals); newly wrong
  when x_ij < q(p_b), newly right when x_ij > q(1 - p_c). rho = 0: framings independent; rho = 1:
  one shared item effect. Null: p_b = p_c = psi / 2 per cell, psi uniform on 4-36 % as above
  (base and candidate exchangeable per item); power: +3 pp in every framing of one suite.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy.stats import beta as beta_dist
from scipy.stats import norm

from warmgate.pooled import abs_histogram, closed_adjusted, signflip_pvalue
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


def item_outcomes(rng, runs: int, items: int, p_b: np.ndarray, p_c: np.ndarray, rho: float):
    """d (runs, items, framings) in {-1, 0, 1}: the Gaussian-copula model of the docstring."""
    x = np.sqrt(rho) * rng.standard_normal((runs, items, 1)) + np.sqrt(1 - rho) * \
        rng.standard_normal((runs, items, p_b.shape[-1]))
    lo, hi = norm.ppf(p_b)[:, None, :], norm.isf(p_c)[:, None, :]
    return np.where(x < lo, 1, np.where(x > hi, -1, 0)).astype(np.int64)


def whole_procedure(rng, runs: int, sizes: list[int], psi_or_rates, rho: float, alpha: float,
                    chunk: int = 250) -> dict[str, np.ndarray]:
    """Per run and threshold (0, 5 pp): FAIL anywhere, with pooling (closed procedure) and
    cells only (Holm). psi_or_rates(rng, k, suite) -> (p_b, p_c) of shape (k, 18)."""
    out: dict[str, list] = {f"{kind} {thr:g}": [] for kind in ("pooled", "cells")
                            for thr in (0.0, 5.0)}
    per_suite = [CELLS_PER_SUITE] * len(sizes)
    suite_of_cell = np.repeat(np.arange(len(sizes)), CELLS_PER_SUITE)
    for start in range(0, runs, chunk):
        k = min(chunk, runs - start)
        pc, ec, pp, ep = [], [], [], []
        for s, items in enumerate(sizes):
            p_b, p_c = psi_or_rates(rng, k, s)
            d = item_outcomes(rng, k, items, p_b, p_c, rho)
            b, c = (d == 1).sum(1), (d == -1).sum(1)
            pc.append(mcnemar_greater_array(b, c))
            ec.append((b - c) / items * 100)
            sums = d.sum(2)
            pp.append(signflip_pvalue(abs_histogram(sums, CELLS_PER_SUITE), sums.sum(1)))
            ep.append(sums.sum(1) / (items * CELLS_PER_SUITE) * 100)
        pc, ec = np.concatenate(pc, 1), np.concatenate(ec, 1)
        pp, ep = np.stack(pp, 1), np.stack(ep, 1)
        adj_pool, adj_cells = closed_adjusted(pp, pc, per_suite, suite_of_cell)
        holm = holm_array(pc)
        for thr in (0.0, 5.0):
            out[f"pooled {thr:g}"].append(((adj_pool < alpha) & (ep > thr)).any(1)
                                          | ((adj_cells < alpha) & (ec > thr)).any(1))
            out[f"cells {thr:g}"].append(((holm < alpha) & (ec > thr)).any(1))
    return {key: np.concatenate(v) for key, v in out.items()}


def procedure_tables(rng, runs: int, alpha: float, sizes: list[int]) -> None:
    """The whole procedure's false alarms under the null, and its power on +3 pp everywhere."""
    def null(rng, k, s):
        psi = rng.uniform(0.04, 0.36, size=(k, CELLS_PER_SUITE))
        return psi / 2, psi / 2

    print("\n## False alarms of the whole procedure (72 cells + 4 pooled tests, closed "
          "procedure), identical candidate and base\n")
    print("| rho (shared item effect) | threshold | runs with a FAIL anywhere | rate | "
          "95 % upper bound | cells only (Holm): rate |")
    print("|---|---|---|---|---|---|")
    for rho in (0.0, 0.5, 1.0):
        res = whole_procedure(rng, runs, sizes, null, rho, alpha)
        for thr in (0.0, 5.0):
            k = int(res[f"pooled {thr:g}"].sum())
            print(f"| {rho:g} | {thr:g} pp | {k} | {k / runs:.4f} | "
                  f"{clopper_upper(k, runs):.4f} | {res[f'cells {thr:g}'].mean():.4f} |",
                  flush=True)

    def everywhere(rng, k, s):  # suite 0: +3 pp in all 18 framings; the others null
        p_b, p_c = np.full((k, CELLS_PER_SUITE), 0.10), np.full((k, CELLS_PER_SUITE), 0.10)
        return (p_b + 0.03, p_c) if s == 0 else (p_b, p_c)

    power_runs = max(runs // 5, 200)
    print(f"\n## Power on +3 pp in every framing of one suite (13 % newly wrong, 10 % newly "
          f"right; {power_runs} runs; threshold 0 pp)\n")
    print("| rho | items per cell | P(FAIL), with pooling | P(FAIL), cells only |")
    print("|---|---|---|---|")
    for rho in (0.0, 0.5, 1.0):
        for items in (100, 250):
            res = whole_procedure(rng, power_runs, [items] * len(sizes), everywhere, rho, alpha)
            print(f"| {rho:g} | {items} | {res['pooled 0'].mean():.3f} | "
                  f"{res['cells 0'].mean():.3f} |", flush=True)


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
    ap.add_argument("--procedure-only", action="store_true",
                    help="only the whole procedure's tables (pooled + cells)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    runs, alpha = args.runs, args.alpha
    started = time.perf_counter()

    sizes = suite_sizes()
    if args.procedure_only:
        print(f"# whole procedure: {runs} runs, alpha {alpha}, seed {args.seed}")
        procedure_tables(rng, runs, alpha, [int(x) for x in sizes[::CELLS_PER_SUITE]])
        print(f"\n(simulated in {time.perf_counter() - started:.0f} s)")
        return
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
    procedure_tables(rng, runs, alpha, [int(x) for x in sizes[::CELLS_PER_SUITE]])
    print(f"\n(simulated in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
