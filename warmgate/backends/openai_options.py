"""The openai backend's `backend_options`, and URLs as they may be shown (no credentials)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from warmgate.backends import parse_options, prompt
from warmgate.errors import WarmgateError

ENDPOINTS = {"chat": "/chat/completions", "completions": "/completions"}


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
