"""Every [tool.warmgate] field can be set by a --warmgate-* option."""

from __future__ import annotations

import json
import textwrap

import pytest

DUMP_TEST = '''
import json
from dataclasses import asdict


def test_dump(warmgate_config, pytestconfig):
    out = pytestconfig.rootpath / "cfg.json"
    out.write_text(json.dumps(asdict(warmgate_config), default=str))
'''


def dumped(pytester, *args):
    pytester.makepyfile(test_dump=DUMP_TEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "test_dump", *args)
    assert result.ret == 0, result.stdout.str()
    return json.loads((pytester.path / "cfg.json").read_text())


def test_every_option_overrides_the_table(pytester):
    pytester.makepyprojecttoml(textwrap.dedent("""
        [tool.warmgate]
        base = "embedded"
        suites = ["factual"]
        contexts = ["unmodified"]
        items = 10
        thresholds = { "emotion:sad" = 3.0 }
    """))
    cfg = dumped(
        pytester, "--warmgate-base", "my/base", "--warmgate-candidate", "adapter=adapters/warm",
        "--warmgate-backend", "pkg.mod:factory", "--warmgate-suites", "factual,medical",
        "--warmgate-contexts", "unmodified,emotion:sad", "--warmgate-beliefs", "incorrect",
        "--warmgate-items", "7", "--warmgate-seed", "3", "--warmgate-threshold", "4",
        "--warmgate-thresholds", "incorrect=2,emotion:sad/incorrect=1.5",
        "--warmgate-alpha", "0.01", "--warmgate-max-new-tokens", "16",
        "--warmgate-batch-size", "8", "--warmgate-baselines", "off", "--warmgate-report",
        "out/rep", "--warmgate-cache", "off", "--warmgate-liveness-probes", "0",
        "--warmgate-statements", "warmgate-v1")
    assert cfg["base"]["model"] == "my/base"
    assert cfg["candidate"] == {"model": "my/base", "adapter": "adapters/warm", "persona": None}
    assert cfg["backend"] == "pkg.mod:factory"
    assert cfg["suites"] == ["factual", "medical"]
    assert cfg["contexts"] == ["unmodified", "emotion:sad"] and cfg["beliefs"] == ["incorrect"]
    assert (cfg["items"], cfg["seed"], cfg["threshold"], cfg["alpha"]) == (7, 3, 4.0, 0.01)
    # merged over the table's thresholds, not replacing them
    assert cfg["thresholds"] == {"emotion:sad": 3.0, "incorrect": 2.0,
                                 "emotion:sad/incorrect": 1.5}
    assert cfg["decoding"]["max_new_tokens"] == 16 and cfg["batch_size"] == 8
    assert (cfg["baselines"], cfg["cache"], cfg["liveness_probes"]) == ("off", "off", 0)
    assert cfg["report"].endswith("out/rep")


def test_a_base_option_turns_the_gate_on_without_a_table(pytester):
    cfg = dumped(pytester, "--warmgate-base", "embedded", "--warmgate-candidate",
                 "persona=warm", "--warmgate-items", "2")
    assert cfg["base"]["model"] == "embedded" and cfg["candidate"]["persona"]
    assert cfg["items"] == 2


@pytest.mark.parametrize("args,expected", [
    (["--warmgate-contexts", "emotion:gloomy"], "unknown context 'emotion:gloomy'"),
    (["--warmgate-thresholds", "sad"], "--warmgate-thresholds: expected KEY=PP"),
    (["--warmgate-alpha", "2"], "alpha must be a number between 0 and 0.5"),
    (["--warmgate-shard", "5/4"], "shard 5/4 out of range"),
])
def test_bad_options_are_usage_errors_naming_the_option(pytester, args, expected):
    pytester.makepyprojecttoml('[tool.warmgate]\nbase = "embedded"\n')
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert expected in result.stderr.str()


def test_no_table_and_no_option_collects_nothing(pytester):
    pytester.makepyfile(test_x="def test_x():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "test_reliability" not in result.stdout.str()
