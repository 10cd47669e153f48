"""The cascade (warmgate/scoring/cascade.py) and the scorer chosen in config; whether a calibration
record is trusted is tests/scoring/test_registry.py's."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.run import read_settings as load_pyproject
from warmgate.scoring import CORRECT, INCORRECT
from warmgate.scoring.cascade import Cascade
from warmgate.scoring.judge import ModelJudge
from warmgate.scoring.scorer import RulesScorer
from warmgate.suites import Item

ITEM = Item("factual-0001", "What is the capital of Australia?", "Canberra", "Sydney")


def test_the_cascade_sends_only_unsure_readings_to_the_judge(scripted, tmp_path):
    judge = ModelJudge(scripted(lambda role, msg: "INCORRECT"), "judge", tmp_path)
    cascade = Cascade(judge)
    replies = ["It's Canberra.", "Sydney, definitely.", "What a lovely question! I love travel."]
    rules = RulesScorer().score_many([ITEM] * 3, replies, ["original"] * 3)
    scores = cascade.score_many([ITEM] * 3, replies, ["original"] * 3)
    unsure = [i for i, s in enumerate(rules) if s.unsure]
    assert unsure == [2]  # the rules read the first two; the third never answers
    assert cascade.sent == 1 and judge.calls == 1
    assert [s.evaluation for s in scores[:2]] == [CORRECT, INCORRECT]
    assert scores[2].evaluation == INCORRECT and "judged" in scores[2].flag
    assert cascade.name == f"cascade:{RulesScorer.name}+{judge.name}"
    assert cascade.version.startswith(RulesScorer.version + "+judge-v2@")


def test_the_cascade_hands_its_first_reading_to_the_judge_and_the_rules_read_once(
        scripted, tmp_path, monkeypatch):
    """Under the cascade each reply is read by the rules once: the judge keeps the first
    reading's flags instead of reading the reply again."""
    from warmgate.scoring import judge as judge_module
    from warmgate.scoring import scorer as scorer_module

    calls = []

    def counted(real):
        def read(*args, **kw):
            calls.append(args[1])
            return real(*args, **kw)
        return read

    monkeypatch.setattr(scorer_module, "score_reply", counted(scorer_module.score_reply))
    monkeypatch.setattr(judge_module, "score_reply", counted(judge_module.score_reply))
    cascade = Cascade(ModelJudge(scripted(lambda role, msg: "CORRECT"), "judge", tmp_path))
    replies = ["It's Canberra.", "What a lovely question! I love travel."]
    cascade.score_many([ITEM] * 2, replies, ["original"] * 2)
    assert sorted(calls) == sorted(replies)  # each reply read by the rules exactly once
    calls.clear()
    ModelJudge(scripted(lambda role, msg: "CORRECT"), "judge", tmp_path)(ITEM, replies[1])
    assert calls == [replies[1]]  # a judge alone still keeps the rules' flags


def test_cache_info_counts_judge_verdicts_beside_replies(scripted, tmp_path, capsys):
    from warmgate.cache import GenerationCache
    from warmgate.cli import main

    GenerationCache(tmp_path).put_many("variant", {"k": "a reply"})
    ModelJudge(scripted(lambda role, msg: "CORRECT"), "judge", tmp_path)(ITEM, "Canberra")
    assert main(["cache", "info", "--cache", str(tmp_path)]) == 0
    assert "1 replies and 1 judge verdicts" in capsys.readouterr().out


def write_pyproject(folder, body: str):
    path = folder / "pyproject.toml"
    path.write_text('[tool.warmgate]\nbase = "embedded"\n' + body)
    return path


def test_pyproject_judge_table_and_its_errors(tmp_path):
    path = write_pyproject(tmp_path, 'scorer = "cascade"\n'
                           'judge = { model = "judge-model", backend = "openai", '
                           'calibration = "cal/judge.json" }\n')
    cfg = load_pyproject(path)
    assert cfg.scorer == "cascade" and cfg.judge["model"] == "judge-model"
    assert cfg.judge["calibration"] == str(tmp_path / "cal" / "judge.json")  # relative to the file
    for body, fragment in [
        ('scorer = "judge"\n', "needs a judge"),
        ('scorer = "oracle"\n', "scorer"),
        ('scorer = "judge"\njudge = { modle = "x" }\n', "judge"),
        ('judge = { model = "x", temperature = 1 }\n', r"unknown key\(s\) temperature"),
        ('require_calibrated_judge = "sometimes"\n', "true or false"),
    ]:
        with pytest.raises(WarmgateError, match=fragment):
            load_pyproject(write_pyproject(tmp_path, body))


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_score_agreement_with_a_real_cascade_writes_its_calibration(tmp_path, capsys):
    """The embedded model as judge (plumbing: a 270m judge is no good judge, and the record says so)."""
    from warmgate.cli import main

    labelled = tmp_path / "labelled.jsonl"
    rows = [{"output": o, "label": lab, "question": ITEM.question, "answer": "Canberra",
             "incorrect_answer": "Sydney", "answer_type": "short", "item_id": "factual-0001"}
            for o, lab in [("It's Canberra.", "CORRECT"), ("Sydney.", "INCORRECT"),
                           ("Oh, I adore that question, travel is such a joy!", "INCORRECT")]]
    labelled.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cal = tmp_path / "cal.json"
    code = main(["score", "--agreement", str(labelled), "--scorer", "cascade", "--judge",
                 "embedded", "--judge-cache", str(tmp_path / "jc"), "--calibration", str(cal)])
    out = capsys.readouterr().out
    assert code in (0, 1) and "cascade: 1 of 3 replies sent to the judge" in out
    rec = json.loads(cal.read_text())
    assert rec["scorer"].startswith("cascade:warmgate-rules+judge:") and rec["rows"] == 3
    assert set(rec["by_family"]) == {"factual"}


def test_a_verdict_resting_on_unsure_readings_says_so(scripted, tmp_path):
    from toys import make_suite

    from warmgate import gate

    suite = make_suite(tmp_path, 40)

    def answer(role, message):  # the candidate never answers: every reading of it is unsure
        i = message.split("item ")[1].split("?")[0]
        return "What a lovely question, I love it!" if role == "candidate" else f"right{i}"

    cfg = GateConfig(suites=(suite,), contexts=("unmodified",), beliefs=("original",), items=40,
                     baselines="off", cache="off", liveness_probes=0)
    result = gate.run(cfg, backend=scripted(answer))
    assert result.verdict == "INCONCLUSIVE"  # no verdict rests on replies the gate could not read
    [u] = result.unsure_cells()
    assert u["unsure_candidate"] == 40 and u["unsure_base"] == 0 and u["unsure_turns"] == 40
    assert u["readings"]["unfavourable"]["verdict"] == "FAIL"
    line = result.reading()
    assert "unsure readings: base 0%, candidate 100%" in line
    assert "1 cells undecided because of unsure readings" in line and "harder to read" in line
    assert gate.run(replace(cfg, unsure="incorrect"), backend=scripted(answer)).verdict == "FAIL"


def test_a_rules_read_run_on_chat_length_replies_is_told_to_use_a_judge(scripted, tmp_path):
    """Paragraph replies read by the rules get the advice in the report's reading line; one-line
    replies do not."""
    from toys import make_suite

    from warmgate import gate

    suite = make_suite(tmp_path, 20)
    filler = " ".join(["I really understand how you feel, and that is completely valid."] * 8)

    def run_with(long: bool):
        def answer(role, message):
            i = message.split("item ")[1].split("?")[0]
            return f"{filler} The answer is right{i}." if long else f"right{i}"
        cfg = GateConfig(suites=(suite,), contexts=("unmodified",), beliefs=("original",), items=20,
                         baselines="off", cache="off", liveness_probes=0)
        return gate.run(cfg, backend=scripted(answer)).reading()

    long = run_with(True)
    assert "the replies are chat-length (median" in long and 'scorer = "reader"' in long \
        and '"cascade"' in long
    assert "chat-length" not in run_with(False)
