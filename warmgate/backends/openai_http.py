"""OpenAI-compatible HTTP backend: a vLLM server, TGI, `python -m warmgate.testing.server`, a hosted API.

Model and adapter names are the names the server knows: the base role asks for `model`, a
candidate with an `adapter` asks for the adapter's served name (vLLM's `--lora-modules
name=path`). The API key comes from an environment variable only (`api_key_env`); it is never
stored on the backend's public attributes, in provenance, in errors or in logs.

Requests run concurrently up to `concurrency`; each is retried with exponential backoff and
jitter on 429, 5xx, timeouts, dropped connections and cut-off replies, so that a run finishes
with exactly one reply per prompt, in the order given.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass

from warmgate import __version__
from warmgate.backends import Decoding, ModelSpec, Progress, parse_options, prompt
from warmgate.errors import WarmgateError
from warmgate.weights_id import SCHEME

ENDPOINTS = {"chat": "/chat/completions", "completions": "/completions"}
#: The behavioural fingerprint's fixed probes (asked bare, greedy, PROBE_TOKENS long); a new
#: set must raise PROBE_SCHEME, since records are compared only within one scheme.
PROBES = ("The capital of France is", "Count from one to five:", "What is 12 times 12?",
          "Say something kind.")
PROBE_SCHEME, PROBE_TOKENS = 1, 8
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class HTTPOptions:
    """`backend_options` of the openai backend; every field has a safe default."""

    base_url: str = "http://127.0.0.1:8000/v1"
    endpoint: str = "chat"
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    max_retries: int = 8
    timeout: float = 120.0
    backoff: float = 0.5
    max_backoff: float = 30.0
    prompt_template: str = prompt.COMPLETION_TEMPLATE

    @classmethod
    def from_options(cls, options: dict) -> HTTPOptions:
        """Validate the options table, naming the bad field and what it should be."""
        types = {"str": str, "int": int, "float": float}
        casts = {k: types[f.type] for k, f in cls.__dataclass_fields__.items()}
        opts = parse_options(cls, options, "openai", casts)
        if opts.endpoint not in ENDPOINTS:
            raise WarmgateError(f"backend_options.endpoint must be one of {', '.join(ENDPOINTS)}, "
                                f"got {opts.endpoint!r}")
        parts = urllib.parse.urlsplit(opts.base_url)
        if parts.scheme not in ("http", "https"):
            raise WarmgateError(f"backend_options.base_url must start with http:// or https://, "
                                f"got {public_url(opts.base_url)!r}")
        if parts.username is not None or parts.password is not None or parts.query:
            raise WarmgateError(
                f"backend_options.base_url holds credentials or a query string "
                f"({public_url(opts.base_url)} with user:password@ or ?...); never put keys in "
                "config: export the key as an environment variable and name it with "
                "api_key_env = \"MY_API_KEY_VARIABLE\"")
        try:
            parts.port  # noqa: B018 (a bad port raises here, not at the first request)
        except ValueError:
            raise WarmgateError(f"backend_options.base_url has a bad port: "
                                f"{opts.base_url.split('@')[-1]!r}") from None
        if opts.concurrency < 1 or opts.max_retries < 0 or opts.timeout <= 0:
            raise WarmgateError("backend_options: concurrency >= 1, max_retries >= 0 and "
                                "timeout > 0 are required")
        if "{message}" not in opts.prompt_template:
            raise WarmgateError("backend_options.prompt_template must contain {message}")
        return opts


def public_url(url: str) -> str:
    """The URL without user:password and query string, which may carry credentials."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


class _Refused(WarmgateError):
    """The server answered with a status that another try will not change (4xx)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class _Retryable(Exception):
    """A failure worth another try: 429/5xx, timeout, dropped connection, cut-off reply."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class OpenAIBackend:
    """Replies from an OpenAI-compatible server, concurrent, retried, one per prompt, in order."""

    name = "openai"

    def __init__(self, variants: dict[str, ModelSpec], decoding: Decoding, **options: object
                 ) -> None:
        self.variants = variants
        self.decoding = decoding
        self.options = HTTPOptions.from_options(options)
        self.url = self.options.base_url.rstrip("/") + ENDPOINTS[self.options.endpoint]
        # Read now (fail early with the variable's name), kept off public attributes.
        key = os.environ.get(self.options.api_key_env) or None
        if "api_key_env" in options and key is None:
            raise WarmgateError(
                f"backend_options.api_key_env names {self.options.api_key_env}, but that "
                "environment variable is not set; export it before the run"
            )
        self.__key = key
        self._local = threading.local()
        self._cards: dict[str, dict] | None = None  # GET /models, fetched once
        self._behaviour: dict[str, dict] = {}  # served name -> probe hashes, asked once
        self._logprobs = True  # False once the server refused a logprobs request
        self.stats = {"requests": 0, "retries": 0}
        self._stats_lock = threading.Lock()

    # -- one request ---------------------------------------------------------------------
    def served_name(self, role: str) -> str:
        """The model name sent to the server: the adapter's served name, else the model's."""
        spec = self.variants[role]
        return spec.adapter or spec.model

    def body(self, role: str, message: str) -> dict:
        """The JSON body for one message (what the server sees; holds no credentials)."""
        spec = self.variants[role]
        d = self.decoding
        body: dict = {"model": self.served_name(role), "max_tokens": d.max_new_tokens,
                      "temperature": d.temperature, "n": 1}
        if d.temperature > 0:
            body["seed"] = d.seed
        if d.stop_at_newline:
            body["stop"] = ["\n"]
        chat = prompt.chat_messages(spec.persona, message)
        if self.options.endpoint == "chat":
            body["messages"] = chat
        else:
            body["prompt"] = prompt.completion_text(chat, self.options.prompt_template)
        return body

    def _redact(self, text: str) -> str:
        return text.replace(self.__key, "***") if self.__key else text

    def _open(self, req: urllib.request.Request) -> bytes:
        """The body of one response; retryable failures raise _Retryable, others WarmgateError."""
        if self.__key:
            req.add_header("Authorization", f"Bearer {self.__key}")
        with self._stats_lock:
            self.stats["requests"] += 1
        try:
            with urllib.request.urlopen(req, timeout=self.options.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            detail = self._redact(e.read()[:300].decode("utf-8", "replace"))
            if e.code in _RETRY_STATUS:
                retry_after = None
                with contextlib.suppress(TypeError, ValueError):
                    retry_after = float(e.headers.get("Retry-After", ""))
                raise _Retryable(f"HTTP {e.code}: {detail}", retry_after) from None
            hint = " (check api_key_env)" if e.code in (401, 403) else ""
            raise _Refused(f"{public_url(req.full_url)} answered HTTP {e.code}{hint}: "
                           f"{detail}", e.code) from None
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
            raise _Retryable(f"{type(e).__name__}: {self._redact(str(e))}") from None

    def _post(self, body: dict) -> tuple[str, dict]:
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST")
        req.add_header("Content-Type", "application/json")
        raw = self._open(req)
        try:
            reply = json.loads(raw)
            choice = reply["choices"][0]
            text = choice["message"]["content"] if "message" in choice else choice["text"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retryable(f"malformed reply: {raw[:200]!r}") from None
        return text or "", choice

    def _retried(self, body: dict) -> tuple[str, dict]:
        """One reply (text, whole choice) for one body, retried with backoff until it arrives
        or tries run out."""
        o = self.options
        last = ""
        for attempt in range(o.max_retries + 1):
            try:
                return self._post(body)
            except _Retryable as e:
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
            f"{public_url(self.url)}: no reply after {o.max_retries + 1} attempts (last: {last}); "
            "raise backend_options.max_retries or timeout, or check the server"
        )

    def _ask(self, body: dict) -> str:
        """One reply's text, cut at the first newline when the decoding says so."""
        text = self._retried(body)[0]
        if self.decoding.stop_at_newline:
            text = text.split("\n", 1)[0]
        return text.strip()

    # -- the protocol --------------------------------------------------------------------
    def generate(self, role: str, messages: Sequence[str], progress: Progress | None = None
                 ) -> list[str]:
        """One reply per message, in the order given, at most `concurrency` requests at once."""
        bodies = [self.body(role, m) for m in messages]
        out: list[str | None] = [None] * len(bodies)
        with ThreadPoolExecutor(self.options.concurrency,
                                thread_name_prefix="warmgate-http") as pool:
            pending = {pool.submit(self._ask, b): i for i, b in enumerate(bodies)}
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = pending.pop(fut)
                        out[i] = fut.result()
                        if progress:
                            progress(1)
            except BaseException:
                for fut in pending:
                    fut.cancel()
                raise
        missing = [i for i, o in enumerate(out) if o is None]
        if missing:  # cannot happen unless a bug drops a future; never return a short list
            raise WarmgateError(f"internal error: no reply for prompts {missing[:10]}")
        return [o for o in out if o is not None]

    # -- what identifies a served model -------------------------------------------------
    def _models(self) -> dict[str, dict]:
        """The server's model cards by id (GET /models, once, retried like a request); empty
        when the server has no such endpoint."""
        if self._cards is not None:
            return self._cards
        url = self.options.base_url.rstrip("/") + "/models"
        o, last = self.options, ""
        for attempt in range(o.max_retries + 1):
            try:
                raw = self._open(urllib.request.Request(url, method="GET"))
                data = json.loads(raw).get("data")
                self._cards = {str(c["id"]): c for c in data if isinstance(c, dict) and "id" in c}
                return self._cards
            except _Refused as e:
                if e.code in (401, 403):
                    raise
                self._cards = {}  # no models endpoint (404, 405): the name is all there is
                return self._cards
            except (ValueError, AttributeError, TypeError):
                self._cards = {}
                return self._cards
            except _Retryable as e:
                last = str(e)
                if attempt < o.max_retries:
                    time.sleep(min(o.max_backoff, o.backoff * 2**attempt))
        raise WarmgateError(f"cannot reach the server at {public_url(url)} (last: {last}); is it "
                            "running, and is backend_options.base_url right?")

    def served_fingerprint(self, name: str) -> str:
        """What identifies a served model: its name, the server's host:port and the server's own
        card for it (vLLM's root = the weights' path, parent of a LoRA; `created` left out: vLLM
        stamps it per request), so that a baseline made on another server never matches."""
        cards = self._models()
        if cards and name not in cards:
            raise WarmgateError(
                f"the server at {public_url(self.options.base_url)} does not serve model "
                f"{name!r} (it serves {', '.join(sorted(cards)) or 'nothing'}); check base, "
                "candidate and the server's served model names")
        card = {k: v for k, v in cards.get(name, {"id": name, "listed": False}).items()
                if k != "created"}
        parts = urllib.parse.urlsplit(self.options.base_url)
        where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        digest = hashlib.sha256(json.dumps([where, parts.path.rstrip("/"), card],
                                           sort_keys=True, default=str).encode()).hexdigest()
        return f"served:{name}@{where}#{digest[:16]}"

    def _probe(self, name: str, text: str) -> tuple[str, list[float] | None]:
        """One probe's greedy reply and its tokens' log-probabilities (None when the server
        gives none; a server that refuses the logprobs field is asked again without it)."""
        body: dict = {"model": name, "max_tokens": PROBE_TOKENS, "temperature": 0.0, "n": 1}
        chat = [{"role": "user", "content": text}]
        if self.options.endpoint == "chat":
            body["messages"] = chat
        else:
            body["prompt"] = prompt.completion_text(chat, self.options.prompt_template)
        if self._logprobs:
            try:
                want = {"logprobs": True} if self.options.endpoint == "chat" else {"logprobs": 1}
                reply, choice = self._retried({**body, **want})
            except _Refused as e:
                if e.code in (401, 403, 404):
                    raise
                self._logprobs = False  # e.g. 400 "logprobs not supported"
        if not self._logprobs:
            reply, choice = self._retried(body)
        lp = choice.get("logprobs") if isinstance(choice, dict) else None
        values = None
        with contextlib.suppress(AttributeError, KeyError, TypeError, ValueError):
            raw = [t["logprob"] for t in lp["content"]] if "content" in lp \
                else lp["token_logprobs"]
            values = [round(float(v), 2) + 0.0 for v in raw]  # + 0.0: no -0.0
        return reply.strip(), values

    def served_behaviour(self, name: str) -> dict:
        """How the model served as `name` behaves: the hash of its greedy replies to the fixed
        PROBES and their tokens' log-probabilities (to 0.01; "" when the server gives none),
        kept as numbers so that they are compared with a tolerance (servers' numerics move
        slightly between runs; a hash of rounded values would flip at rounding boundaries).
        A different model behind the same name and address answers differently (issue 31)."""
        if name not in self._behaviour:
            asked = [self._probe(name, text) for text in PROBES]

            def digest(v: object) -> str:
                return hashlib.sha256(json.dumps(v).encode()).hexdigest()[:16]

            lps = [lp for _, lp in asked]
            self._behaviour[name] = {
                "scheme": PROBE_SCHEME, "replies": digest([r for r, _ in asked]),
                "logprobs": lps if all(lp is not None for lp in lps) else ""}
        return self._behaviour[name]

    def provenance(self, role: str) -> dict:
        """Server URL (without credentials), served names and what identifies them, decoding;
        never the key."""
        spec = self.variants[role]
        served = self.served_name(role)
        public = {k: v for k, v in asdict(self.options).items() if k != "base_url"}
        return {
            "backend": self.name,
            "backend_version": __version__,
            "torch_version": "n/a (served)",
            "fingerprint_scheme": SCHEME,
            "base_url": public_url(self.options.base_url),
            "endpoint": self.options.endpoint,
            "served_model": served,
            "model": spec.model,
            "model_fingerprint": self.served_fingerprint(spec.model),
            "adapter": spec.adapter or "",
            "adapter_fingerprint": self.served_fingerprint(spec.adapter) if spec.adapter else "",
            "persona": spec.persona or "",
            "served_behaviour": self.served_behaviour(served),
            "options": public,
            "dtype": "server",
            "device": "server",
            "decoding": self.decoding.to_dict(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
