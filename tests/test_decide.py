"""The decision's statistics: edge cases, properties, power, sequential looks, the signature."""

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, norm

from warmgate.config import GateConfig
from warmgate.decide import FAIL, INCONCLUSIVE, PASS, decide
from warmgate.gate import decide_sequential, warmth_signature
from warmgate.run import rule_of
from warmgate.stats import (
    CONTINUE,
    STOP_FAIL,
    STOP_PASS,
    abs_histogram,
    anytime_pvalue,
    bh,
    cluster_mean_ci,
    fail_power,
    holm,
    holm_array,
    item_sums_pvalue,
    items_to_decide,
    log_e_value,
    mcnemar,
    min_detectable_increase,
    odds_ratio,
    paired_diff_ci,
    sequential_look,
    signflip_pvalue,
    tango_bounds,
)
from warmgate.table import COLUMNS

# --- edge cases ----------------------------------------------------------------------------


def test_zero_discordant_pairs_give_p_one_and_a_real_interval():
    assert mcnemar(0, 0).pvalue == 1.0 and mcnemar(0, 0, "greater").pvalue == 1.0
    assert odds_ratio(0, 0) is None
    lo, hi = paired_diff_ci(60, 0, 0, 40, 0.95)
    z2 = norm.ppf(0.975) ** 2
    # Tango's interval at b = c = 0 is +-z^2 / (n + z^2): not a point, as Newcombe's was
    assert lo < 0 < hi
    assert hi == pytest.approx(z2 / (100 + z2), rel=1e-3) and lo == pytest.approx(-hi)


def test_all_pairs_discordant():
    assert mcnemar(10, 0, "greater").pvalue == pytest.approx(2 ** -10)
    assert mcnemar(0, 10, "greater").pvalue == 1.0
    assert odds_ratio(10, 0) == math.inf
    lo, hi = paired_diff_ci(0, 10, 0, 0)
    assert hi == 1.0 and lo == pytest.approx(0.4449, abs=1e-4)  # sqrt(10 (1-d)/(1+d)) = z
    lo, hi = paired_diff_ci(0, 0, 10, 0)
    assert lo == -1.0 and hi == pytest.approx(-0.4449, abs=1e-4)
    lo, hi = paired_diff_ci(0, 5, 5, 0)
    assert lo < 0 < hi and lo == pytest.approx(-hi)


@pytest.mark.parametrize("counts", [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)])
def test_a_single_item(counts):
    n11, b, c, n00 = counts
    lo, hi = paired_diff_ci(n11, b, c, n00)
    assert -1.0 <= lo <= b - c <= hi <= 1.0
    assert hi - lo > 0.5  # one item says almost nothing
    assert mcnemar(b, c, "greater").pvalue >= 0.5
    needed, verdict = items_to_decide(n11, b, c, n00, 5.0, 0.05)
    if b == 1:
        assert verdict == FAIL and needed is not None and needed > 1
    if c == 1:
        assert verdict == PASS and needed is not None and needed > 1


def test_huge_n_stays_exact_and_fast():
    n11, b, c, n00 = 8_000_000, 1_020_000, 980_000, 1_000_000
    p = mcnemar(b, c, "greater").pvalue
    assert 0 < p < 1e-15
    lo, hi = paired_diff_ci(n11, b, c, n00)
    est = (b - c) / (n11 + b + c + n00)
    assert lo < est < hi and hi - lo < 0.001
    assert odds_ratio(b, c) == pytest.approx(1020 / 980)
    # a tiny true difference: huge n decides it
    assert items_to_decide(n11, b, c, n00, 0.0, 0.05 / 72) == (11_000_000, FAIL)


def test_bad_counts_are_rejected():
    with pytest.raises(ValueError):
        mcnemar(-1, 2)
    with pytest.raises(ValueError):
        mcnemar(1, 2, "bigger")
    with pytest.raises(ValueError):
        paired_diff_ci(1, -1, 0, 0)


# --- properties ----------------------------------------------------------------------------

pvals = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=40)


@given(pvals)
def test_corrections_are_ordered(p):
    h, b = holm(p), bh(p)
    for raw, hp, bp in zip(p, h, b, strict=True):
        assert raw <= bp + 1e-12 and bp <= hp + 1e-12 and hp <= 1.0
    assert np.allclose(holm_array(np.array([p, p])), [h, h])
    # monotone: a smaller raw p never gets a larger adjusted p
    for i, j in itertools.combinations(range(len(p)), 2):
        if p[i] < p[j]:
            assert h[i] <= h[j] + 1e-12 and b[i] <= b[j] + 1e-12


counts = st.tuples(*[st.integers(0, 60)] * 4).filter(lambda t: sum(t) > 0)


@settings(max_examples=60, deadline=None)
@given(counts, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_interval_contains_the_estimate_and_nests(t, conf):
    n11, b, c, n00 = t
    est = (b - c) / sum(t)
    lo, hi = paired_diff_ci(n11, b, c, n00, conf)
    assert -1.0 <= lo <= est <= hi <= 1.0
    lo2, hi2 = paired_diff_ci(n11, b, c, n00, 0.999)
    assert lo2 <= lo + 1e-9 and hi <= hi2 + 1e-9
    if lo < est < hi:
        assert hi > lo


def test_tango_interval_covers_at_its_level():
    # exact coverage over every table of n = 40 pairs at a realistic discordance
    n, pb, pc = 40, 0.12, 0.06
    tables = [(b, c) for b in range(n + 1) for c in range(n + 1 - b)]
    b, c = (np.array(x) for x in zip(*tables, strict=True))
    prob = np.array([math.comb(n, x) * math.comb(n - x, y) for x, y in tables]) * (
        pb**b * pc**c * (1 - pb - pc) ** (n - b - c))
    lo, hi = tango_bounds(b, c, np.full(b.shape, n), float(norm.ppf(0.975)))
    assert prob.sum() == pytest.approx(1.0)
    assert paired_diff_ci(n - b[7] - c[7], b[7], c[7], 0) == (lo[7], hi[7])
    cover = float(np.sum(prob * ((lo <= pb - pc) & (pb - pc <= hi))))
    assert 0.93 < cover <= 0.99


# --- power ---------------------------------------------------------------------------------


def test_fail_power_equals_brute_force_enumeration():
    n, r, inc, alpha, thr = 14, 0.1, 0.2, 0.05, 5.0
    pb, pc = r + inc, r
    total = 0.0
    for b in range(n + 1):
        for c in range(n + 1 - b):
            prob = math.comb(n, b) * math.comb(n - b, c) * pb**b * pc**c * (1 - pb - pc) ** (
                n - b - c)
            if mcnemar(b, c, "greater").pvalue < alpha and (b - c) / n * 100 > thr:
                total += prob
    assert fail_power(n, r, inc, alpha, thr) == pytest.approx(total, rel=1e-9)


def test_detectable_increase_grows_with_threshold_and_shrinks_with_items():
    a = 0.05 / 72
    m100 = min_detectable_increase(100, 0.1, a)
    m500 = min_detectable_increase(500, 0.1, a)
    m500_t5 = min_detectable_increase(500, 0.1, a, threshold_pp=5)
    assert m100 is not None and m500 is not None and m500_t5 is not None
    assert m500 < m100 and m500_t5 >= m500 and m500_t5 > 0.05
    assert fail_power(500, 0.1, m500, a) >= 0.8 > fail_power(500, 0.1, m500 * 0.95, a)
    assert min_detectable_increase(0, 0.1, a) is None


def test_items_to_decide_is_the_first_deciding_size():
    a = 0.05 / 72
    needed, verdict = items_to_decide(80, 12, 4, 4, 5.0, a)
    assert verdict == FAIL and needed is not None
    rb, rc = 12 / 100, 4 / 100
    b, c = round(rb * needed), round(rc * needed)
    assert mcnemar(b, c, "greater").pvalue < a
    b1, c1 = round(rb * (needed - 1)), round(rc * (needed - 1))
    assert mcnemar(b1, c1, "greater").pvalue >= a or (b1 - c1) / (needed - 1) * 100 <= 5
    # sitting exactly on the threshold never decides; nor does threshold 0 without an increase
    assert items_to_decide(85, 10, 5, 0, 5.0, a) == (None, "")
    assert items_to_decide(100, 0, 0, 0, 0.0, a) == (None, "")


# --- sequential looks ----------------------------------------------------------------------


@pytest.mark.parametrize("b,c", [(0, 0), (3, 1), (10, 12), (40, 2)])
def test_e_value_is_a_fair_martingale_under_the_null(b, c):
    e = np.exp(log_e_value(np.array(b), np.array(c)))
    up = np.exp(log_e_value(np.array(b + 1), np.array(c)))
    down = np.exp(log_e_value(np.array(b), np.array(c + 1)))
    assert 0.5 * up + 0.5 * down == pytest.approx(e, rel=1e-9)
    assert float(anytime_pvalue(np.array(0), np.array(0))) == 1.0


def test_anytime_pvalues_control_error_over_every_look():
    rng = np.random.default_rng(1)
    runs, steps = 2000, 200
    x = rng.integers(0, 2, size=(runs, steps))  # discordant pairs under the null
    b = np.cumsum(x, axis=1)
    c = np.arange(1, steps + 1) - b
    p_min = anytime_pvalue(b, c).min(axis=1)
    assert np.mean(p_min <= 0.05) <= 0.05
    # the fixed-n exact test peeked at every step would not be
    p_peek = binom.sf(b - 1, b + c, 0.5).min(axis=1)
    assert np.mean(p_peek <= 0.05) > 0.1


def test_sequential_look_stops_a_clear_regression_and_a_clear_pass():
    b = np.array([40, 1, 6])
    c = np.array([2, 1, 5])
    n = np.array([200, 2000, 100])
    state = np.full(3, CONTINUE)
    p, state = sequential_look(b, c, n, np.ones(3), state, np.full(3, 5.0), 0.05, looks=4)
    assert list(state) == [STOP_FAIL, STOP_PASS, CONTINUE]
    assert p[0] < 0.05 / 3
    # a stopped cell keeps its state and p-value whatever later counts say
    p2, state2 = sequential_look(np.array([0, 500, 6]), np.array([40, 0, 5]), n, p, state,
                                 np.full(3, 5.0), 0.05, looks=4)
    assert list(state2[:2]) == [STOP_FAIL, STOP_PASS] and p2[0] == p[0]


# --- the gate on hand-built tables ---------------------------------------------------------


def make_table(outcomes: dict[tuple[str, str, str], list[tuple[str, str]]]) -> pd.DataFrame:
    """A results table from {(suite, context, belief): [(base, candidate) per item]}; an
    outcome "unsure" is a reply read INCORRECT with the scorer unsure of it (then the table
    has the `unsure` column)."""
    rows = []
    for (suite, context, belief), pairs in outcomes.items():
        for i, pair in enumerate(pairs):
            for role, ev in zip(("base", "candidate"), pair, strict=True):
                row = dict.fromkeys(COLUMNS, "")
                row.update(role=role, suite=suite, item_id=f"i{i}", amendment_type=context,
                           prompt_template=belief, sample=0,
                           evaluation="INCORRECT" if ev == "unsure" else ev, unsure=ev == "unsure")
                rows.append(row)
    unsure = any(r["unsure"] for r in rows)
    return pd.DataFrame(rows, columns=[*COLUMNS, "unsure"] if unsure else COLUMNS)


R, W = "CORRECT", "INCORRECT"


def config_for(contexts, threshold, **kw):
    return GateConfig(suites=("toy",), contexts=contexts, beliefs=("original",),
                      threshold=threshold, **kw)


def test_threshold_zero_fails_on_significance_and_never_passes():
    cfg = config_for(("unmodified", "emotion:sad"), 0.0)
    table = make_table({
        ("toy", "unmodified", "original"): [(R, R)] * 200,
        ("toy", "emotion:sad", "original"): [(R, W)] * 12 + [(R, R)] * 188,
    })
    same, worse = decide(rule_of(cfg), cfg.cells(), table)
    assert worse.verdict == FAIL and worse.b == 12 and worse.odds_ratio == math.inf
    # identical replies: no evidence of an increase, but a 0 pp threshold cannot be shown
    assert same.verdict == INCONCLUSIVE and same.ci_high > 0
    assert same.items_to_decide is None and "no number of items" in same.message()
    json.dumps([c.to_dict() for c in (same, worse)], allow_nan=False)


def test_inconclusive_cell_says_how_many_items_would_decide():
    cfg = config_for(("unmodified",), 5.0)
    table = make_table({("toy", "unmodified", "original"):
                        [(R, W)] * 8 + [(W, R)] * 2 + [(R, R)] * 50})
    (cell,) = decide(rule_of(cfg), cfg.cells(), table)
    assert cell.verdict == INCONCLUSIVE
    assert cell.decides_as == FAIL and cell.items_to_decide > 60
    assert cell.mde_pp is not None and cell.mde_pp > 5.0
    assert f"about {cell.items_to_decide} items" in cell.message()


def test_early_stopping_replay_saves_items_on_a_clear_regression():
    cfg = config_for(("unmodified", "emotion:sad"), 5.0)
    table = make_table({
        ("toy", "unmodified", "original"): [(R, R), (W, W)] * 200,
        ("toy", "emotion:sad", "original"): [(R, W)] * 400,
    })
    out = decide_sequential(cfg, table, batch=50)
    verdicts = {c.context: c.verdict for c in out.cells}
    assert verdicts["emotion:sad"] == FAIL
    sad = next(c for c in out.cells if c.context == "emotion:sad")
    assert sad.n == 50  # stopped at the first look
    assert out.items_planned == 800 and out.items_saved > 0
    assert verdicts["unmodified"] in (PASS, INCONCLUSIVE)
    full = {c.context: c.verdict for c in decide(rule_of(cfg), cfg.cells(), table)}
    assert full["emotion:sad"] == FAIL


def test_signature_separates_a_context_specific_gap_from_uniform_degradation():
    n = 120
    cfg = config_for(("unmodified", "emotion:sad", "emotion:happy"), 5.0)
    table = make_table({
        # the candidate is 10 % worse everywhere, and much worse again when the user is sad
        ("toy", "unmodified", "original"): [(R, W)] * 12 + [(R, R)] * (n - 12),
        ("toy", "emotion:happy", "original"): [(R, W)] * 12 + [(R, R)] * (n - 12),
        ("toy", "emotion:sad", "original"): [(R, W)] * 48 + [(R, R)] * (n - 48),
    })
    lines = {line.context: line for line in warmth_signature(cfg, table)}
    sad, happy = lines["emotion:sad"], lines["emotion:happy"]
    assert sad.gap == pytest.approx(36 / 120) and sad.gap_unmodified == pytest.approx(0.1)
    assert sad.p_adjusted < 0.001 and sad.ci_low > 0.2
    assert happy.gap == 0 and happy.pvalue == 1.0 and happy.ci_low < 0 < happy.ci_high
    assert "warmth gap under emotion:sad: +30.0 pp" in sad.message()
    assert warmth_signature(config_for(("emotion:sad",), 5.0), table) == []


def _brute_force_signflip(sums: np.ndarray) -> float:
    """P(sum_i e_i |D_i| >= sum_i D_i) by enumerating every one of the 2^n sign vectors."""
    a = np.abs(sums)
    totals = [np.dot(signs, a) for signs in itertools.product((1, -1), repeat=len(a))]
    return float(np.mean(np.array(totals) >= sums.sum()))


def test_the_exact_sign_flip_test_is_brute_force_enumeration_on_small_cases():
    """The warmth gap's and the pooled decision's one test, against all 2^n sign flips."""
    rng = np.random.default_rng(11)
    cases = [np.array([1, 1, 1]), np.array([2, -1, 0, 3]), np.array([-2, -2, 1]),
             np.array([0, 0, 0]), np.array([4, -4, 4, -4, 1])]
    cases += [rng.integers(-3, 4, size=int(rng.integers(1, 11))) for _ in range(40)]
    for sums in cases:
        expected = _brute_force_signflip(sums)
        assert item_sums_pvalue(sums) == pytest.approx(expected, rel=1e-9, abs=1e-12), sums
        assert float(signflip_pvalue(abs_histogram(sums), np.array(sums.sum()))) == \
            pytest.approx(expected, rel=1e-9, abs=1e-12), sums
    # many runs at once (leading axis), as the pooled decision and the benchmarks call it
    batch = rng.integers(-2, 3, size=(20, 8))
    got = signflip_pvalue(abs_histogram(batch, 2), batch.sum(axis=1))
    assert got == pytest.approx([_brute_force_signflip(row) for row in batch], rel=1e-9)


def test_sign_flip_edges_and_cluster_interval():
    assert item_sums_pvalue(np.array([1, 1, 1])) == pytest.approx(1 / 8)
    assert item_sums_pvalue(np.zeros(10)) == 1.0
    assert item_sums_pvalue(np.array([], dtype=np.int64)) == 1.0
    assert item_sums_pvalue(np.array([3.0, -1.0, 2.0])) == item_sums_pvalue(np.array([3, -1, 2]))
    with pytest.raises(ValueError, match="integer item sums"):
        item_sums_pvalue(np.array([0.5, 1.0]))
    # sums of +-1 only: the exact one-sided McNemar test, exactly (no sampling error)
    big = np.r_[np.ones(60), -np.ones(20)]
    assert item_sums_pvalue(big) == pytest.approx(binom.sf(59, 80, 0.5), rel=1e-6)
    est, lo, hi = cluster_mean_ci(np.zeros(200), np.ones(200))
    assert est == 0 and lo < 0 < hi and hi < 0.02
