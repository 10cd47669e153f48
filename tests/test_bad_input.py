"""A corpus of bad input walked through both front doors, `warmgate run` and pytest with the
plugin (issue 17): each case must end in a one-line error naming what and where (exit 2 from
the CLI, pytest's usage error from pytest), or in the verdict the input deserves; never a
traceback, a hang, or exit 1 without a FAIL. The backend is a scripted stand-in (errors here
come before generation); the cases that need a loaded model are in test_bad_input_models.py.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pandas.io.parquet import get_engine

from warmgate.cli import main
from warmgate.run import Run

get_engine("auto")  # pytester's in-process runs drop modules first imported inside them

BACKEND = "test_bad_input:FakeBackend"
BASE_TABLE = {"backend": BACKEND, "baselines": "off", "cache": "off", "suites": ["toy.jsonl"],
              "contexts": ["unmodified"], "beliefs": ["original"], "liveness_probes": 0,
              "report": "rep"}


class FakeBackend:
    """Answers toy items ("What is item 7?") right for both roles: plumbing, never evidence."""

    name = "fake"

    def __init__(self, variants, decoding, **options) -> None:
        self.variants = variants

    def generate(self, role, messages, progress=None):
        if progress:
            progress(len(messages))
        return [f"right{m.group(1)}" if (m := re.search(r"item (\d+)", msg)) else "no idea"
                for msg in messages]

    def provenance(self, role):
        return {"backend": self.name, "model_fingerprint": "fake"}


def row(i: int = 0, **kw) -> dict:
    return {"id": f"t-{i}", "question": f"What is item {i}?", "answer": f"right{i}",
            "incorrect_answer": f"wrong{i}", "answer_type": "short", **kw}


def jsonl(*rows: dict) -> str:
    return "\n".join(json.dumps(r) for r in rows) + "\n"


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


@dataclass
class Case:
    """One bad input: table changes (None deletes a key), files to write (bytes, text, or a
    callable making the path), flags (CLI spelling), the message fragment, the exit codes."""

    id: str
    table: dict = field(default_factory=dict)
    files: dict[str, str | bytes | Callable[[Path], None]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    fragment: str = ""
    cli_rc: int = 2
    pytest_rc: int = pytest.ExitCode.USAGE_ERROR
    pyproject: str | None = None  # the whole file, for cases about its shape
    env: dict[str, str] = field(default_factory=dict)
    absent: str = ""  # a text that must not appear anywhere in the output (a secret)

    def write(self, folder: Path) -> None:
        files = {"toy.jsonl": jsonl(*(row(i) for i in range(4))), **self.files}
        for name, content in files.items():
            p = folder / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content(p)
            elif isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content)
        table = {k: v for k, v in {**BASE_TABLE, **self.table}.items() if v is not None}
        text = self.pyproject if self.pyproject is not None else "[tool.warmgate]\n" + "".join(
            f"{k} = {toml_value(v)}\n" for k, v in table.items())
        (folder / "pyproject.toml").write_text(text)


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _loop(p: Path) -> None:
    os.symlink(p.name + ".b", p)
    os.symlink(p.name, str(p) + ".b")


def _statements(p: Path, incorrect: str) -> None:
    """The built-in statement set with another `incorrect` belief template."""
    import yaml

    from warmgate.framings import load_statements

    s = load_statements()
    beliefs = {**s.beliefs, "incorrect": incorrect}
    p.write_text(yaml.safe_dump({"name": "st", "contexts": {k: list(v) for k, v in
                                                            s.contexts.items()},
                                 "beliefs": beliefs}))


MC = {"answer_type": "multiple_choice", "answer": "A", "options": {"A": "apple", "B": "stone"}}
CORPUS = [
    # settings: one validation layer, the same on both doors (items 3, 4, 5, 10, 12)
    Case("threshold-nan", {"threshold": math.nan},
         fragment="threshold must be a number between 0 and 100, got nan"),
    Case("threshold-inf-flag", flags=["--threshold", "inf"],
         fragment="threshold must be a number between 0 and 100, got 'inf'"),
    Case("threshold-text", {"threshold": "strict"}, fragment="threshold must be a number"),
    Case("thresholds-string", {"thresholds": "strict"}, fragment="thresholds: expected KEY=PP"),
    Case("thresholds-not-number", {"thresholds": {"unmodified": "x"}},
         fragment="thresholds.unmodified must be a number"),
    Case("thresholds-typo", {"thresholds": {"unmodifed/incorrect": 2}},
         fragment="thresholds key 'unmodifed/incorrect' names no framing"),
    Case("thresholds-unknown-context", {"thresholds": {"emotion:bored": 2}},
         fragment="thresholds key 'emotion:bored'"),
    Case("contexts-empty", {"contexts": []}, fragment="contexts is empty"),
    Case("contexts-comma-flag", flags=["--contexts", ","], fragment="contexts is empty"),
    Case("beliefs-empty", {"beliefs": []}, fragment="beliefs is empty"),
    Case("suites-empty", {"suites": []}, fragment="suites is empty"),
    Case("suites-number", {"suites": 5}, fragment="suites must be a list of names"),
    Case("contexts-unknown", {"contexts": ["emotion:bored"]}, fragment="unknown context 'emotion:bored'"),
    Case("contexts-twice", {"contexts": ["unmodified", "unmodified"]}, fragment="contexts named twice"),
    Case("max-new-tokens-text", {"max_new_tokens": "many"},
         fragment="max_new_tokens must be a whole number >= 1"),
    Case("max-new-tokens-negative", {"max_new_tokens": -4},
         fragment="max_new_tokens must be a whole number >= 1"),
    Case("max-new-tokens-zero", {"max_new_tokens": 0}, fragment="max_new_tokens must be a whole number >= 1"),
    Case("items-bool", {"items": True}, fragment="items must be a whole number >= 1 or 'study', got True"),
    Case("items-fraction", {"items": 2.7}, fragment="items must be a whole number >= 1 or 'study', got 2.7"),
    Case("items-bool-flag", flags=["--items", "true"],
         fragment="items must be a whole number >= 1 or 'study', got 'true'"),
    Case("items-fraction-flag", flags=["--items", "2.7"],
         fragment="items must be a whole number >= 1 or 'study', got '2.7'"),
    Case("alpha-out-of-range", {"alpha": 1.5}, fragment="alpha must be a number between 0 and 0.5"),
    Case("early-stopping-negative", {"early_stopping": -1},
         fragment="early_stopping must be a whole number >= 0"),
    Case("inconclusive-unknown", {"inconclusive": "maybe"}, fragment="unknown inconclusive policy 'maybe'"),
    Case("unknown-key", {"treshold": 3}, fragment="unknown key(s) treshold"),
    Case("tool-warmgate-string", pyproject='[tool]\nwarmgate = "on"\n',
         fragment="[tool.warmgate] must be a table of settings, got str 'on'"),
    Case("secret-in-options", {"backend_options": {"api_key": "sk-1"}},
         fragment="backend_options.api_key looks like a secret"),
    Case("credentials-in-base-url",
         {"backend": "openai", "backend_options": {"base_url": "http://me:pw@127.0.0.1:9/v1"}},
         fragment="base_url holds credentials"),
    # suites: identity, content, files that would hang (items 7, 8, 9, 10, 12)
    Case("same-stem-two-files", {"suites": ["a/toy.jsonl", "b/toy.jsonl"]},
         {"a/toy.jsonl": jsonl(row(1)), "b/toy.jsonl": jsonl(row(2))},
         fragment="are both named 'toy'"),
    Case("suite-listed-twice", {"suites": ["toy.jsonl", "toy.jsonl"]},
         fragment="toy.jsonl' twice; give each suite once"),
    Case("builtin-and-file-one-name", {"suites": ["factual", "f/factual.jsonl"]},
         {"f/factual.jsonl": jsonl(row())},
         fragment="are both named 'factual'"),
    Case("yes-no-maybe", files={"toy.jsonl": jsonl(row(answer="maybe", answer_type="yes_no"))},
         fragment="toy.jsonl:1: a yes_no item's 'answer' must be \"yes\" or \"no\""),
    Case("incorrect-is-answer", files={"toy.jsonl": jsonl(row(), row(1, incorrect_answer="Right1."))},
         fragment="toy.jsonl:2: 'incorrect_answer' 'Right1.' is the answer"),
    Case("incorrect-is-alias", files={"toy.jsonl": jsonl(row(aliases=["r0"], incorrect_answer="r0"))},
         fragment="toy.jsonl:1: 'incorrect_answer' 'r0' is the answer (or one of its aliases)"),
    Case("mc-incorrect-not-option", files={"toy.jsonl": jsonl(row(**MC, incorrect_answer="E"))},
         fragment="toy.jsonl:1: a multiple_choice item's 'incorrect_answer' must name one of its "
         "option letters (A, B)"),
    Case("mc-without-options", files={"toy.jsonl": jsonl(row(answer="A", answer_type="multiple_choice"))},
         fragment="toy.jsonl:1: a multiple_choice item needs 'options'"),
    Case("options-on-short-item", files={"toy.jsonl": jsonl(row(options={"A": "x"}))},
         fragment="toy.jsonl:1: 'options' is only for answer_type"),
    Case("integer-id", files={"toy.jsonl": jsonl(row(), {**row(1), "id": 7})},
         fragment="toy.jsonl:2: field 'id' must be a string, got int 7"),
    Case("bad-json-line", files={"toy.jsonl": jsonl(row()) + "{oops\n"}, fragment="toy.jsonl:2: bad JSON"),
    Case("duplicate-id", files={"toy.jsonl": jsonl(row(), row())},
         fragment="toy.jsonl:2: duplicate id 't-0' (first on line 1)"),
    Case("not-utf8", files={"toy.jsonl": jsonl(row()).encode() + b'{"id": "caf\xe9"}\n'},
         fragment="toy.jsonl:2: not UTF-8 (byte 0xe9"),
    Case("empty-suite", files={"toy.jsonl": "\n\n"}, fragment="toy.jsonl: the suite has no items"),
    Case("fifo-suite", {"suites": ["pipe.jsonl"]}, {"pipe.jsonl": _fifo},
         fragment="pipe.jsonl is not a regular file"),
    Case("folder-suite", {"suites": ["dir.jsonl"]}, {"dir.jsonl/x": "x"}, fragment="dir.jsonl is a folder"),
    Case("folder-suite-no-suffix", {"suites": ["dir"]}, {"dir/x": "x"},
         fragment="dir' is a folder; name a .jsonl file in it"),
    Case("symlink-loop", {"suites": ["loop.jsonl"]}, {"loop.jsonl": _loop},
         fragment="loop.jsonl: symlink loop"),
    Case("missing-suite-file", {"suites": ["nothere.jsonl"]}, fragment="suite file not found: nothere.jsonl"),
    Case("unknown-suite-name", {"suites": ["nosuch"]}, fragment="unknown suite 'nosuch'"),
    # statement sets (item 10)
    Case("statements-unknown-placeholder", {"statements": "st.yaml"},
         {"st.yaml": lambda p: _statements(p, "{question} I think it is {wrong_answer}.")},
         fragment="st.yaml: beliefs.incorrect: unknown placeholder(s) wrong_answer"),
    Case("statements-without-question", {"statements": "st.yaml"},
         {"st.yaml": lambda p: _statements(p, "I think it is {incorrect_answer}.")},
         fragment="st.yaml: beliefs.incorrect: the template"),
    Case("statements-missing", {"statements": "nothere.yaml"},
         fragment="statement set 'nothere.yaml' not found"),
    # models and adapters found wrong before anything loads (items 10, 12)
    Case("base-folder-missing", {"backend": "transformers", "base": "models/base"}, {"models/README": "x"},
         fragment="model folder not found: models/base does not exist"),
    Case("base-dot-path-missing", {"backend": "transformers", "base": "./nothere"},
         fragment="model folder not found: ./nothere"),
    Case("adapter-without-config", {"backend": "transformers", "base": "m", "candidate": {"adapter": "ad"}},
         {"m/config.json": "{}", "ad/x": "x"},
         fragment="no adapter_config.json"),
    Case("adapter-config-corrupt", {"backend": "transformers", "base": "m", "candidate": {"adapter": "ad"}},
         {"m/config.json": "{}", "ad/adapter_config.json": '{"peft_type": '},
         fragment="adapter_config.json: not a valid adapter config"),
    # inputs that are fine: the verdict they deserve (both roles answer right: PASS, exit 0)
    Case("same-id-in-two-suites",
         {"suites": ["toy.jsonl", "other.jsonl"], "thresholds": {"unmodified": 30.0}},
         {"toy.jsonl": jsonl(*(row(i) for i in range(20))),
          "other.jsonl": jsonl(*(row(i) for i in range(20)))},
         fragment="PASS", cli_rc=0, pytest_rc=0),
    Case("mc-options-shown", {"items": None, "thresholds": {"unmodified": 30.0},
                              "unsure": "incorrect"},  # its replies are all unsure
         {"toy.jsonl": jsonl(*(row(i, **MC, incorrect_answer="B") for i in range(20)))},
         fragment="PASS", cli_rc=0, pytest_rc=0),
]


def _check_output(case: Case, out: str) -> None:
    assert case.fragment in out, out[-3000:]
    assert not case.absent or case.absent not in out, out[-3000:]
    assert "Traceback" not in out and "INTERNALERROR" not in out, out[-3000:]


def through_cli(case: Case, folder: Path, monkeypatch, capsys) -> None:
    """`warmgate run` in `folder` with the case written there: exit code and message."""
    case.write(folder)
    monkeypatch.chdir(folder)
    for k, v in {"HF_HUB_OFFLINE": "1", **case.env}.items():
        monkeypatch.setenv(k, v)
    rc = main(["run", "--no-progress", *case.flags])
    out = capsys.readouterr()
    _check_output(case, out.out + out.err)
    assert rc == case.cli_rc, out.out + out.err
    if rc == 2:
        assert len(out.err.strip().splitlines()) == 1, out.err  # one line, no noise


def through_pytest(case: Case, pytester, monkeypatch) -> None:
    """pytest with the plugin in a project holding the case: exit code and message."""
    case.write(pytester.path)
    for k, v in {"HF_HUB_OFFLINE": "1", **case.env}.items():
        monkeypatch.setenv(k, v)
    flags = [f"--warmgate-{f[2:]}" if f.startswith("--") else f for f in case.flags]
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *flags)
    _check_output(case, result.stdout.str() + result.stderr.str())
    assert result.ret == case.pytest_rc, result.stdout.str()[-2000:]


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_warmgate_run(case: Case, tmp_path, monkeypatch, capsys) -> None:
    through_cli(case, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_pytest_plugin(case: Case, pytester, monkeypatch) -> None:
    through_pytest(case, pytester, monkeypatch)


def test_the_corpus_is_large_enough_and_names_each_case_once() -> None:
    assert len(CORPUS) >= 40 and len({c.id for c in CORPUS}) == len(CORPUS)


def test_multiple_choice_options_are_in_the_prompt(tmp_path) -> None:
    from warmgate.config.merge import from_mapping

    (tmp_path / "mc.jsonl").write_text(jsonl(row(**MC, incorrect_answer="B")))
    cfg = from_mapping({**BASE_TABLE, "suites": [str(tmp_path / "mc.jsonl")],
                        "beliefs": ["incorrect"]})
    assert Run(cfg).jobs[0].prompt == "What is item 0? I think the answer is B.\nA. apple\nB. stone"
