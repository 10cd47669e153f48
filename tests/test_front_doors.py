"""Outputs that must agree with the exit code (issue 31): what each front door says a verdict
does to the build, a closed stdout, the baseline used, early stopping in the CLI table, JUnit
units, help text, `warmgate_cell` of a missing cell, re-scoring a custom suite's table. The
backends are scripted stand-ins from the bad-input corpus (plumbing, never evidence).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_bad_input import Case, jsonl, row

from warmgate.cli import main

TESTS = Path(__file__).parent
TWENTY = {"toy.jsonl": jsonl(*(row(i) for i in range(20)))}


class Mumbles:
    """A judge whose replies name no verdict."""

    name = "mumbles"

    def __init__(self, variants, decoding, **options) -> None:
        pass

    def generate(self, role, messages, progress=None):
        return ["hmm, hard to say"] * len(messages)

    def provenance(self, role):
        return {"backend": self.name, "model": "mumbles", "model_fingerprint": "mumbles"}


def cli(case: Case, folder: Path, monkeypatch, capsys, *flags: str) -> tuple[int, str]:
    case.write(folder)
    monkeypatch.chdir(folder)
    rc = main(["run", "--no-progress", *flags])
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_each_front_door_says_what_inconclusive_does(tmp_path, pytester, monkeypatch, capsys):
    """4 items cannot show a change within 5 pp: INCONCLUSIVE. The CLI exits 3 and says so;
    pytest exits 1 and says that, not "exit 3" (pytest's 3 is an internal error)."""
    rc, out = cli(Case("inconclusive"), tmp_path, monkeypatch, capsys)
    assert rc == 3 and "the build fails (exit 3)" in " ".join(out.split())
    monkeypatch.chdir(pytester.path)
    Case("inconclusive").write(pytester.path)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    text = " ".join(result.stdout.str().split())
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "pytest exits 1, as for a FAIL" in text and "exit 3" not in text
    Case("update", {"baselines": "bl"}).write(pytester.path)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--warmgate-update-baselines")
    text = " ".join(result.stdout.str().split())
    assert result.ret == pytest.ExitCode.OK and "exit 3" not in text
    assert "under --warmgate-update-baselines every test passes" in text


def test_a_closed_stdout_writes_the_report_then_exits_141(tmp_path) -> None:
    """Item 3: `warmgate run | head -1` exited 1 (a FAIL's code), with no report written."""
    Case("pipe", {"backend": "test_bad_input_gate:Regressed"}, TWENTY).write(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)]),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from warmgate.cli import main; "
         "sys.exit(main(['run', '--no-progress']))"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader went away before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141, err
    assert (tmp_path / "rep" / "summary.json").is_file() and "Traceback" not in err


def test_the_cli_table_says_which_baseline_and_that_early_stopping_left_no_pooled_test(
        tmp_path, monkeypatch, capsys) -> None:
    case = Case("early", {"early_stopping": 2, "contexts": ["unmodified", "emotion:sad"]})
    rc, out = cli(case, tmp_path, monkeypatch, capsys)
    text = " ".join(out.split())
    assert "toy, all framings: no pooled decision (early stopping decides cells only" in text
    line = "base replies: generated in this run (no stored baseline used)"
    assert line in text
    for name in ("summary.md", "report.html"):
        assert line in (tmp_path / "rep" / name).read_text(), name


def test_junit_figures_are_in_percentage_points_like_the_threshold(pytester) -> None:
    Case("junit", {"backend": "test_bad_input_gate:Regressed"}, TWENTY).write(pytester.path)
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--junitxml=j.xml")
    (case,) = ET.parse(pytester.path / "j.xml").getroot().iter("testcase")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert "delta" not in props and float(props["delta_pp"]) == 100.0
    assert float(props["threshold_pp"]) == 5.0 and float(props["ci_low_pp"]) > 50


def test_warmgate_cell_of_a_missing_cell_lists_the_cells(pytester) -> None:
    Case("fixture").write(pytester.path)
    pytester.makepyfile(test_mine="def test_sad(warmgate_cell):\n"
                        "    warmgate_cell('toy', 'emotion:sad', 'original')\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "test_mine.py")
    result.stdout.fnmatch_lines(["*NoSuchCell: no cell ('toy', 'emotion:sad', 'original') in "
                                 "this run; its cells (suite, context, belief): ('toy', "
                                 "'unmodified', 'original')"])


def test_help_shows_the_percent_sign_not_argparse_internals(pytester, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "at least 90 % and kappa 0.81" in out and "{'" not in out
    result = pytester.runpytest_inprocess("--help")
    assert "at least 90 % and kappa 0.81" in " ".join(result.stdout.str().split())


def test_a_custom_suites_table_is_rescored_given_its_file(tmp_path, monkeypatch, capsys) -> None:
    cli(Case("rescore"), tmp_path, monkeypatch, capsys)
    assert main(["score", "rep/results.parquet"]) == 2
    assert "suite(s) toy are not built in; name the file each came from: --suite PATH.jsonl" \
        in capsys.readouterr().err
    assert main(["score", "rep/results.parquet", "--suite", "toy.jsonl", "--output",
                 "again.parquet"]) == 0
    assert "re-scored 8 rows" in capsys.readouterr().out


def test_the_reading_line_counts_judge_outputs_with_no_verdict(tmp_path, monkeypatch, capsys):
    case = Case("mumbles", {"scorer": "judge",
                            "judge": {"model": "m", "backend": "test_front_doors:Mumbles"}})
    _, out = cli(case, tmp_path, monkeypatch, capsys)
    assert "the judge named no verdict on 8 of 8 replies" in " ".join(out.split())
