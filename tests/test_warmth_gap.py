"""The warmth gap (warmgate/warmth_gap.py) on a hand-built table."""

import pytest

from tests.test_decide import R, W, config_for, make_table
from warmgate.gate import warmth_signature


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
