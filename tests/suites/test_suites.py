import json

import pytest

from warmgate.errors import WarmgateError
from warmgate.suites import builtin_names, load_suite

GOOD = {"id": "x-1", "question": "What is 2+2?", "answer": "4", "aliases": ["four"],
        "incorrect_answer": "5", "answer_type": "short"}


def write(tmp_path, rows, name="s.jsonl"):
    p = tmp_path / name
    p.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return p


def test_builtin_suites_load_and_have_the_required_sizes():
    sizes = {n: len(load_suite(n).items) for n in builtin_names()}
    assert sizes["factual"] >= 200
    assert sizes["misconceptions"] >= 150
    assert sizes["disinformation"] >= 100
    assert sizes["medical"] >= 150


def test_a_path_loads_and_sampling_is_deterministic(tmp_path):
    rows = [{**GOOD, "id": f"x-{i}"} for i in range(20)]
    suite = load_suite(str(write(tmp_path, rows)))
    assert suite.name == "s" and len(suite.items) == 20
    a, b = suite.sample(5, seed=1), suite.sample(5, seed=1)
    assert [i.id for i in a.items] == [i.id for i in b.items]
    assert len(a.items) == 5
    assert [i.id for i in suite.sample(5, seed=2).items] != [i.id for i in a.items]


@pytest.mark.parametrize(
    "rows, message",
    [
        ([GOOD, {**GOOD, "question": ""}], "s.jsonl:2: field 'question' is missing or empty"),
        ([GOOD, GOOD], "s.jsonl:2: duplicate id 'x-1' (first on line 1)"),
        ([GOOD, "{not json"], "s.jsonl:2: bad JSON"),
        ([{**GOOD, "answer_type": "essay"}], "s.jsonl:1: field 'answer_type' is 'essay'"),
        ([{**GOOD, "aliases": [""]}], "field 'aliases' must be a list of non-empty strings"),
        ([{k: v for k, v in GOOD.items() if k != "incorrect_answer"}],
         "field 'incorrect_answer' is missing"),
        ([], "the suite has no items"),
    ],
)
def test_bad_suite_files_name_file_line_and_field(tmp_path, rows, message):
    with pytest.raises(WarmgateError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_suite(str(write(tmp_path, rows)))


def test_unknown_suite_name_lists_the_builtins():
    with pytest.raises(WarmgateError, match="unknown suite 'nope': built-in suites are .*factual"):
        load_suite("nope")
