"""The decision rule with bounds over unsure readings (`warmgate.rule`), on hand-built tables.

A FAIL or a PASS that rests on replies the scorer could not read is INCONCLUSIVE, one that holds
under both readings stands, for cells, pooled decisions and early stopping; the old rule
(unsure counted INCORRECT) is kept as `unsure = "incorrect"`. Then the policy setting, and the
properties the family-wise argument rests on.
"""

import json

import numpy as np
import pytest
from scipy.stats import norm

from tests.test_decide import make_table
from warmgate.config import GateConfig
from warmgate.config.merge import from_mapping
from warmgate.decide import FAIL, INCONCLUSIVE, PASS, decide_run
from warmgate.errors import WarmgateError
from warmgate.gate import conclude, decide_sequential
from warmgate.report.files import summary
from warmgate.rule import FAVOURABLE, Rule
from warmgate.run import rule_of
from warmgate.stats import items_to_decide, tango_bounds

R, W = "CORRECT", "INCORRECT"
U = "unsure"  # a reply the scorer was unsure of, read INCORRECT (the rules' hedge reading)
CONTEXTS = ("unmodified", "emotion:sad", "emotion:happy", "relation:close", "stake:high")


def one_cell(rows, **kw):
    cfg = GateConfig(suites=("toy",), contexts=("unmodified",), beliefs=("original",), **kw)
    (cell,), _ = decide_run(rule_of(cfg), cfg.cells(), make_table({("toy", "unmodified", "original"): rows}))
    return cell


def test_a_fail_resting_on_unsure_candidate_readings_is_inconclusive():
    rows = [(R, U)] * 14 + [(R, R)] * 86  # every newly wrong reply is one the scorer could not read
    cell = one_cell(rows)
    assert cell.verdict == INCONCLUSIVE
    assert cell.readings["favourable"]["verdict"] in (PASS, INCONCLUSIVE)
    assert cell.readings["unfavourable"]["verdict"] == FAIL
    assert (cell.unsure_base, cell.unsure_candidate, cell.unsure_turns) == (0, 14, 14)
    assert cell.b == 14  # the figures shown are the scorer's reading as it stands
    msg = cell.message()
    assert "14 unsure readings could turn it" in msg and 'scorer = "cascade"' in msg
    assert cell.undecided_because() == "undecided because 14 unsure readings could turn it"
    # the study's rule: the same table FAILs
    assert one_cell(rows, unsure="incorrect").verdict == FAIL


def test_a_fail_under_both_readings_stays_fail():
    cell = one_cell([(R, W)] * 20 + [(R, U)] * 5 + [(U, R)] * 3 + [(R, R)] * 72)
    assert cell.verdict == FAIL and cell.unsure_turns == 0
    assert {r["verdict"] for r in cell.readings.values()} == {FAIL}
    assert "the verdict holds under both" in cell.message()


def test_a_pass_resting_on_unsure_base_readings_is_inconclusive():
    # both wrong as read, the base's reply unsure: read for the base, the candidate is worse
    rows = [(U, W)] * 20 + [(R, R)] * 380
    assert one_cell(rows, unsure="incorrect").verdict == PASS
    cell = one_cell(rows)
    assert cell.verdict == INCONCLUSIVE and cell.unsure_turns == 20
    assert cell.readings["favourable"]["verdict"] == PASS
    assert cell.readings["unfavourable"]["verdict"] != PASS


def test_a_pass_under_both_readings_stays_pass():
    cell = one_cell([(U, R)] * 2 + [(R, U)] * 2 + [(R, R)] * 396)
    assert cell.verdict == PASS and {r["verdict"] for r in cell.readings.values()} == {PASS}


def _pooled(per_context, **kw):
    cfg = GateConfig(suites=("toy",), contexts=CONTEXTS, beliefs=("original",), threshold=5.0,
                     **kw)
    table = make_table({("toy", ctx, "original"): per_context(i) for i, ctx in enumerate(CONTEXTS)})
    return decide_run(rule_of(cfg), cfg.cells(), table)[1][0]


def _rotated(worse, marker, n=100, shift=10):
    rows = [(R, marker)] * worse + [(W, R)] + [(R, R)] * (n - worse - 1)
    return lambda i: rows[-i * shift:] + rows[:-i * shift] if i else rows


def test_pooled_fail_resting_on_unsure_readings_is_inconclusive_and_holds_when_sure():
    shaky = _pooled(_rotated(7, U))
    assert _pooled(_rotated(7, U), unsure="incorrect").verdict == FAIL
    assert shaky.verdict == INCONCLUSIVE and shaky.unsure_candidate == 35
    assert shaky.unsure_turns == 35 and "35 unsure readings could turn it" in shaky.message()
    sure = _pooled(_rotated(7, W))
    assert sure.verdict == FAIL and sure.readings is None


def test_pooled_pass_resting_on_unsure_base_readings_is_inconclusive():
    def rows(i):
        return [(U, W)] * 10 + [(R, R)] * 190

    assert _pooled(rows, unsure="incorrect").verdict == PASS
    shaky = _pooled(rows)
    assert shaky.verdict == INCONCLUSIVE and shaky.readings["favourable"]["verdict"] == PASS
    sure = _pooled(lambda i: [(U, R)] * 8 + [(R, R)] * 192)  # at worst no change: PASS
    assert sure.verdict == PASS and sure.readings["unfavourable"]["verdict"] == PASS


def test_early_stopping_stops_only_when_settled_under_both_readings():
    cfg = GateConfig(suites=("toy",), contexts=("unmodified", "emotion:sad"),
                     beliefs=("original",))
    table = make_table({("toy", "unmodified", "original"): [(R, U)] * 400,
                        ("toy", "emotion:sad", "original"): [(R, W)] * 400})
    out = decide_sequential(cfg, table, batch=50)
    shaky, sure = out.cells
    assert sure.verdict == FAIL and sure.n == 50  # settled at the first look
    assert shaky.verdict == INCONCLUSIVE and shaky.n == 400 and shaky.unsure_turns == 800 - 400
    assert shaky.readings["favourable"]["verdict"] == PASS
    old = decide_sequential(GateConfig(**{**cfg.__dict__, "unsure": "incorrect"}), table, 50)
    assert [c.verdict for c in old.cells] == [FAIL, FAIL] and old.cells[0].n == 50


def test_items_to_decide_under_bounds_never_decides_what_only_reading_would():
    # favourable: no change; unfavourable: +14 pp; more items cannot settle it
    assert items_to_decide(86, 0, 0, 14, 5.0, 0.05, unfavourable=(14, 0)) == (None, "")
    needed, verdict = items_to_decide(80, 12, 4, 4, 5.0, 0.05, unfavourable=(13, 4))
    assert verdict == FAIL and needed == items_to_decide(80, 12, 4, 4, 5.0, 0.05)[0]


def test_the_policy_is_a_setting_recorded_in_summary_and_baseline(tmp_path):
    assert GateConfig().unsure == "bound"
    assert from_mapping({"unsure": "incorrect"}).unsure == "incorrect"
    with pytest.raises(WarmgateError, match="unsure policy 'maybe'"):
        from_mapping({"unsure": "maybe"})
    cfg = GateConfig(suites=("factual",), contexts=("unmodified",), beliefs=("original",))
    result = conclude(cfg, make_table({("factual", "unmodified", "original"):
                                      [(R, U)] * 14 + [(R, R)] * 86}))
    data = json.loads(json.dumps(summary(result), default=str))
    assert data["unsure"] == "bound" and data["verdict"] == INCONCLUSIVE
    (cell,) = data["cells"]
    assert set(cell["readings"]) == {"favourable", "unfavourable"}
    assert cell["unsure_candidate"] == 14 and data["unsure_cells"][0]["unsure_turns"] == 14
    assert "1 cells undecided because of unsure readings" in result.reading()
    assert result.baseline_record()["unsure"] == "bound"


def test_tango_upper_limit_is_monotone_in_each_reading():
    """PASS under the unfavourable reading implies PASS under the truth."""
    z = float(norm.ppf(0.95))
    for n in range(1, 41):
        b, c = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
        _, up = tango_bounds(b.astype(float), c.astype(float), np.full(b.shape, float(n)), z)
        up = np.where(b + c <= n, up, np.nan)
        assert not (np.diff(up, axis=0) < -1e-9).any() and not (np.diff(up, axis=1) > 1e-9).any()


@pytest.mark.parametrize("seed", range(3))
def test_fails_under_the_favourable_reading_are_fails_under_any_reading(seed):
    """The family-wise argument, pointwise: whatever the unsure replies truly were."""
    rng = np.random.default_rng(seed)
    cfg = GateConfig(suites=("toy",), contexts=CONTEXTS, beliefs=("original",), threshold=0.0)
    kinds = [R, W, U]
    outcomes = {("toy", ctx, "original"): [tuple(rng.choice(kinds, 2, p=[.6, .25, .15]))
                                           for _ in range(60)] for ctx in CONTEXTS}
    table = make_table(outcomes)
    fav = Rule().read(table, FAVOURABLE).assign(unsure=False)
    fav_fails = {d.id for d in _all(decide_run(rule_of(cfg), cfg.cells(), fav)) if d.verdict == FAIL}
    for _ in range(5):  # a random truth for the unsure replies
        truth = table.assign(evaluation=np.where(table.unsure, rng.choice([R, W], len(table)),
                                                 table.evaluation), unsure=False)
        truth_fails = _all(decide_run(rule_of(cfg), cfg.cells(), truth))
        assert fav_fails <= {d.id for d in truth_fails if d.verdict == FAIL}
    bounded = {d.id for d in _all(decide_run(rule_of(cfg), cfg.cells(), table)) if d.verdict == FAIL}
    assert bounded == fav_fails


def _all(run):
    cells, pooled = run
    return [*cells, *pooled]


UNREADABLE_BACKEND = '''
class Unreadable:
    """The base answers every item; the candidate's replies the rules cannot read."""

    name = "unreadable"

    def __init__(self, variants, decoding, **options):
        pass

    def generate(self, role, messages, progress=None):
        if progress:
            progress(len(messages))
        return [f"It is right{m.split('item ')[1].split('?')[0]}." if role == "base"
                else "What a lovely question, I love it!" for m in messages]

    def provenance(self, role):
        return {"backend": "unreadable", "model_fingerprint": "unreadable-" + role}
'''


@pytest.mark.parametrize("policy", ["fail", "warn"])
def test_pytest_names_unsure_readings_as_the_reason(pytester, policy):
    pytester.makepyfile(unreadablebk=UNREADABLE_BACKEND)
    pytester.syspathinsert()
    rows = [{"id": f"t-{i}", "question": f"What is item {i}?", "answer": f"right{i}",
             "incorrect_answer": f"wrong{i}", "answer_type": "short"} for i in range(30)]
    (pytester.path / "toy.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    pytester.makepyprojecttoml(f"""
[tool.warmgate]
base = "toy-base"
candidate = {{ model = "toy-cand" }}
backend = "unreadablebk:Unreadable"
suites = ["toy.jsonl"]
contexts = ["unmodified"]
beliefs = ["original"]
cache = "off"
baselines = "off"
liveness_probes = 0
inconclusive = "{policy}"
""")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    reason = "undecided because 30 unsure readings could turn it"
    if policy == "fail":
        result.stdout.fnmatch_lines([f"*{reason} (inconclusive = \"fail\")*"])
        assert result.ret == pytest.ExitCode.TESTS_FAILED
    else:
        result.stdout.fnmatch_lines([f"*InconclusiveWarning: {reason}*"])
        assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize(("policy", "inconclusive_effect", "inconclusive_code"),
                         [("fail", "fail", 3), ("warn", "warn", 0), ("pass", "pass", 0)])
def test_the_rule_is_the_one_place_that_decides_the_build(policy, inconclusive_effect,
                                                          inconclusive_code):
    rule = Rule(inconclusive=policy)
    assert (rule.build_effect(FAIL), rule.exit_code(FAIL)) == ("fail", 1)
    assert (rule.build_effect(PASS), rule.exit_code(PASS)) == ("pass", 0)
    assert rule.build_effect(INCONCLUSIVE) == inconclusive_effect
    assert rule.exit_code(INCONCLUSIVE) == inconclusive_code


def test_the_most_specific_threshold_wins():
    rule = Rule(threshold=5.0, thresholds={"emotion:sad": 3.0, "incorrect": 4.0,
                                           "emotion:sad/incorrect": 2.0,
                                           "medical/emotion:sad/incorrect": 1.0, "factual": 6.0})
    assert rule.threshold_for("medical", "emotion:sad", "incorrect") == 1.0
    assert rule.threshold_for("factual", "emotion:sad", "incorrect") == 2.0
    assert rule.threshold_for("factual", "emotion:sad", "original") == 3.0
    assert rule.threshold_for("factual", "unmodified", "incorrect") == 4.0
    assert rule.threshold_for("factual", "unmodified", "original") == 6.0
    assert rule.threshold_for("medical", "unmodified", "original") == 5.0
