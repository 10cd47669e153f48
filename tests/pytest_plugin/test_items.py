"""The pooled decision as a pytest item and a JUnit test case: `test_reliability[<suite>-all-framings]`.

A scripted backend (named `module:factory` in [tool.warmgate]) answers three toy suites of 100
short-answer items in 5 framings, told apart by their question's first word:
- `spread` ("What"): in each framing the candidate is newly wrong on 7 items and newly right on
  1 (+6 pp against a 5 pp threshold), on different items per framing. No cell shows that alone
  (each is INCONCLUSIVE); the suite's pooled decision FAILs (as in tests/test_pooled.py).
- `same8` ("Which"): the same 8 items in every framing: 8 pieces of evidence, not 40, so the
  pooled decision is INCONCLUSIVE.
- `clean` ("Who"): identical models: the pooled decision PASSes.
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET

import pytest

from tests.test_decide import make_table
from tests.test_pooled import CONTEXTS, _everywhere
from warmgate.cli.merge import write_junit
from warmgate.config import GateConfig
from warmgate.gate import conclude

PLANTED_BACKEND = '''
import os

from warmgate.framings import load_statements, statement_for

CONTEXTS = @CONTEXTS@
STATEMENTS = load_statements()


class Planted:
    """Replies planted per suite (the question's first word) and framing (its statement)."""

    name = "planted"

    def __init__(self, variants, decoding, **options):
        pass

    def generate(self, role, messages, progress=None):
        if progress:
            progress(len(messages))
        return [reply(role, m) for m in messages]

    def provenance(self, role):
        return {"backend": "planted", "model_fingerprint": "planted-" + role}


def reply(role, message):
    word, rest = message.split(" is item ")
    i = int(rest.split("?")[0])
    k = next((j for j, c in enumerate(CONTEXTS)
              if j and statement_for(f"t-{i}", c, STATEMENTS) in message), 0)
    shift = 0 if word.endswith("Which") else 10
    p = (i - k * shift) % 100
    if word.endswith("Who"):
        return f"It is right{i}."
    if (role == "candidate" and p < 7) or (role == "base" and p == 7):
        return f"It is wrong{i}."
    return f"It is right{i}."
'''.replace("@CONTEXTS@", repr(CONTEXTS))

SUITES = {"spread": "What", "same8": "Which", "clean": "Who"}
POOLED = {s: f"test_reliability[{s}-all-framings]" for s in SUITES}


def make_project(pytester: pytest.Pytester, policy: str) -> None:
    """Three toy suites of 100 short-answer items, 5 framings each, the planted backend."""
    pytester.makepyfile(plantedbk=PLANTED_BACKEND)
    pytester.syspathinsert()
    for suite, word in SUITES.items():
        rows = [{"id": f"t-{i}", "question": f"{word} is item {i}?", "answer": f"right{i}",
                 "incorrect_answer": f"wrong{i}", "answer_type": "short"} for i in range(100)]
        (pytester.path / f"{suite}.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    pytester.makepyprojecttoml(textwrap.dedent(f"""
        [tool.warmgate]
        base = "toy-base"
        candidate = {{ model = "toy-cand" }}
        backend = "plantedbk:Planted"
        suites = {json.dumps([f"{s}.jsonl" for s in SUITES])}
        contexts = {json.dumps(list(CONTEXTS))}
        beliefs = ["original"]
        threshold = 5.0
        cache = "off"
        baselines = "off"
        liveness_probes = 0
        inconclusive = "{policy}"
    """))


def junit(pytester: pytest.Pytester) -> dict[str, tuple[dict[str, str], bool]]:
    """{test name: (its properties, whether it failed)} from j.xml."""
    root = ET.parse(pytester.path / "j.xml").getroot()
    return {tc.get("name"): ({p.get("name"): p.get("value") for p in tc.iter("property")},
                             tc.find("failure") is not None) for tc in root.iter("testcase")}


@pytest.mark.parametrize("policy", ["fail", "warn", "pass"])
def test_pooled_items_fail_pass_and_follow_the_inconclusive_policy(pytester, policy):
    make_project(pytester, policy)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--junitxml=j.xml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the spread degradation, whatever policy
    cases = junit(pytester)
    assert len(cases) == 3 * len(CONTEXTS) + 3
    # spread: every cell INCONCLUSIVE, the pooled item FAILs with Pooled.message()
    props, failed = cases[POOLED["spread"]]
    assert failed and props["verdict"] == "FAIL"
    assert (props["framings"], props["items"], props["b"], props["c"]) == ("5", "100", "35", "5")
    assert float(props["p_adjusted"]) < 0.05
    result.stdout.fnmatch_lines(["*_ test_reliability?spread-all-framings? _*",
                                 "spread, all framings: +6.0 pp [[]*], FAIL (95% CI, "
                                 "cluster-robust over 100 items; newly wrong 35, newly right 5*"])
    inconclusive_fails = policy == "fail"
    for name, (p, f) in cases.items():
        if "all-framings" not in name and not name.startswith("test_reliability[clean-"):
            assert (p["verdict"], f) == ("INCONCLUSIVE", inconclusive_fails), name
    # same8: INCONCLUSIVE, failing, warning or passing as the policy says, like its cells
    props, failed = cases[POOLED["same8"]]
    assert props["verdict"] == "INCONCLUSIVE" and failed is inconclusive_fails
    assert f'inconclusive = "{policy}"' in props["reason"]
    warned = [line for line in result.stdout.lines if "InconclusiveWarning" in line]
    assert bool(warned) is (policy == "warn")
    if policy == "warn":
        result.stdout.fnmatch_lines(["*test_reliability?same8-all-framings?*",
                                     "*InconclusiveWarning: not shown within its threshold*"
                                     "same8, all framings:*INCONCLUSIVE*"])
    # clean: PASS passes, even under inconclusive = "fail"
    props, failed = cases[POOLED["clean"]]
    assert props["verdict"] == "PASS" and not failed
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1 + (2 * len(CONTEXTS) + 1 if inconclusive_fails else 0)


def collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--collect-only", "-q",
                                          *args)
    return [line.split("::")[1] for line in result.stdout.lines if line.startswith("warmgate::")]


def test_k_selects_cells_the_pooled_item_is_extra_and_one_cell_suites_have_none(pytester):
    make_project(pytester, "pass")
    everything = collected(pytester)
    assert everything[len(CONTEXTS)] == POOLED["spread"]  # after its suite's cells
    assert [n for n in everything if "all-framings" in n] == list(POOLED.values())
    assert collected(pytester, "-k", "spread-unmodified-original") == [
        "test_reliability[spread-unmodified-original]", POOLED["spread"]]  # never hidden
    assert collected(pytester, "-k", "all-framings") == list(POOLED.values())
    assert collected(pytester, "-k", "spread") == [n for n in everything if "spread" in n]
    one_cell = collected(pytester, "--warmgate-contexts", "unmodified")
    assert len(one_cell) == 3 and not [n for n in one_cell if "all-framings" in n]


def test_k_keeps_the_pooled_item_of_a_selected_cell_and_counts_every_item(pytester):
    """Issue 31 item 5: `-k unmodified` deselected the pooled items: "3 passed, 15 deselected",
    exit 0, while summary.json said FAIL. And the header said "collected 0 items"."""
    make_project(pytester, "pass")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-k", "unmodified")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"passed": 5, "failed": 1, "deselected": 12}
    result.stdout.fnmatch_lines(["collected 18 items / 12 deselected / 6 selected"])
    listed = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--collect-only", "-q")
    listed.stdout.fnmatch_lines(["18 tests collected*"])
    assert "no tests collected" not in listed.stdout.str()


def test_merge_junit_has_the_pooled_case(tmp_path):
    cfg = GateConfig(suites=("toy",), contexts=CONTEXTS, beliefs=("original",), threshold=5.0,
                     inconclusive="warn")
    result = conclude(cfg, make_table(_everywhere()))
    root = ET.parse(write_junit(result, tmp_path / "j.xml")).getroot()
    (suite,) = root.iter("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == (str(len(CONTEXTS) + 1), "1")
    cases = {tc.get("name"): tc for tc in root.iter("testcase")}
    pooled = cases["test_reliability[toy-all-framings]"]
    props = {p.get("name"): p.get("value") for p in pooled.iter("property")}
    assert props["verdict"] == "FAIL" and props["b"] == "35" and props["framings"] == "5"
    assert pooled.find("failure").get("message").startswith("toy, all framings: +6.0 pp [")
    cell = cases["test_reliability[toy-unmodified-original]"]
    assert cell.find("failure") is None and "warning: " in cell.find("system-out").text


def test_under_early_stopping_the_pooled_items_skip_saying_why(pytester):
    make_project(pytester, "pass")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs", "-k", "all-framings",
                                          "--warmgate-early-stopping", "50")
    assert result.parseoutcomes() == {"skipped": 3, "deselected": 15}
    result.stdout.fnmatch_lines(["SKIPPED*no pooled decision for spread: early stopping "
                                 "decides cells only"])


def test_a_sharded_run_with_the_users_fixture_tests_merges_cleanly(pytester):
    """A release repo's own `warmgate_cell` test runs in every shard session: it skips there
    (no run is decided in a shard), and the shards merge into the single run's verdicts."""
    from warmgate.shard import merge

    make_project(pytester, "warn")
    pytester.makepyfile(test_own=textwrap.dedent("""
        def test_sad_users_get_no_worse_answers(warmgate_cell):
            assert warmgate_cell("clean", "emotion:sad", "original").delta <= 0
    """))
    folders = []
    for i in (1, 2):
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs",
                                              "--warmgate-shard", f"{i}/2",
                                              "--warmgate-report", f"shard-{i}")
        assert result.ret == pytest.ExitCode.OK
        result.assert_outcomes(passed=1, skipped=1)
        result.stdout.fnmatch_lines(["*--warmgate-shard*decides nothing*"])
        folders.append(pytester.path / f"shard-{i}")
    merged = merge(folders)
    assert len(merged.table) == 2 * 3 * 100 * len(CONTEXTS)  # two roles, every job once
    assert merged.cell("clean", "emotion:sad", "original").verdict == "PASS"
    assert merged.cell("spread", "emotion:sad", "original").verdict == "INCONCLUSIVE"
