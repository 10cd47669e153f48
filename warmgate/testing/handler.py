"""The stub server's HTTP request handler: OpenAI-compatible routes over one engine, with the
injected faults (500, 429, connections dropped before or half-way through a reply)."""

from __future__ import annotations

import contextlib
import json
import socket
import time
import uuid
from http.server import BaseHTTPRequestHandler

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
