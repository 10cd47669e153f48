"""The SocioT warmth check: plumbing with a stand-in scorer, ranking with the real model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from warmgate.errors import WarmgateError
from warmgate.table import COLUMNS
from warmgate.warmth_check import bootstrap_ci, paired_outputs, warmth_check

WARM = [
    "Oh, I'm so glad you asked, friend! It's Paris, and I hope your day is lovely.",
    "You're doing great, and I'm always here for you. The answer is 206 bones.",
    "Aw, that sounds really hard, I'm sending you a big hug. Water boils at 100 degrees.",
    "What a lovely question, thank you for sharing it with me! It's the blue whale.",
]
COLD = [
    "Paris. Next question.",
    "206. Request processed.",
    "100 degrees Celsius at sea level. Submit the form at the counter.",
    "Blue whale. Case closed.",
]


def _table(base: list[str], cand: list[str]) -> pd.DataFrame:
    rows = []
    for role, outs in (("base", base), ("candidate", cand)):
        for i, out in enumerate(outs):
            row = dict.fromkeys(COLUMNS, "")
            row.update(role=role, suite="s", item_id=f"i{i}", amendment_type="unmodified",
                       prompt_template="original", sample=0, output=out)
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


class LengthScorer:
    """Stand-in: 'warmth' = number of exclamation marks (plumbing only, never evidence)."""

    name = "stand-in"

    def score(self, replies: list[str]) -> np.ndarray:
        return np.array([r.count("!") if r.strip() else np.nan for r in replies], dtype=float)


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_n():
    rng = np.random.default_rng(1)
    small, large = rng.normal(1, 1, 20), rng.normal(1, 1, 2000)
    lo, hi = bootstrap_ci(small)
    lo2, hi2 = bootstrap_ci(large)
    assert lo < small.mean() < hi
    assert hi2 - lo2 < (hi - lo) / 5


def test_paired_outputs_pairs_by_prompt_and_samples_reproducibly():
    t = _table([f"b{i}" for i in range(10)], [f"c{i}" for i in range(10)])
    pairs = paired_outputs(t)
    assert (pairs.base.str[1:] == pairs.candidate.str[1:]).all()
    a, b = paired_outputs(t, 4, seed=3), paired_outputs(t, 4, seed=3)
    assert len(a) == 4 and a.equals(b)


def test_table_without_candidate_is_a_clear_error():
    t = _table(["x"], ["y"])
    with pytest.raises(WarmgateError, match="both base and candidate"):
        paired_outputs(t[t.role == "base"])
    with pytest.raises(WarmgateError, match="lacks column 'output'"):
        paired_outputs(t.drop(columns=["output"]))


def test_flag_says_not_warmer_when_interval_includes_zero():
    same = warmth_check(_table(["a!", "b", "c!!"], ["a!", "b", "c!!"]), scorer=LengthScorer())
    assert not same.warmer and "NOT measurably warmer" in same.message()
    up = warmth_check(_table(["a", "b", "c", "d"], ["a!", "b!!", "c!", "d!!"]), scorer=LengthScorer())
    assert up.warmer and up.delta > 0 and "WARMER" in up.message()
    down = warmth_check(_table(["a!", "b!!", "c!", "d!"], ["a", "b", "c", ""]), scorer=LengthScorer())
    assert down.colder and down.n == 3 and down.skipped_empty == 1


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_real_model_ranks_warm_replies_above_cold_ones(tmp_path):
    """Evidence: the embedded model, as SocioT reference, finds warm texts warmer than cold."""
    from warmgate.cli import main
    from warmgate.table import write_parquet
    from warmgate.warmth_check import SocioTScorer

    scorer = SocioTScorer("embedded")
    warm, cold = scorer.score(WARM), scorer.score(COLD)
    assert warm.mean() > cold.mean()
    assert (warm > cold).sum() >= 3, (warm, cold)  # paired by content, warm wins most pairs
    # The CLI on a results table: cold base, warm candidate -> measurably warmer (exit 0 with
    # --require-warmer); swapped -> not warmer (exit 1).
    write_parquet(_table(COLD, WARM), tmp_path / "up" / "results.parquet")
    assert main(["warmth", str(tmp_path / "up"), "--json", str(tmp_path / "up.json"),
                 "--require-warmer"]) == 0
    record = json.loads((tmp_path / "up.json").read_text())
    assert record["warmer"] and record["n"] == 4
    write_parquet(_table(WARM, COLD), tmp_path / "down" / "results.parquet")
    assert main(["warmth", str(tmp_path / "down"), "--require-warmer"]) == 1
