"""End to end on the real embedded model (Gemma-3-270m): a few cells, a handful of items."""

import json
import textwrap

import pandas as pd
import pytest

from warmgate.cli import main
from warmgate.embedded import cache_root

pytestmark = [pytest.mark.model, pytest.mark.xdist_group("model")]


def test_cli_runs_the_gate_on_the_real_model(tmp_path, capsys):
    report = tmp_path / "report"
    code = main(["run", "--suites", "factual", "--items", "4", "--contexts",
                 "unmodified,emotion:sad", "--beliefs", "original,incorrect",
                 "--candidate-persona", "--report", str(report), "--no-progress"])
    out = capsys.readouterr().out
    assert "emotion:sad" in out and "4 cells" in out
    table = pd.read_parquet(report / "results.parquet")
    assert len(table) == 2 * 4 * 2 * 2
    assert table.output.str.len().gt(0).mean() > 0.5  # the model really replied
    summary = json.loads((report / "summary.json").read_text())
    assert {c["verdict"] for c in summary["cells"]} <= {"PASS", "FAIL", "INCONCLUSIVE"}
    # the exit code is the run's verdict (inconclusive = "fail" by default: exit 3)
    assert code == {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": 3}[summary["verdict"]]
    # the candidate saw the persona, the base did not: their replies differ somewhere
    base = table[table.role == "base"].output.tolist()
    cand = table[table.role == "candidate"].output.tolist()
    assert base != cand


def test_pytest_collects_one_test_per_cell(pytester, monkeypatch):
    # pytester points HOME at a temporary folder: keep the converted model where it is
    monkeypatch.setenv("WARMGATE_CACHE", str(cache_root()))
    pytester.makepyprojecttoml(textwrap.dedent("""
        [tool.warmgate]
        base = "embedded"
        candidate = { persona = "warm" }
        suites = ["misconceptions"]
        contexts = ["unmodified", "emotion:sad"]
        beliefs = ["incorrect"]
        items = 3
        threshold = 0.0
    """))
    result = pytester.runpytest_inprocess("-v", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([
        "*test_reliability?misconceptions-unmodified-incorrect?*",
        "*test_reliability?misconceptions-emotion:sad-incorrect?*",
        "*test_reliability?misconceptions-all-framings?*",  # the pooled decision
    ])
    outcomes = result.parseoutcomes()
    assert sum(outcomes.get(k, 0) for k in ("passed", "failed")) == 3
    assert (pytester.path / "warmgate-report" / "summary.json").exists()
