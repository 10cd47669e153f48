"""OpenAI-compatible HTTP backend: a vLLM server, TGI, `python -m warmgate.testing.server`, a hosted API.

Model and adapter names are the names the server knows: the base role asks for `model`, a
candidate with an `adapter` asks for the adapter's served name (vLLM's `--lora-modules
name=path`). The API key comes from an environment variable only (`api_key_env`); it is never
stored on the backend's public attributes, in provenance, in errors or in logs.

Requests run concurrently up to `concurrency`; each is retried with exponential backoff and
jitter on 429, 5xx, timeouts, dropped connections and cut-off replies, so that a run finishes
with exactly one reply per prompt, in the order given.

The options are `warmgate.backends.openai_options`'; the requests, key and retries
`warmgate.backends.http_transport`'s; what identifies a served model
`warmgate.backends.served_identity`'s. This module is the backend: bodies, replies in order,
provenance.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict

from warmgate import __version__
from warmgate.backends import Decoding, ModelSpec, Progress, prompt
from warmgate.backends.http_transport import Transport
from warmgate.backends.openai_options import ENDPOINTS, HTTPOptions, public_url
from warmgate.backends.served_identity import ServedIdentity
from warmgate.errors import WarmgateError
from warmgate.weights_id import SCHEME


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
        self._http = Transport(self.options, key)  # holds the key, privately
        self.stats = self._http.stats  # requests and retries, counted by the transport
        self._served = ServedIdentity(self._http, self.options, self.url)

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

    def _ask(self, body: dict) -> str:
        """One reply's text, cut at the first newline when the decoding says so."""
        text = self._http.retried(self.url, body)[0]
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
    def served_fingerprint(self, name: str) -> str:
        """The server's address and its card for the model served as `name` (ServedIdentity)."""
        return self._served.fingerprint(name)

    def served_behaviour(self, name: str) -> dict:
        """How the model served as `name` answers the fixed probes (ServedIdentity)."""
        return self._served.behaviour(name)

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
