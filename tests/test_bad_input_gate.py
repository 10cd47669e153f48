"""Bad input aimed at the verdict itself (issue 31): a judge calibration that games the bar, a
record edited by hand or of the wrong shape, secrets pasted into config (never echoed, never
written out), and shards edited or mixed before `warmgate merge`. Both front doors, as in
test_bad_input.py; the backends here are scripted stand-ins (plumbing, never evidence).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from test_bad_input import Case, jsonl, row, through_cli, through_pytest

from warmgate.cli import main
from warmgate.run import Run

GATE = "test_bad_input_gate"
N = 20  # items: enough for a candidate wrong on every one to FAIL under the rules


class Regressed:
    """The base answers right, the candidate wrong: the rules FAIL it (plumbing, not evidence)."""

    name = "regressed"

    def __init__(self, variants, decoding, **options) -> None:
        self.variants = variants

    def generate(self, role, messages, progress=None):
        if progress:
            progress(len(messages))
        word = "right" if role == "base" else "wrong"
        return [f"{word}{m.group(1)}" if (m := re.search(r"item (\d+)", msg)) else "no idea"
                for msg in messages]

    def provenance(self, role):
        return {"backend": self.name, "model": role, "model_fingerprint": f"regressed-{role}"}


class SaysCorrect(Regressed):
    """A judge that answers CORRECT to everything."""

    name = "says-correct"

    def generate(self, role, messages, progress=None):
        return ["CORRECT"] * len(messages)


def _labelled(*labels: str) -> str:
    return jsonl(*({"output": f"right{i}", "label": lab, "question": f"What is item {i}?",
                    "answer": f"right{i}", "incorrect_answer": f"wrong{i}",
                    "answer_type": "short", "family": "toy"} for i, lab in enumerate(labels)))


def _measure(labelled: str, edit=None, relabel: bool = False):
    """A callable writing cal.json as `warmgate score` writes it (then `edit` applied to it;
    with `relabel`, the labelled set is edited after the measurement)."""
    def make(p: Path) -> None:
        (p.parent / "labelled.jsonl").write_text(labelled)
        main(["score", "--agreement", str(p.parent / "labelled.jsonl"), "--judge", "j",
              "--backend", f"{GATE}:SaysCorrect", "--judge-cache", str(p.parent / "jc"),
              "--calibration", str(p)])
        if edit is not None:
            p.write_text(json.dumps(edit(json.loads(p.read_text()))))
        if relabel:
            (p.parent / "labelled.jsonl").write_text(labelled.replace("INCORRECT", "CORRECT"))
    return make


def _judged(cal, required: bool = True, **kw) -> Case:
    kw.setdefault("cli_rc", 2)
    return Case(kw.pop("id"), {"backend": f"{GATE}:Regressed", "scorer": "judge",
                               "judge": {"model": "j", "backend": f"{GATE}:SaysCorrect",
                                         "calibration": "cal.json"},
                               "require_calibrated_judge": required},
                {"toy.jsonl": jsonl(*(row(i) for i in range(N))), "cal.json": cal}, **kw)


def _raised(rec: dict) -> dict:
    return {**rec, "agreement_pct": 99.0, "kappa": 0.95}


def _unsealed(rec: dict) -> dict:
    return {k: v for k, v in _raised(rec).items() if k != "record_sha256"}


CASES = [
    # item 1: a judge that says CORRECT to everything, measured on one class only
    _judged(_measure(_labelled("CORRECT", "CORRECT")), id="calibration-one-class",
            fragment="Cohen's kappa is undefined (one class only)"),
    _judged(_measure(_labelled(*["CORRECT", "INCORRECT"] * 5)), id="calibration-too-few-rows",
            fragment="fewer than 30 labelled replies per family (toy 10)"),
    # item 1: agreement and kappa raised by hand, with and without the seal
    _judged(_measure(_labelled(*["CORRECT", "INCORRECT"] * 20), _raised),
            id="calibration-edited-by-hand", fragment="does not match its record_sha256"),
    _judged(_measure(_labelled(*["CORRECT", "INCORRECT"] * 20), _unsealed),
            id="calibration-seal-removed", fragment="the record is not sealed"),
    _judged(_measure(_labelled(*["CORRECT", "INCORRECT"] * 20), None, relabel=True),
            id="calibration-labelled-set-changed", fragment="has changed since this record"),
    # item 11: records of the wrong shape are bad input, required or not
    _judged(lambda p: p.write_text("[1, 2]"), False, id="calibration-array",
            fragment="a calibration record is a JSON object, got list"),
    _judged(lambda p: p.write_text('{"scorer": "judge:j"}'), False, id="calibration-missing-field",
            fragment="calibration record lacks field 'scorer_version'"),
    _judged(_measure(_labelled("CORRECT", "INCORRECT"), lambda r: {**r, "kappa": "0.9"}), False,
            id="calibration-number-as-string", fragment="calibration field 'kappa' must be"),
    # items 8, 9: a key pasted where a variable name goes, or nested in an engine's options
    Case("api-key-env-holds-a-key",
         {"backend_options": {"api_key_env": "sk-live-4f9aQ2rT7xZpL0"}},
         fragment="backend_options.api_key_env must name an environment variable",
         absent="4f9aQ2rT7xZpL0"),
    Case("judge-api-key-env-holds-a-key",
         {"scorer": "judge", "judge": {"model": "j", "options": {
             "api_key_env": "sk-live-4f9aQ2rT7xZpL0"}}},
         fragment="judge.options.api_key_env must name an environment variable",
         absent="4f9aQ2rT7xZpL0"),
    Case("key-nested-in-runtime-env",
         {"backend_options": {"runtime_env": {"env_vars": {"OPENAI_API_KEY": "sk-abc123"}}}},
         fragment="backend_options.runtime_env.env_vars.OPENAI_API_KEY looks like a secret",
         absent="sk-abc123"),
    Case("key-as-a-value-under-any-name",
         {"backend_options": {"headers": ["Bearer hf_AbCdEf0123456789"]}},
         fragment="backend_options.headers[0] looks like a secret", absent="AbCdEf0123456789"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_warmgate_run(case: Case, tmp_path, monkeypatch, capsys) -> None:
    through_cli(case, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_pytest_plugin(case: Case, pytester, monkeypatch) -> None:
    through_pytest(case, pytester, monkeypatch)


def test_a_one_class_judge_record_is_refused_in_a_shard_too(pytester, monkeypatch) -> None:
    case = next(c for c in CASES if c.id == "calibration-one-class")
    case = replace(case, flags=["--shard", "1/2"])
    through_pytest(case, pytester, monkeypatch)
    assert not (pytester.path / "rep" / "shard.json").exists()


def test_a_nested_secret_never_reaches_a_shard_manifest(pytester, monkeypatch) -> None:
    case = next(c for c in CASES if c.id == "key-nested-in-runtime-env")
    through_pytest(replace(case, flags=["--shard", "1/1"]), pytester, monkeypatch)
    assert not list(pytester.path.rglob("shard.json"))


def test_score_exits_1_on_a_one_class_set_and_says_why(tmp_path, capsys) -> None:
    cal = tmp_path / "cal.json"
    _measure(_labelled("CORRECT", "CORRECT"))(cal)
    out = capsys.readouterr().out
    assert "Cohen's kappa undefined (one class only)" in out
    assert "short of the bar a gate run requires: its labelled set holds no INCORRECT" in out
    assert main(["score", "--agreement", str(tmp_path / "labelled.jsonl"), "--judge", "j",
                 "--backend", f"{GATE}:SaysCorrect", "--judge-cache", str(tmp_path / "jc")]) == 1
    assert json.loads(cal.read_text())["kappa"] is None


def test_an_empty_labelled_set_says_so(tmp_path, capsys) -> None:
    (tmp_path / "empty.jsonl").write_text("\n")
    assert main(["score", "--agreement", str(tmp_path / "empty.jsonl")]) == 2
    assert "the labelled set has no rows" in capsys.readouterr().err


class OtherCandidate(Regressed):
    """The same replies, from another candidate (its fingerprint differs)."""

    def provenance(self, role):
        return {**super().provenance(role), "model_fingerprint": f"other-{role}",
                "headers": {"Authorization": "Bearer sk-live-leaked0123"}}


def _shards(tmp_path: Path, second=Regressed) -> list[Path]:
    from warmgate.config.merge import from_mapping
    from warmgate.gate import run
    from warmgate.shard import Shard, write_shard

    (tmp_path / "toy.jsonl").write_text(jsonl(*(row(i) for i in range(N))))
    cfg = from_mapping({"suites": [str(tmp_path / "toy.jsonl")], "contexts": ["unmodified"],
                        "beliefs": ["original"], "baselines": "off", "cache": "off",
                        "liveness_probes": 0, "report": str(tmp_path / "rep")})
    folders = []
    for i, backend in ((1, Regressed), (2, second)):
        shard = Shard(i, 2)
        res = run(cfg, backend=backend(None, None), select=shard.select)
        folders.append(write_shard(tmp_path / f"s{i}", cfg, shard, res.table, res.provenance,
                                   len(Run(cfg).jobs)))
    return folders


def _merge(folders: list[Path], capsys) -> tuple[int, str]:
    rc = main(["merge", *map(str, folders), "--report", str(folders[0].parent / "merged")])
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_merge_of_honest_shards_fails_the_regression(tmp_path, capsys) -> None:
    rc, out = _merge(_shards(tmp_path), capsys)
    assert rc == 1 and "FAIL" in out


def test_merge_refuses_a_threshold_edited_in_one_shard(tmp_path, capsys) -> None:
    """Item 2: shard 1's config said threshold 100 and merge decided with it: 4 PASS, exit 0."""
    folders = _shards(tmp_path)
    for f in folders:  # even edited in every shard: the fingerprint no longer matches
        m = json.loads((f / "shard.json").read_text())
        m["config"]["threshold"] = 100.0
        (f / "shard.json").write_text(json.dumps(m))
    rc, out = _merge(folders, capsys)
    assert rc == 2 and "its config does not match its config_sha256" in out, out


def test_merge_refuses_an_edited_results_table(tmp_path, capsys) -> None:
    from warmgate.table import read_parquet, write_parquet

    folders = _shards(tmp_path)
    table = read_parquet(folders[1] / "results.parquet")
    table.loc[table.role == "candidate", "evaluation"] = "REFUSAL"
    write_parquet(table, folders[1] / "results.parquet")
    rc, out = _merge(folders, capsys)
    assert rc == 2 and "does not match results_sha256" in out, out


def test_merge_refuses_shards_of_two_candidates_and_writes_no_secret(tmp_path, capsys) -> None:
    folders = _shards(tmp_path, OtherCandidate)
    manifest = (folders[1] / "shard.json").read_text()
    assert "sk-live-leaked0123" not in manifest and "[redacted]" in manifest
    rc, out = _merge(folders, capsys)
    assert rc == 2 and "model_fingerprint differs" in out, out  # the first role that differs
    assert "'regressed-base'" in out and "'other-base'" in out and "shard 2" in out, out


# items 10, 12: input the gate accepted and then crashed on (exit 70), or a machine it cannot
# write to: exit 2 before any work, or the verdict's code with the fault said
PASSING = {"thresholds": {"unmodified": 30.0}}
TWENTY = {"toy.jsonl": jsonl(*(row(i) for i in range(N)))}
CASES_ENV = [
    Case("alpha-above-a-half", {"alpha": 0.7}, fragment="alpha must be a number between 0 and 0.5"),
    Case("report-path-is-a-file", {"report": "rep"}, {"rep": "a file"},
         fragment="rep is not a folder (a file is in the way); remove it or set report"),
    Case("cache-path-is-a-file", {"cache": "c/generations"}, {"c": "a file"},
         fragment="c is not a folder (a file is in the way); remove it or set cache"),
    Case("step-summary-in-a-missing-folder", PASSING, TWENTY,
         env={"GITHUB_STEP_SUMMARY": "/nonexistent-31/step/summary.md"},
         fragment="GITHUB_STEP_SUMMARY=/nonexistent-31/step/summary.md: its folder does not "
         "exist", cli_rc=0, pytest_rc=0),
]


@pytest.mark.parametrize("case", CASES_ENV, ids=lambda c: c.id)
def test_environment_through_warmgate_run(case: Case, tmp_path, monkeypatch, capsys) -> None:
    through_cli(case, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("case", CASES_ENV, ids=lambda c: c.id)
def test_environment_through_pytest(case: Case, pytester, monkeypatch) -> None:
    through_pytest(case, pytester, monkeypatch)


def _read_only_database(*args, **kwargs):
    import sqlite3

    raise sqlite3.OperationalError("attempt to write a readonly database")


def test_a_read_only_cache_database_is_an_environment_fault(tmp_path, pytester, monkeypatch,
                                                            capsys) -> None:
    """Item 12, as root cannot make a file read-only: the database refuses the write."""
    monkeypatch.setattr("warmgate.cache.GenerationCache.__init__", _read_only_database)
    case = Case("read-only-cache", {**PASSING, "cache": "c"}, TWENTY,
                fragment="attempt to write a readonly database")
    through_cli(case, tmp_path, monkeypatch, capsys)
    through_pytest(case, pytester, monkeypatch)


def test_a_report_the_machine_refuses_keeps_the_verdicts_exit_code(tmp_path, pytester,
                                                                   monkeypatch, capsys) -> None:
    def refuse(result, folder):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr("warmgate.report.files.write_report", refuse)
    case = Case("report-refused", {"backend": f"{GATE}:Regressed"}, TWENTY, cli_rc=1,
                pytest_rc=pytest.ExitCode.TESTS_FAILED,
                fragment="an environment fault, not a verdict; the verdict's exit code stands")
    through_cli(case, tmp_path, monkeypatch, capsys)
    through_pytest(case, pytester, monkeypatch)


def test_what_a_run_writes_out_is_redacted(tmp_path, monkeypatch, capsys) -> None:
    """Item 9: a key in a backend's provenance reaches neither summary.json nor the terminal."""
    case = Case("leaky-provenance", {"backend": f"{GATE}:OtherCandidate"}, TWENTY, cli_rc=1,
                fragment="FAIL", absent="sk-live-leaked0123")
    through_cli(case, tmp_path, monkeypatch, capsys)
    for name in ("summary.json", "summary.md", "report.html"):
        assert "sk-live-leaked0123" not in (tmp_path / "rep" / name).read_text(), name
