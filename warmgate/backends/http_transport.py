"""The openai backend's HTTP transport: one JSON request at a time, with the API key, retried
with exponential backoff and jitter on 429, 5xx, timeouts, dropped connections and cut-off
replies. The key is held privately and redacted from every message; it never appears in an
error, a log or a public attribute.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.request

from warmgate.backends.openai_options import HTTPOptions, public_url
from warmgate.errors import WarmgateError

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class Refused(WarmgateError):
    """The server answered with a status that another try will not change (4xx)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class Retryable(Exception):
    """A failure worth another try: 429/5xx, timeout, dropped connection, cut-off reply."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Transport:
    """Requests to one server with one key, counted (`stats`: requests, retries), thread-safe."""

    def __init__(self, options: HTTPOptions, key: str | None) -> None:
        self.options = options
        self.__key = key
        self.stats = {"requests": 0, "retries": 0}
        self._stats_lock = threading.Lock()

    def _redact(self, text: str) -> str:
        return text.replace(self.__key, "***") if self.__key else text

    def open(self, req: urllib.request.Request) -> bytes:
        """The body of one response; retryable failures raise Retryable, others WarmgateError."""
        if self.__key:
            req.add_header("Authorization", f"Bearer {self.__key}")
        with self._stats_lock:
            self.stats["requests"] += 1
        try:
            with urllib.request.urlopen(req, timeout=self.options.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            detail = self._redact(e.read()[:300].decode("utf-8", "replace"))
            if e.code in RETRY_STATUS:
                retry_after = None
                with contextlib.suppress(TypeError, ValueError):
                    retry_after = float(e.headers.get("Retry-After", ""))
                raise Retryable(f"HTTP {e.code}: {detail}", retry_after) from None
            hint = " (check api_key_env)" if e.code in (401, 403) else ""
            raise Refused(f"{public_url(req.full_url)} answered HTTP {e.code}{hint}: "
                          f"{detail}", e.code) from None
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
            raise Retryable(f"{type(e).__name__}: {self._redact(str(e))}") from None

    def post(self, url: str, body: dict) -> tuple[str, dict]:
        """One completion: its text and the whole first choice (a malformed reply is Retryable)."""
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
        req.add_header("Content-Type", "application/json")
        raw = self.open(req)
        try:
            reply = json.loads(raw)
            choice = reply["choices"][0]
            text = choice["message"]["content"] if "message" in choice else choice["text"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise Retryable(f"malformed reply: {raw[:200]!r}") from None
        return text or "", choice

    def retried(self, url: str, body: dict) -> tuple[str, dict]:
        """One reply (text, whole choice) for one body, retried with backoff until it arrives
        or tries run out."""
        o = self.options
        last = ""
        for attempt in range(o.max_retries + 1):
            try:
                return self.post(url, body)
            except Retryable as e:
                last = str(e)
                if attempt == o.max_retries:
                    break
                with self._stats_lock:
                    self.stats["retries"] += 1
                delay = min(o.max_backoff, o.backoff * 2**attempt) * (0.5 + random.random() / 2)
                if e.retry_after is not None:
                    delay = min(o.max_backoff, max(delay, e.retry_after))
                time.sleep(delay)
        raise WarmgateError(
            f"{public_url(url)}: no reply after {o.max_retries + 1} attempts (last: {last}); "
            "raise backend_options.max_retries or timeout, or check the server"
        )
