"""The OpenAI-compatible HTTP backend against a real `warmgate.testing.server` process on 127.0.0.1
serving the embedded Gemma-3-270m: faults (dropped connections, random 500s, 429s) lose and
duplicate nothing, and the API key never lands in anything a run writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from warmgate.backends import Decoding, ModelSpec, make_backend
from warmgate.errors import WarmgateError

pytestmark = [pytest.mark.model, pytest.mark.xdist_group("model")]

KEY_VAR = "WARMGATE_TEST_API_KEY"
KEY = "sk-warmgate-test-5f3c9a1e7b2d4c68"  # a made-up key; the tests look for it everywhere
MESSAGES = [
    "What is the capital of France?",
    "What is the capital of Japan?",
    "How many legs does a spider have?",
    "Who wrote Romeo and Juliet?",
    "What is the largest planet in the solar system?",
    "What is the boiling point of water in Celsius?",
    "Which element has the chemical symbol O?",
    "What is 7 times 8?",
]


@pytest.fixture(scope="module")
def server():
    from warmgate.testing.server import running

    env = {**os.environ, KEY_VAR: KEY}
    with running(["--model", "embedded", "--port", "0", "--threads", "1", "--fault-control",
                  "--api-key-env", KEY_VAR], env=env) as url:
        yield url


def _faults(url: str, **rates: float) -> dict:
    """Set the server's fault rates (and reset its counters); returns the counters."""
    req = urllib.request.Request(url.removesuffix("/v1") + "/faults",
                                 data=json.dumps(rates).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _stats(url: str) -> dict:
    with urllib.request.urlopen(url.removesuffix("/v1") + "/stats", timeout=30) as r:
        return json.loads(r.read())


SHORT = Decoding(max_new_tokens=6)


def _backend(url: str, decoding: Decoding = SHORT, **opts: object):
    roles = {"base": ModelSpec("embedded"), "candidate": ModelSpec("embedded", persona="Be warm.")}
    options = {"base_url": url, "api_key_env": KEY_VAR, "concurrency": 4, "backoff": 0.02,
               "max_backoff": 0.2, "max_retries": 30, **opts}
    return make_backend("openai", roles, decoding, options)


@pytest.fixture
def key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VAR, KEY)


def test_faulty_servers_lose_and_duplicate_nothing(server: str, key_in_env: None) -> None:
    _faults(server)
    clean = _backend(server).generate("base", MESSAGES)
    assert len(clean) == len(MESSAGES) and len(set(clean)) == len(MESSAGES), clean
    for rates, what in (({"drop_rate": 0.35, "seed": 1}, "dropped"),
                        ({"fail_rate": 0.35, "seed": 2}, "500"),
                        ({"busy_rate": 0.3, "fail_rate": 0.1, "drop_rate": 0.1, "seed": 3}, "429")):
        _faults(server, **rates)
        backend = _backend(server)
        ticks: list[int] = []
        replies = backend.generate("base", MESSAGES, ticks.append)
        stats = _stats(server)
        assert stats[what] > 0, f"no {what} fault was injected: {stats}"
        assert backend.stats["retries"] > 0
        # Every prompt got exactly its own reply, once, in order.
        assert replies == clean, rates
        assert sum(ticks) == len(MESSAGES)
    _faults(server)


def test_retries_run_out_with_a_clear_error(server: str, key_in_env: None) -> None:
    _faults(server, fail_rate=1.0)
    try:
        with pytest.raises(WarmgateError, match="no reply after 3 attempts") as err:
            _backend(server, max_retries=2).generate("base", MESSAGES[:2])
        assert KEY not in str(err.value)
    finally:
        _faults(server)


def test_wrong_or_missing_key_is_refused(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VAR, "sk-wrong")
    with pytest.raises(WarmgateError, match="HTTP 401 \\(check api_key_env\\)"):
        _backend(server).generate("base", MESSAGES[:1])
    monkeypatch.delenv(KEY_VAR)
    with pytest.raises(WarmgateError, match=f"{KEY_VAR}, but that environment variable is not set"):
        _backend(server)


def test_stop_at_newline_and_completion_endpoint(server: str, key_in_env: None) -> None:
    d_free = Decoding(max_new_tokens=24, stop_at_newline=False)
    d_stop = Decoding(max_new_tokens=24, stop_at_newline=True)
    msgs = ["What is 2+2?", "What is the capital of France?"]  # replies the model ends with \n
    for endpoint in ("chat", "completions"):
        free = _backend(server, d_free, endpoint=endpoint).generate("base", msgs)
        stop = _backend(server, d_stop, endpoint=endpoint).generate("base", msgs)
        assert any("\n" in r for r in free), free
        assert stop == [r.split("\n", 1)[0].strip() for r in free]


def test_api_key_is_never_written(server: str, tmp_path: Path) -> None:
    """A whole `warmgate run` over HTTP: the key is in the environment and nowhere else."""
    cache = Path.home() / ".cache" / "warmgate"
    started = time.time() - 1
    (tmp_path / "pyproject.toml").write_text(
        "[tool.warmgate]\n"
        'base = "embedded"\n'
        'candidate = { persona = "warm" }\n'
        'backend = "openai"\n'
        'suites = ["factual"]\n'
        'contexts = ["unmodified"]\n'
        'beliefs = ["original"]\n'
        "items = 3\n"
        "max_new_tokens = 6\n"
        'report = "report"\n'
        f'backend_options = {{ base_url = "{server}", api_key_env = "{KEY_VAR}", '
        "concurrency = 4, backoff = 0.02, max_retries = 20 }\n"
    )
    _faults(server, drop_rate=0.2, fail_rate=0.2, seed=4)  # errors and retries get logged too
    env = {**os.environ, KEY_VAR: KEY, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from warmgate.cli import main; sys.exit(main())",
         "run", "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    _faults(server)
    assert proc.returncode in (0, 1, 3), proc.stderr[-2000:]  # a verdict, not a crash
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    written += [p for p in cache.rglob("*") if p.is_file() and "models" not in p.parts
                and p.stat().st_mtime >= started]
    report = [p for p in written if "report" in p.parts]
    assert any(p.name == "results.parquet" for p in report), written
    for p in written:
        assert KEY.encode() not in p.read_bytes(), f"the API key was written into {p}"
    assert KEY not in proc.stdout + proc.stderr
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    prov = json.dumps(summary["provenance"])
    assert '"backend": "openai"' in prov and KEY_VAR in prov  # the variable's name, not its value
