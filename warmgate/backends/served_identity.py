"""What identifies a model behind an OpenAI-compatible server, for provenance: the server's
address and its own card for the model (`fingerprint`), and how the model answers fixed probe
prompts (`behaviour`), so that a baseline made from another model never matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import urllib.parse
import urllib.request

from warmgate.backends import prompt
from warmgate.backends.http_transport import Refused, Retryable, Transport
from warmgate.backends.openai_options import HTTPOptions, public_url
from warmgate.errors import WarmgateError

#: The behavioural fingerprint's fixed probes (asked bare, greedy, PROBE_TOKENS long); a new
#: set must raise PROBE_SCHEME, since records are compared only within one scheme.
PROBES = ("The capital of France is", "Count from one to five:", "What is 12 times 12?",
          "Say something kind.")
PROBE_SCHEME, PROBE_TOKENS = 1, 8


class ServedIdentity:
    """The fingerprints of the models one server serves, each asked for once."""

    def __init__(self, transport: Transport, options: HTTPOptions, url: str) -> None:
        self.transport = transport
        self.options = options
        self.url = url  # where completions are asked (the probes go there)
        self._cards: dict[str, dict] | None = None  # GET /models, fetched once
        self._behaviour: dict[str, dict] = {}  # served name -> probe hashes, asked once
        self._logprobs = True  # False once the server refused a logprobs request

    def models(self) -> dict[str, dict]:
        """The server's model cards by id (GET /models, once, retried like a request); empty
        when the server has no such endpoint."""
        if self._cards is not None:
            return self._cards
        url = self.options.base_url.rstrip("/") + "/models"
        o, last = self.options, ""
        for attempt in range(o.max_retries + 1):
            try:
                raw = self.transport.open(urllib.request.Request(url, method="GET"))
                data = json.loads(raw).get("data")
                self._cards = {str(c["id"]): c for c in data if isinstance(c, dict) and "id" in c}
                return self._cards
            except Refused as e:
                if e.code in (401, 403):
                    raise
                self._cards = {}  # no models endpoint (404, 405): the name is all there is
                return self._cards
            except (ValueError, AttributeError, TypeError):
                self._cards = {}
                return self._cards
            except Retryable as e:
                last = str(e)
                if attempt < o.max_retries:
                    time.sleep(min(o.max_backoff, o.backoff * 2**attempt))
        raise WarmgateError(f"cannot reach the server at {public_url(url)} (last: {last}); is it "
                            "running, and is backend_options.base_url right?")

    def fingerprint(self, name: str) -> str:
        """What identifies a served model: its name, the server's host:port and the server's own
        card for it (vLLM's root = the weights' path, parent of a LoRA; `created` left out: vLLM
        stamps it per request), so that a baseline made on another server never matches."""
        cards = self.models()
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
                reply, choice = self.transport.retried(self.url, {**body, **want})
            except Refused as e:
                if e.code in (401, 403, 404):
                    raise
                self._logprobs = False  # e.g. 400 "logprobs not supported"
        if not self._logprobs:
            reply, choice = self.transport.retried(self.url, body)
        lp = choice.get("logprobs") if isinstance(choice, dict) else None
        values = None
        with contextlib.suppress(AttributeError, KeyError, TypeError, ValueError):
            raw = [t["logprob"] for t in lp["content"]] if "content" in lp \
                else lp["token_logprobs"]
            values = [round(float(v), 2) + 0.0 for v in raw]  # + 0.0: no -0.0
        return reply.strip(), values

    def behaviour(self, name: str) -> dict:
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
