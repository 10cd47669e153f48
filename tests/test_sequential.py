"""Early stopping replayed on a hand-built table (warmgate/sequential.py)."""

from tests.test_decide import R, W, config_for, make_table
from warmgate.decide import FAIL, INCONCLUSIVE, PASS, decide
from warmgate.gate import decide_sequential
from warmgate.run import rule_of


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
