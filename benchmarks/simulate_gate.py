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
- The whole procedure with unsure readings (`--unsure-only` runs just this): the same design,
  each reply now right or wrong (error rate per cell uniform on 15-45 %, discordance as above,
  base and candidate exchangeable), and each reply unsure with probability u_base / u_cand,
  read INCORRECT (the rules' hedge reading). Decided by `warmgate.rule.Rule` under
  `unsure = "incorrect"` (the reading as it stands) and `"bound"` (FAIL only under the reading
  favourable to the candidate, PASS only under the unfavourable one). u = 34 % is the unsure
  share the rules had on real replies of the study's 70B and 32B models; u_cand > u_base is a
  candidate whose replies are harder to read, the case where counting unsure as INCORRECT
  raises false alarms.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy.stats import beta as beta_dist
from scipy.stats import norm

from warmgate.pooled import closed_adjusted
from warmgate.rule import FAILED, PASSED, Evidence, Rule
from warmgate.stats import (
    CONTINUE,
    STOP_FAIL,
    abs_histogram,
    holm_array,
    mcnemar_greater_array,
    sequential_look,
    signflip_pvalue,
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


def cell_evidence(b, c, n, alpha: float, adjusted=None) -> Evidence:
    """The rule's evidence per cell: Holm on one-sided exact McNemar p-values (or `adjusted`),
    the estimate and the one-sided (1 - alpha) Tango upper bound."""
    if adjusted is None:
        adjusted = holm_array(mcnemar_greater_array(b, c))
    _, upper = tango_bounds(b, c, n, float(norm.ppf(1 - alpha)))
    return Evidence(adjusted < alpha, (b - c) / n * 100, upper * 100, n)


def fixed_verdicts(b, c, n, threshold_pp: float, alpha: float) -> np.ndarray:
    """FAIL mask per cell, by the gate's rule (`warmgate.rule.Rule`), cells-only Holm."""
    return Rule().codes(cell_evidence(b, c, n, alpha), threshold_pp) == FAILED


def fixed_pass(b, c, n, threshold_pp: float, alpha: float) -> np.ndarray:
    """PASS mask per cell: one-sided (1 - alpha) Tango upper bound below the threshold."""
    return Rule().codes(cell_evidence(b, c, n, alpha), threshold_pp) == PASSED


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


def reply_outcomes(rng, runs: int, items: int, rho: float, u_base: float, u_cand: float):
    """Per reply (runs, items, 18): base wrong, candidate wrong, and unsure masks, under the
    null (p_b = p_c); categories cut from the copula's x in the order b, both wrong, both
    right, c, so an item's flips are correlated across framings as in `item_outcomes`."""
    k = CELLS_PER_SUITE
    e = rng.uniform(0.15, 0.45, size=(runs, 1, k))
    psi = np.minimum(rng.uniform(0.04, 0.36, size=(runs, 1, k)), 2 * np.minimum(e, 1 - e))
    x = norm.cdf(np.sqrt(rho) * rng.standard_normal((runs, items, 1))
                 + np.sqrt(1 - rho) * rng.standard_normal((runs, items, k)))
    cut_b, cut_00 = psi / 2, e  # b: [0, psi/2), both wrong: [psi/2, e), both right, c: [1 - psi/2, 1)
    newly_wrong, both_wrong, newly_right = x < cut_b, (x >= cut_b) & (x < cut_00), x >= 1 - psi / 2
    base_wrong, cand_wrong = both_wrong | newly_right, both_wrong | newly_wrong
    shape = (runs, items, k)
    return base_wrong, cand_wrong, rng.random(shape) < u_base, rng.random(shape) < u_cand


def _decide_reading(base_wrong, cand_wrong) -> tuple:
    """One reading's cell counts b, c, pooled p-value and pooled sum (runs on axis 0)."""
    d = cand_wrong.astype(np.int64) - base_wrong.astype(np.int64)
    b, c = (d == 1).sum(1), (d == -1).sum(1)
    sums = d.sum(2)
    p_pool = signflip_pvalue(abs_histogram(sums, CELLS_PER_SUITE), sums.sum(1))
    return b, c, p_pool, sums.sum(1)


def unsure_procedure(rng, runs: int, sizes: list[int], rho: float, u_base: float, u_cand: float,
                     alpha: float, chunk: int = 200) -> dict[str, np.ndarray]:
    """Per run and threshold (0, 5 pp): a FAIL anywhere (72 cells + 4 pooled tests, closed
    procedure) under each policy, and the share of cells PASSed."""
    per_suite = [CELLS_PER_SUITE] * len(sizes)
    suite_of_cell = np.repeat(np.arange(len(sizes)), CELLS_PER_SUITE)
    rule = Rule()
    out: dict[str, list] = {}
    for start in range(0, runs, chunk):
        k = min(chunk, runs - start)
        read: dict[str, list] = {r: [] for r in ("as read", "favourable", "unfavourable")}
        for items in sizes:
            bw, cw, ub, uc = reply_outcomes(rng, k, items, rho, u_base, u_cand)
            read["as read"].append(_decide_reading(bw | ub, cw | uc) + (items,))
            read["favourable"].append(_decide_reading(bw | ub, cw & ~uc) + (items,))
            read["unfavourable"].append(_decide_reading(bw & ~ub, cw | uc) + (items,))
        codes = {}
        for r, parts in read.items():
            b = np.concatenate([x[0] for x in parts], 1)
            c = np.concatenate([x[1] for x in parts], 1)
            n = np.concatenate([np.full(x[0].shape, x[4]) for x in parts], 1)
            p_pool = np.stack([x[2] for x in parts], 1)
            est_pool = np.stack([x[3] / (x[4] * CELLS_PER_SUITE) * 100 for x in parts], 1)
            adj_pool, adj_cells = closed_adjusted(p_pool, mcnemar_greater_array(b, c), per_suite,
                                                  suite_of_cell)
            for thr in (0.0, 5.0):
                cells = rule.codes(cell_evidence(b, c, n, alpha, adj_cells), thr)
                pool_fail = (adj_pool < alpha) & (est_pool > thr)
                codes[r, thr] = (cells, pool_fail)
        for thr in (0.0, 5.0):
            old, old_pool = codes["as read", thr]
            fav, fav_pool = codes["favourable", thr]
            unfav, _ = codes["unfavourable", thr]
            bound = Rule.combine(fav, unfav)
            for key, value in ((f"incorrect fail {thr:g}", (old == FAILED).any(1) | old_pool.any(1)),
                               (f"bound fail {thr:g}", (bound == FAILED).any(1) | fav_pool.any(1)),
                               (f"incorrect pass {thr:g}", (old == PASSED).mean(1)),
                               (f"bound pass {thr:g}", (bound == PASSED).mean(1))):
                out.setdefault(key, []).append(value)
    return {key: np.concatenate(v) for key, v in out.items()}


def unsure_tables(rng, runs: int, alpha: float, sizes: list[int]) -> None:
    """False alarms of the whole procedure with unsure readings, per policy."""
    print("\n## False alarms of the whole procedure with unsure readings (72 cells + 4 pooled "
          "tests), identical candidate and base in truth\n")
    print("| u_base | u_cand | rho | threshold | bound: runs with a FAIL | rate | 95 % upper "
          "bound | incorrect: rate | cells PASS, bound | cells PASS, incorrect |")
    print("|---|---|---|---|--:|--:|--:|--:|--:|--:|")
    for u_base, u_cand in ((0.05, 0.05), (0.34, 0.34), (0.20, 0.40)):
        for rho in (0.0, 1.0):
            res = unsure_procedure(rng, runs, sizes, rho, u_base, u_cand, alpha)
            for thr in (0.0, 5.0):
                k = int(res[f"bound fail {thr:g}"].sum())
                print(f"| {u_base:.0%} | {u_cand:.0%} | {rho:g} | {thr:g} pp | {k} | "
                      f"{k / runs:.4f} | {clopper_upper(k, runs):.4f} | "
                      f"{res[f'incorrect fail {thr:g}'].mean():.4f} | "
                      f"{res[f'bound pass {thr:g}'].mean():.1%} | "
                      f"{res[f'incorrect pass {thr:g}'].mean():.1%} |", flush=True)


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
    ap.add_argument("--unsure-only", action="store_true",
                    help="only the whole procedure with unsure readings, per unsure policy")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    runs, alpha = args.runs, args.alpha
    started = time.perf_counter()

    sizes = suite_sizes()
    if args.unsure_only:
        print(f"# whole procedure with unsure readings: {runs} runs, alpha {alpha}, seed {args.seed}")
        unsure_tables(rng, runs, alpha, [int(x) for x in sizes[::CELLS_PER_SUITE]])
        print(f"\n(simulated in {time.perf_counter() - started:.0f} s)")
        return
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
