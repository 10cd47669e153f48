"""Works where users install it: the sdist and wheel built from this checkout pass `twine check`,
and the wheel, installed into a fresh virtual environment outside the repository, finds its
built-in suites and data and runs the gate (the editable install of the test environment never
exercised that path: a wheel once listed no suites at all)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HF_HUB_OFFLINE"] = "1"
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (outside the repository) with the wheel installed, no source tree in
    reach; its dependencies come from the test environment's site-packages by a .pth line."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    built = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT], tmp)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    files = sorted(dist.iterdir())
    assert sorted(p.suffix for p in files) == [".gz", ".whl"], files
    checked = _run([sys.executable, "-m", "twine", "check", "--strict", *files], tmp)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        tmp).stdout.strip())
    (purelib / "_warmgate_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(p for p in files if p.suffix == ".whl")
    inst = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                 "--no-index", wheel], tmp)
    assert inst.returncode == 0, inst.stdout + inst.stderr
    where = _run([python, "-c", "import warmgate; print(warmgate.__file__)"], tmp)
    assert where.stdout.strip().startswith(str(purelib)), where.stdout + where.stderr
    return venv


def test_the_installed_wheel_lists_its_built_in_suites(wheel_env: Path, tmp_path: Path) -> None:
    out = _run([wheel_env / "bin" / "warmgate", "suites", "list"], tmp_path)
    assert out.returncode == 0, out.stderr
    for suite in ("disinformation", "factual", "medical", "misconceptions"):
        assert f"\n{suite} " in out.stdout, out.stdout
    assert "MultiplexedPath" not in out.stdout


def test_the_installed_wheel_scores_its_built_in_labelled_set(wheel_env: Path,
                                                              tmp_path: Path) -> None:
    out = _run([wheel_env / "bin" / "warmgate", "score", "--agreement", "builtin"], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "agreement" in out.stdout.lower()


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_the_installed_wheel_runs_the_gate_on_the_embedded_model(wheel_env: Path,
                                                                 tmp_path: Path) -> None:
    out = _run([wheel_env / "bin" / "warmgate", "run", "--base", "embedded",
                "--candidate", "persona=warm", "--suites", "disinformation",
                "--contexts", "unmodified", "--beliefs", "incorrect", "--items", "4",
                "--baselines", "off", "--cache", "off", "--liveness-probes", "0",
                "--report", tmp_path / "report", "--no-progress"], tmp_path)
    assert out.returncode in (0, 1, 3), out.stdout + out.stderr  # a verdict, not an error
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["verdict"] in ("PASS", "FAIL", "INCONCLUSIVE")
    assert "disinformation" in json.dumps(summary)  # the built-in suite was found and asked
