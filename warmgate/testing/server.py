"""A small OpenAI-compatible server for a transformers model (plus PEFT adapters) on localhost.

    python -m warmgate.testing.server --model embedded --lora warm=adapters/warm --port 8000

Serves `POST /v1/chat/completions`, `POST /v1/completions`, `GET /v1/models` and `GET /health`,
the subset warmgate's `openai` backend (and most OpenAI clients) use. Adapters are served under
their own names, as vLLM's `--lora-modules name=path` does. It exists so that the HTTP backend
can be tested end to end against a real model, and so that a team without vLLM can put a model
behind an endpoint. Fault injection (`--fail-rate`, `--drop-rate`, `--busy-rate`) makes it answer
500, drop connections or answer 429 at random, to test clients' retries.

This module binds and runs the server (`serve`, `main`, `running` for tests); the routes are
`warmgate.testing.handler`'s, the model `warmgate.testing.engine`'s, the faults
`warmgate.testing.faults`'.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path

from warmgate.errors import WarmgateError
from warmgate.testing.engine import Engine
from warmgate.testing.faults import Faults
from warmgate.testing.handler import make_handler


def serve(engine: Engine, host: str, port: int, faults: Faults, api_key: str | None,
          fault_control: bool = False, logprobs: bool = True) -> ThreadingHTTPServer:
    """Bind the server (port 0 picks a free one); the caller runs serve_forever."""
    server = ThreadingHTTPServer((host, port),
                                 make_handler(engine, faults, api_key, fault_control, logprobs))
    server.daemon_threads = True
    return server


def _parse_lora(values: list[str]) -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep or not name or not path:
            raise WarmgateError(f"--lora {v!r}: expected NAME=PATH")
        if not (Path(path).expanduser() / "adapter_config.json").exists():
            raise WarmgateError(f"--lora {v!r}: {path} is not a PEFT adapter folder "
                                "(no adapter_config.json)")
        out[name] = path
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse options, load the model, print the URL and serve until interrupted."""
    p = argparse.ArgumentParser(prog="python -m warmgate.testing.server", description=__doc__.split("\n")[0])
    p.add_argument("--model", default="embedded", help="model folder, hub id or 'embedded'")
    p.add_argument("--served-model-name", help="the name clients ask for (default: --model)")
    p.add_argument("--lora", action="append", default=[], metavar="NAME=PATH",
                   help="serve a PEFT adapter under NAME (repeatable)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    p.add_argument("--max-batch", type=int, default=1,
                   help="requests generated together (1: each alone, outputs independent of load)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--max-model-len", type=int, help="longest prompt + reply in tokens")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--no-logprobs", action="store_true",
                   help="answer 400 to requests for log-probabilities, as some servers do")
    p.add_argument("--api-key-env", metavar="VAR",
                   help="require 'Authorization: Bearer $VAR' (the key is read from VAR only)")
    g = p.add_argument_group("fault injection (for testing clients)")
    g.add_argument("--fail-rate", type=float, default=0.0, help="answer 500 at this rate")
    g.add_argument("--drop-rate", type=float, default=0.0, help="drop the connection at this rate")
    g.add_argument("--busy-rate", type=float, default=0.0, help="answer 429 at this rate")
    g.add_argument("--fault-seed", type=int, default=0)
    g.add_argument("--fault-control", action="store_true",
                   help="accept POST /faults {fail_rate, drop_rate, busy_rate, seed} to change "
                   "the rates while running (tests)")
    args = p.parse_args(argv)
    try:
        api_key = None
        if args.api_key_env:
            api_key = os.environ.get(args.api_key_env)
            if not api_key:
                raise WarmgateError(f"--api-key-env {args.api_key_env}: the variable is not set")
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        engine = Engine(args.model, args.served_model_name or args.model, _parse_lora(args.lora),
                        args.max_batch, args.device, args.dtype, args.max_model_len)
        faults = Faults(args.fail_rate, args.drop_rate, args.busy_rate, args.fault_seed)
        server = serve(engine, args.host, args.port, faults, api_key, args.fault_control,
                       not args.no_logprobs)
    except WarmgateError as e:
        print(f"warmgate.testing.server: error: {e}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"warmgate.testing.server: listening on http://{host}:{port}/v1 serving {engine.models}",
          flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


@contextlib.contextmanager
def running(args: Sequence[str], timeout: float = 900.0, env: dict | None = None
            ) -> Iterator[str]:
    """Start `python -m warmgate.testing.server ARGS` (add --port 0), yield its base URL, stop it after.

    For tests and scripts: the server is a real separate process on 127.0.0.1.
    """
    import subprocess

    cmd = [sys.executable, "-m", "warmgate.testing.server", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    lines: list[str] = []
    url = None
    try:
        deadline = time.monotonic() + timeout
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "listening on " in line:
                url = line.split("listening on ", 1)[1].split()[0]
                break
        if url is None:
            raise WarmgateError("warmgate.testing.server did not start: " + "".join(lines[-20:]))
        # Keep draining its output so that a chatty server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
