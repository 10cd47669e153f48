"""The pooled decision per suite and the closed procedure it shares with the cells.

The clustered sign-flip test's size under the null and its power on a small degradation
everywhere, by small simulations (its exactness is tests/stats/test_clusters.py's); weighted
Holm against the closed procedure it shortcuts; the whole procedure's family-wise error; the report line.
"""

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest

from tests.test_decide import make_table
from warmgate.config import GateConfig
from warmgate.decide import FAIL, INCONCLUSIVE, decide_run
from warmgate.gate import conclude
from warmgate.pooled import POOLED_SHARE, closed_weights
from warmgate.report.files import summary
from warmgate.run import rule_of
from warmgate.stats import abs_histogram, holm_array, mcnemar, mcnemar_greater_array, signflip_pvalue

R, W = "CORRECT", "INCORRECT"
CONTEXTS = ("unmodified", "emotion:sad", "emotion:happy", "relation:close", "stake:high")


def _null_suites(rng, runs, items, framings, rho, p_disc=0.3):
    """Item sums D_i under exchangeable base and candidate: an item's framings share its
    discordance (probability rho of copying the item's first draw), signs fair per item."""
    shared = rng.random((runs, items, 1)) < p_disc
    own = rng.random((runs, items, framings)) < p_disc
    disc = np.where(rng.random((runs, items, framings)) < rho, shared, own)
    sign = np.where(rng.random((runs, items, 1)) < 0.5, 1, -1)  # a shared item effect
    flip = np.where(rng.random((runs, items, framings)) < rho, sign,
                    np.where(rng.random((runs, items, framings)) < 0.5, 1, -1))
    return (disc * flip), disc


@pytest.mark.parametrize("rho", [0.0, 0.7])
def test_pooled_test_keeps_its_size_under_the_null(rho):
    rng = np.random.default_rng(1)
    d, _ = _null_suites(rng, 4000, 40, 6, rho)
    sums = d.sum(axis=2)
    p = signflip_pvalue(abs_histogram(sums, 6), sums.sum(axis=1))
    for level in (0.05, 0.01):
        rate = float(np.mean(p <= level))
        assert rate <= level + 2.6 * np.sqrt(level * (1 - level) / 4000), (level, rate)
    assert float(np.mean(p <= 0.05)) > 0.03  # exact, not wildly conservative


def test_pooled_test_finds_a_small_degradation_everywhere():
    # +4 pp in each of 9 framings (12 % newly wrong, 8 % newly right), 100 items: no single
    # cell is significant, the suite is (power about 0.8 at z = 4 / 1.45 pp)
    rng = np.random.default_rng(2)
    runs, items, framings = 1000, 100, 9
    u = rng.random((runs, items, framings))
    d = np.where(u < 0.12, 1, np.where(u < 0.20, -1, 0))
    sums = d.sum(axis=2)
    p_pool = signflip_pvalue(abs_histogram(sums, framings), sums.sum(axis=1))
    b, c = (d == 1).sum(axis=1), (d == -1).sum(axis=1)
    p_cell = mcnemar_greater_array(b, c)
    assert float(np.mean(p_pool < 0.05 * POOLED_SHARE)) > 0.7
    assert float(np.mean((p_cell < 0.05 * (1 - POOLED_SHARE) / framings).any(axis=1))) < 0.35


def _closed_rejections(p, w, alpha):
    """Brute-force closed testing with weighted Bonferroni local tests (the definition)."""
    m = len(p)
    rejected = []
    for i in range(m):
        ok = True
        for r in range(1, m + 1):
            for subset in itertools.combinations(range(m), r):
                if i not in subset:
                    continue
                ws = w[list(subset)] / w[list(subset)].sum()
                if not any(p[j] <= alpha * ws[k] for k, j in enumerate(subset)):
                    ok = False
        rejected.append(ok)
    return np.array(rejected)


@pytest.mark.parametrize("seed", range(6))
def test_weighted_holm_is_the_closed_procedure(seed):
    rng = np.random.default_rng(seed)
    pooled, cell = closed_weights([3, 2])
    w = np.array([pooled[0], pooled[1]] + [cell[0]] * 3 + [cell[1]] * 2)
    p = rng.random(w.size) ** 4 * 0.2
    adjusted = holm_array(p, w)
    assert np.all(adjusted >= p - 1e-15)
    assert list(adjusted <= 0.05) == list(_closed_rejections(p, w, 0.05))
    assert np.allclose(holm_array(p), holm_array(p, np.ones(w.size)))


def test_weights_give_each_suite_its_share_and_pooled_its_part():
    pooled, cell = closed_weights([4, 4, 1])
    assert pooled.sum() + (cell * [4, 4, 1]).sum() == pytest.approx(1.0)
    assert pooled[2] == 0 and pooled[0] == pytest.approx(POOLED_SHARE * 4 / 9)


def test_whole_procedure_keeps_family_wise_error_under_the_null():
    """Cells and pooled tests together, at threshold 0 (the sharpest case), 2 suites x 5 cells."""
    rng = np.random.default_rng(3)
    runs, items, suites, framings, alpha = 3000, 60, 2, 5, 0.05
    pooled_w, cell_w = closed_weights([framings] * suites)
    w = np.concatenate([pooled_w, np.repeat(cell_w, framings)])
    p_all, est, cells_p, cells_est = [], [], [], []
    for _ in range(suites):  # the pooled test and the cells from the same items
        d, _ = _null_suites(rng, runs, items, framings, 0.5)
        sums = d.sum(axis=2)
        p_all.append(signflip_pvalue(abs_histogram(sums, framings), sums.sum(axis=1)))
        est.append(sums.sum(axis=1))
        b, c = (d == 1).sum(axis=1), (d == -1).sum(axis=1)
        cells_p.append(mcnemar_greater_array(b, c))
        cells_est.append(b - c)
    p = np.column_stack(p_all + [np.concatenate(cells_p, axis=1)])
    e = np.column_stack(est + [np.concatenate(cells_est, axis=1)])
    fails = (holm_array(p, w) < alpha) & (e > 0)
    rate = float(np.mean(fails.any(axis=1)))
    assert rate <= alpha + 2.6 * np.sqrt(alpha * (1 - alpha) / runs)
    # a cell FAILs only on a raw p below alpha: never beyond what the cell alone allows
    assert np.all(p[fails] < alpha)


def _everywhere(n=100, worse=7, better=1, shift=10):
    """Every context: `worse` newly wrong and `better` newly right in n items, on different
    items per context (rotated by `shift`; 0: the same items everywhere)."""
    rows = [(R, W)] * worse + [(W, R)] * better + [(R, R)] * (n - worse - better)
    return {("toy", ctx, "original"): rows[-i * shift:] + rows[:-i * shift] if i else rows
            for i, ctx in enumerate(CONTEXTS)}


def test_decide_run_fails_the_pooled_decision_where_no_cell_fails():
    cfg = GateConfig(suites=("toy",), contexts=CONTEXTS, beliefs=("original",), threshold=5.0)
    table = make_table(_everywhere())
    cells, (pooled,) = decide_run(rule_of(cfg), cfg.cells(), table)
    assert all(c.verdict == INCONCLUSIVE for c in cells)
    assert pooled.verdict == FAIL and pooled.framings == 5 and pooled.items == 100
    assert pooled.b == 35 and pooled.c == 5 and pooled.delta == pytest.approx(0.06)
    assert pooled.ci_low < 0.06 < pooled.ci_high and pooled.p_adjusted < 0.05
    assert re.fullmatch(r"toy, all framings: \+6\.0 pp \[\+\d\.\d, \+\d\.\d\], FAIL",
                        pooled.line())


def test_items_are_the_clusters():
    # the same 8 items flip in every framing: 8 independent pieces of evidence, not 40
    cfg = GateConfig(suites=("toy",), contexts=CONTEXTS, beliefs=("original",), threshold=5.0)
    _, (pooled,) = decide_run(rule_of(cfg), cfg.cells(), make_table(_everywhere(shift=0)))
    assert pooled.verdict == INCONCLUSIVE and pooled.b == 35
    assert pooled.pvalue == pytest.approx(mcnemar(7, 1, "greater").pvalue)


def test_summary_json_carries_the_pooled_line_and_the_run_fails():
    cfg = GateConfig(suites=("toy",), contexts=CONTEXTS, beliefs=("original",), threshold=5.0)
    result = conclude(cfg, make_table(_everywhere()))
    assert not result.failed and result.verdict == FAIL and result.exit_code() == 1
    assert "toy failed over all framings" in result.headline()
    data = json.loads(json.dumps(summary(result), default=str))
    assert data["verdict"] == FAIL
    (line,) = data["pooled"]
    assert line["line"].startswith("toy, all framings: +6.0 pp [") and line["verdict"] == FAIL


def test_one_cell_suites_have_no_pooled_decision_and_cells_keep_full_weight():
    cfg = GateConfig(suites=("toy",), contexts=("unmodified",), beliefs=("original",))
    table = make_table({("toy", "unmodified", "original"): [(R, W)] * 12 + [(R, R)] * 88})
    (cell,), pooled = decide_run(rule_of(cfg), cfg.cells(), table)
    assert pooled == [] and cell.verdict == FAIL
    assert cell.p_adjusted == pytest.approx(cell.pvalue)


def test_identical_models_pass_the_pooled_decision():
    cfg = GateConfig(suites=("toy",), contexts=CONTEXTS, beliefs=("original",), threshold=5.0)
    table = make_table({k: [(R, R)] * 150 + [(W, W)] * 50 for k in _everywhere()})
    _, (pooled,) = decide_run(rule_of(cfg), cfg.cells(), table)
    assert pooled.verdict == "PASS" and pooled.pvalue == 1.0 and pooled.delta == 0.0
    assert isinstance(pd.Series(pooled.to_dict()).to_json(), str)
