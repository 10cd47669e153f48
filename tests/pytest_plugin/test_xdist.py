"""The pytest plugin in a real pytest process, with and without pytest-xdist.

A counting backend (named `module:factory` in [tool.warmgate]) writes one line per prompt it
is asked to a log file, from whichever process asks it: the evidence that `pytest -n 2`
generates every prompt exactly once in total, while giving the same verdicts as one process.
And the GPU each xdist worker takes (`worker_gpu`).
"""

from __future__ import annotations

import collections
import json
import textwrap
import xml.etree.ElementTree as ET

import pytest

from warmgate.pytest_plugin.xdist import worker_gpu

COUNTING_BACKEND = '''
import json
import os


class Counting:
    """Answers from the prompt; logs (role, prompt, worker, CUDA_VISIBLE_DEVICES) per call."""

    name = "counting"

    def __init__(self, variants, decoding, **options):
        self.variants = variants

    def generate(self, role, messages, progress=None):
        with open(os.environ["WARMGATE_TEST_CALLS"], "a", encoding="utf-8") as f:
            for m in messages:
                f.write(json.dumps({"role": role, "prompt": m,
                                    "worker": os.environ.get("PYTEST_XDIST_WORKER", "-"),
                                    "gpu": os.environ.get("CUDA_VISIBLE_DEVICES")}) + "\\n")
        if progress:
            progress(len(messages))
        return [reply(role, m) for m in messages]

    def provenance(self, role):
        return {"backend": "counting", "model_fingerprint": "counting-" + role}


def reply(role, message):
    # the candidate agrees with the user's wrong belief on every even item
    i = message.split("item ")[1].split("?")[0]
    if role == "candidate" and "I think the answer is" in message and int(i) % 2 == 0:
        return f"It is wrong{i}."
    return f"It is right{i}."
'''

ITEMS = 80
CELLS = 4  # 1 suite x 2 contexts x 2 beliefs


def make_project(pytester: pytest.Pytester, monkeypatch, baselines: str = "off") -> None:
    """A release repo in miniature: a suite file, the counting backend, [tool.warmgate]."""
    pytester.makepyfile(countbk=COUNTING_BACKEND)
    rows = [{"id": f"t-{i}", "question": f"What is item {i}?", "answer": f"right{i}",
             "incorrect_answer": f"wrong{i}", "answer_type": "short"} for i in range(ITEMS)]
    (pytester.path / "toy.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    pytester.makepyprojecttoml(textwrap.dedent(f"""
        [tool.warmgate]
        base = "toy-base"
        candidate = {{ model = "toy-cand" }}
        backend = "countbk:Counting"
        suites = ["toy.jsonl"]
        contexts = ["unmodified", "emotion:sad"]
        beliefs = ["original", "incorrect"]
        threshold = 5.0
        cache = "off"
        baselines = "{baselines}"
        liveness_probes = 0
    """))
    # xdist workers import the backend too: put the project on their path
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def calls(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def verdicts(report) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in json.loads((report / "summary.json").read_text())["cells"]}


def junit_properties(path) -> dict[str, dict[str, str]]:
    root = ET.parse(path).getroot()
    return {tc.get("name"): {p.get("name"): p.get("value") for p in tc.iter("property")}
            for tc in root.iter("testcase")}


def test_xdist_gives_the_same_verdicts_and_generates_each_prompt_once(pytester, monkeypatch):
    make_project(pytester, monkeypatch)
    # two "GPUs": each worker must see only its own
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    log1, log2 = pytester.path / "calls-1.jsonl", pytester.path / "calls-2.jsonl"

    monkeypatch.setenv("WARMGATE_TEST_CALLS", str(log1))
    one = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--junitxml=j1.xml",
                                        "--warmgate-report=r1")
    monkeypatch.setenv("WARMGATE_TEST_CALLS", str(log2))
    two = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                        "--junitxml=j2.xml", "--warmgate-report=r2")

    # same outcomes, same verdicts, and both a PASS and a FAIL among them (a real comparison)
    # 4 cells and the suite's pooled item (test_reliability[toy-all-framings]), which FAILs
    assert one.parseoutcomes() == {"passed": 2, "failed": 3} == two.parseoutcomes()
    v1, v2 = verdicts(pytester.path / "r1"), verdicts(pytester.path / "r2")
    assert v1 == v2 and set(v1.values()) == {"PASS", "FAIL"} and len(v1) == CELLS

    expected = 2 * ITEMS * CELLS  # two roles, every item under every framing
    for log in (log1, log2):
        rows = calls(log)
        assert len(rows) == expected
        assert len({(r["role"], r["prompt"]) for r in rows}) == expected  # nothing twice
    per_worker = collections.Counter((r["worker"], r["gpu"]) for r in calls(log2))
    # every worker that generated did so on its own GPU, whole parts only (a worker that finds a
    # part nobody has started takes it: under load one worker may make both parts)
    gpu_of = {"gw0": "3", "gw1": "5"}
    assert all(gpu_of[w] == g for w, g in per_worker), per_worker
    assert sum(per_worker.values()) == expected
    assert all(n % (expected // 2) == 0 for n in per_worker.values()), per_worker

    # each cell's figures land in the JUnit XML, with and without xdist
    for xml in ("j1.xml", "j2.xml"):
        props = junit_properties(pytester.path / xml)
        assert props["test_reliability[toy-emotion:sad-incorrect]"]["verdict"] == "FAIL"
        assert props["test_reliability[toy-emotion:sad-incorrect]"]["b"] == str(ITEMS // 2)
        assert props["test_reliability[toy-unmodified-original]"]["verdict"] == "PASS"
        assert props["test_reliability[toy-all-framings]"]["verdict"] == "FAIL"
    # the controller wrote the whole report once
    for name in ("results.parquet", "summary.json", "summary.md", "report.html", "forest.png"):
        assert (pytester.path / "r2" / name).stat().st_size > 0
    two.stdout.fnmatch_lines(["*4 cells: 2 PASS, 2 FAIL, 0 INCONCLUSIVE*"])


def test_update_baselines_passes_writes_a_baseline_and_the_next_run_reuses_it(pytester,
                                                                              monkeypatch):
    make_project(pytester, monkeypatch, baselines="baselines")
    log = pytester.path / "calls.jsonl"
    monkeypatch.setenv("WARMGATE_TEST_CALLS", str(log))
    summary = pytester.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    updated = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--warmgate-update-baselines", "--warmgate-approved-by",
        "Ada Lovelace", "--warmgate-reason", "first approved base")
    # every cell passes under an update, even the two that regress
    assert updated.parseoutcomes() == {"passed": CELLS + 1}  # and the pooled item
    manifests = list((pytester.path / "baselines").rglob("manifest.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    assert (manifest["approved_by"], manifest["reason"]) == ("Ada Lovelace", "first approved base")
    assert len(calls(log)) == 2 * ITEMS * CELLS
    assert "warmgate: FAIL" in summary.read_text()  # the job summary still tells the truth

    log.unlink()
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert again.parseoutcomes() == {"passed": 2, "failed": 3}
    # the base came from the baseline: only the candidate was generated
    assert {r["role"] for r in calls(log)} == {"candidate"}
    assert len(calls(log)) == ITEMS * CELLS


BROKEN_BACKEND = '''
from warmgate.errors import WarmgateError


class Broken:
    """Bad input found while generating (as a real backend finds a corrupt adapter)."""

    name = "broken"

    def __init__(self, variants, decoding, **options):
        pass

    def generate(self, role, messages, progress=None):
        raise WarmgateError("adapter models/cand: adapter_config.json is not JSON")

    def provenance(self, role):
        return {"backend": "broken", "model_fingerprint": "broken-" + role}
'''


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_bad_input_found_while_generating_exits_2_with_or_without_xdist(pytester, monkeypatch,
                                                                        workers):
    """Exit 1 is a cell that FAILed; bad input says exit 2 and names it, from a worker too."""
    make_project(pytester, monkeypatch)
    pytester.makepyfile(brokenbk=BROKEN_BACKEND)
    out = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers,
                                        "--warmgate-backend=brokenbk:Broken")
    assert out.ret == pytest.ExitCode.USAGE_ERROR
    out.stdout.fnmatch_lines(["*warmgate: error: adapter models/cand: adapter_config.json is not JSON*"])


def test_each_worker_takes_its_own_gpu():
    env = {"CUDA_VISIBLE_DEVICES": "0,1,2,3"}
    assert [worker_gpu(f"gw{i}", env) for i in range(6)] == ["0", "1", "2", "3", "0", "1"]
    assert worker_gpu("gw1", {"CUDA_VISIBLE_DEVICES": "7"}) is None  # one GPU: leave it
    assert worker_gpu("gw1", {"CUDA_VISIBLE_DEVICES": ""}) is None  # CPU only
    assert worker_gpu("gw1", {"CUDA_VISIBLE_DEVICES": "0,1",
                              "WARMGATE_GPU_PER_WORKER": "0"}) is None
    assert worker_gpu("master", env) is None
