"""The front door: settings read once, a run built once, and no stage reloading or re-planning."""

from __future__ import annotations

import pytest
from toys import make_suite

from warmgate import run as run_module
from warmgate.backends import ModelSpec
from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.gate import run
from warmgate.rule import Rule
from warmgate.run import Run, as_run, load_run, read_settings, rule_of


def _pyproject(tmp_path, body: str):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.warmgate]\n" + body)
    return path


def test_read_settings_reads_the_table_then_the_command_line(tmp_path):
    path = _pyproject(tmp_path, 'threshold = 3.0\nreport = "out"\n')
    cfg = read_settings(path, {"threshold": "4", "alpha": None})
    assert cfg.threshold == 4.0 and cfg.report == str(tmp_path / "out")  # relative to the file
    assert read_settings(tmp_path / "none.toml", {}) == GateConfig()  # no table: the defaults
    assert read_settings(tmp_path / "none.toml", {}, needs_base=True) is None  # pytest: no run
    with pytest.raises(WarmgateError, match="config file not found"):
        read_settings(tmp_path / "none.toml", {}, required=True)
    with pytest.raises(WarmgateError, match=r"--warmgate-alpha"):
        read_settings(path, {"alpha": "2"}, flag_prefix="--warmgate-")


def test_load_run_builds_the_rule_and_store_from_the_settings(tmp_path):
    path = _pyproject(tmp_path, 'base = "toy"\nthresholds = { "emotion:sad" = 2.0 }\n'
                      'unsure = "incorrect"\ninconclusive = "warn"\nbaselines = "b"\n')
    the_run = load_run(path)
    assert the_run.rule == Rule(unsure="incorrect", alpha=0.05, threshold=5.0,
                                thresholds={"emotion:sad": 2.0}, inconclusive="warn")
    assert the_run.rule.threshold_for("factual", "emotion:sad", "original") == 2.0
    assert the_run.store.folder == tmp_path / "b" / "toy"
    assert load_run(tmp_path / "none.toml", {}, needs_base=True) is None
    assert as_run(the_run) is the_run and as_run(GateConfig()).config == GateConfig()


def test_a_run_loads_each_suite_and_plans_once(tmp_path, monkeypatch, scripted):
    """The gate, the baseline record and the liveness probes all read the run's one plan."""
    suite = make_suite(tmp_path, n=6)
    loads, plans = [], []
    real_load, real_plan = run_module.load_suite, run_module.plan
    monkeypatch.setattr(run_module, "load_suite", lambda name: loads.append(name) or real_load(name))
    monkeypatch.setattr(run_module, "plan", lambda *a: plans.append(1) or real_plan(*a))
    the_run = Run(GateConfig(base=ModelSpec("toy-base"), suites=(suite,), contexts=("unmodified",),
                             beliefs=("original",), baselines="off", cache="off",
                             report=str(tmp_path / "r"), liveness_probes=0))
    result = run(the_run, backend=scripted(lambda role, message: "a"))
    result.baseline_record()
    assert len(result.table) == 12 and loads == [suite] and plans == [1]
    assert result.baseline_record()["suites"] == {"toy": the_run.suites["toy"].sha256}


def test_rule_of_carries_every_decision_setting():
    cfg = GateConfig(alpha=0.01, threshold=7.0, thresholds={"incorrect": 1.0}, unsure="incorrect",
                     inconclusive="pass")
    rule = rule_of(cfg)
    assert (rule.alpha, rule.threshold, dict(rule.thresholds), rule.unsure, rule.inconclusive) \
        == (0.01, 7.0, {"incorrect": 1.0}, "incorrect", "pass")
