"""A small OpenAI-compatible server for a transformers model (plus PEFT adapters) on localhost.

    python -m warmgate.testing.server --model embedded --lora warm=adapters/warm --port 8000

Serves `POST /v1/chat/completions`, `POST /v1/completions`, `GET /v1/models` and `GET /health`,
the subset warmgate's `openai` backend (and most OpenAI clients) use. Adapters are served under
their own names, as vLLM's `--lora-modules name=path` does. It exists so that the HTTP backend
can be tested end to end against a real model, and so that a team without vLLM can put a model
behind an endpoint. Fault injection (`--fail-rate`, `--drop-rate`, `--busy-rate`) makes it answer
500, drop connections or answer 429 at random, to test clients' retries.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warmgate.errors import WarmgateError
from warmgate.testing.engine import Engine, Request
from warmgate.testing.faults import Faults


def make_handler(engine: Engine, faults: Faults, api_key: str | None,
                 fault_control: bool = False, logprobs: bool = True) -> type:
    """The request handler class bound to one engine; `logprobs=False` answers 400 to requests
    for log-probabilities, as some servers do."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "warmgate-serve"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # quiet: a test run makes thousands of requests

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, kind: str = "invalid_request_error",
                   headers: dict | None = None) -> None:
            self._send(status, {"error": {"message": message, "type": kind, "code": status}},
                       headers)

        def _authorized(self) -> bool:
            if api_key is None:
                return True
            if self.headers.get("Authorization", "") == f"Bearer {api_key}":
                return True
            self._error(401, "missing or wrong API key", "authentication_error")
            return False

        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/") == "/health":
                self._send(200, {"status": "ok"})
            elif self.path.rstrip("/") == "/v1/models":
                if self._authorized():
                    self._send(200, {"object": "list", "data": [
                        {"id": m, "object": "model", "owned_by": "warmgate"} for m in engine.models
                    ]})
            elif self.path.rstrip("/") == "/stats":
                self._send(200, dict(faults.counts))
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self) -> None:  # noqa: N802
            route = self.path.rstrip("/")
            if route == "/faults" and fault_control:
                length = int(self.headers.get("Content-Length", "0"))
                b = json.loads(self.rfile.read(length) or b"{}")
                faults.configure(float(b.get("fail_rate", 0)), float(b.get("drop_rate", 0)),
                                 float(b.get("busy_rate", 0)), int(b.get("seed", 0)))
                self._send(200, dict(faults.counts))
                return
            if route not in ("/v1/chat/completions", "/v1/completions"):
                self._error(404, f"no route {self.path}")
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
            except (ValueError, json.JSONDecodeError):
                self._error(400, "body is not JSON")
                return
            if not self._authorized():
                return
            fault = faults.draw()
            if fault == "500":
                faults.count("500")
                self._error(500, "injected failure", "server_error")
                return
            if fault == "429":
                faults.count("429")
                self._error(429, "injected rate limit", "rate_limit_error", {"Retry-After": "0"})
                return
            if fault == "drop-before":
                faults.count("dropped")
                self._drop()
                return
            chat = route.endswith("chat/completions")
            if body.get("logprobs") and not logprobs:
                self._error(400, "logprobs are not supported by this server")
                return
            try:
                req = self._request(body, chat)
            except ValueError as e:
                self._error(400, str(e))
                return
            try:
                text, reason, n_prompt, n_new, lps = engine.submit(req).result()
            except Exception as e:  # the model failed: a real 500
                self._error(500, f"generation failed: {type(e).__name__}: {e}", "server_error")
                return
            created = int(time.time())
            if chat:
                choice = {"index": 0, "message": {"role": "assistant", "content": text},
                          "finish_reason": reason}
                if body.get("logprobs"):
                    choice["logprobs"] = {"content": [{"logprob": v} for v in lps]}
                obj = "chat.completion"
            else:
                choice = {"index": 0, "text": text, "finish_reason": reason}
                if body.get("logprobs") is not None:
                    choice["logprobs"] = {"token_logprobs": lps}
                obj = "text_completion"
            payload = {"id": f"cmpl-{uuid.uuid4().hex}", "object": obj, "created": created,
                       "model": req.model, "choices": [choice],
                       "usage": {"prompt_tokens": n_prompt, "completion_tokens": n_new,
                                 "total_tokens": n_prompt + n_new}}
            if fault == "drop-after":
                # The work was done but the reply is cut off half-way: clients must retry.
                faults.count("dropped")
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self._drop()
                return
            faults.count("ok")
            self._send(200, payload)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _request(self, body: dict, chat: bool) -> Request:
            model = body.get("model") or engine.served_name
            if model not in engine.models:
                raise ValueError(f"model {model!r} is not served; served: {engine.models}")
            if chat:
                messages = body.get("messages")
                if not isinstance(messages, list) or not messages:
                    raise ValueError("messages must be a non-empty list")
                prompt = engine.chat_prompt(messages)
            else:
                prompt = body.get("prompt")
                if isinstance(prompt, list) and len(prompt) == 1:
                    prompt = prompt[0]
                if not isinstance(prompt, str):
                    raise ValueError("prompt must be one string")
            n = engine.prompt_tokens(prompt)
            max_tokens = int(body.get("max_tokens") or body.get("max_completion_tokens") or 16)
            if n + max_tokens > engine.max_model_len:
                raise ValueError(
                    f"This model's maximum context length is {engine.max_model_len} tokens; "
                    f"the prompt has {n} and max_tokens is {max_tokens}"
                )
            stop = body.get("stop") or ()
            stop = (stop,) if isinstance(stop, str) else tuple(str(s) for s in stop)
            seed = body.get("seed")
            return Request(model, prompt, chat, max_tokens, stop,
                           float(body.get("temperature") or 0.0),
                           int(seed) if seed is not None else None)

    return Handler


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
