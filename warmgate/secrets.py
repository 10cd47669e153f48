"""What looks like a secret, in a setting's name or in its value; and redaction of what is
written out. Keys live in environment variables named by `*_env` settings, never in config,
and no message or artefact of warmgate repeats a value that looks like one."""

from __future__ import annotations

import re
from typing import Any

from warmgate.errors import WarmgateError

#: Option names that look like secrets (compared lower-case, at any depth of a table).
SECRET_NAMES = {"key", "apikey", "token", "secret", "password", "authorization", "bearer",
                "credentials"}
SECRET_ENDINGS = ("_key", "_token", "_secret", "_password", "_apikey", "-key", "-token")
REDACTED = "[redacted]"
#: Prefixes of provider keys and tokens (OpenAI, Anthropic, Hugging Face, GitHub, Slack, AWS,
#: Google, JWTs) and any "Bearer ..." header.
_KEY_VALUE = re.compile(
    r"^\s*(sk-|sk_|pk-|rk-|hf_|ghp_|gho_|ghs_|ghu_|github_pat_|xox[abpr]-|AKIA|ASIA|AIza|eyJ"
    r"|Bearer\s)", re.I)
#: A long token mixing upper case, lower case and digits (not a hex digest, path or name).
_LONG_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{32,}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def secret_name(name: object) -> bool:
    """Does an option's name say it holds a secret (`api_key`, `OPENAI_API_KEY`, `token`)?"""
    low = str(name).lower()
    return low in SECRET_NAMES or low.endswith(SECRET_ENDINGS)


def looks_like_key(value: object) -> bool:
    """Does a text value look like a key or token (never echo such a value)?"""
    if not isinstance(value, str):
        return False
    if _KEY_VALUE.match(value):
        return True
    v = value.strip()
    return bool(_LONG_TOKEN.match(v) and re.search(r"[a-z]", v) and re.search(r"[A-Z]", v)
                and re.search(r"\d", v))


def find_secret(value: Any, where: str) -> str | None:
    """The dotted path of the first secret in a (nested) table, by name or by value, else None."""
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{where}.{k}"
            if secret_name(k) or looks_like_key(str(k)):
                return path if not looks_like_key(str(k)) else f"{where}.<a key used as a name>"
            found = find_secret(v, path)
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = find_secret(v, f"{where}[{i}]")
            if found:
                return found
        return None
    return where if looks_like_key(value) else None


def redact(value: Any) -> Any:
    """A copy with every value under a secret-looking name, and every key-looking text, replaced
    by "[redacted]": for whatever warmgate writes out (shard manifests, reports)."""
    if isinstance(value, dict):
        return {(REDACTED if looks_like_key(str(k)) else k):
                (REDACTED if secret_name(k) and v not in (None, "") else redact(v))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return REDACTED if looks_like_key(value) else value


def check_options(value: Any, where: str) -> dict[str, Any]:
    """A table of engine settings, never holding a secret (only the *_env names of variables)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WarmgateError(f"{where} must be a table, e.g. "
                            "backend_options = { base_url = \"http://127.0.0.1:8000/v1\" }")
    for key, v in value.items():
        # `api_key_env` names a variable; a table such as Ray's `runtime_env` is checked below
        if str(key).lower().endswith("_env") and isinstance(v, str) and (
                not ENV_NAME.match(v) or looks_like_key(v)):
            raise WarmgateError(
                f"{where}.{key} must name an environment variable (letters, digits and _, "
                "such as \"OPENAI_API_KEY\"); the value given is not one and is not shown, "
                "since it may be the key itself. Export the key as a variable and name it")
    found = find_secret(value, where)
    if found:
        raise WarmgateError(
            f"{found} looks like a secret (its value is not shown); never put keys in config. "
            "Export it as an environment variable and name the variable with "
            "api_key_env = \"MY_API_KEY_VARIABLE\"")
    return dict(value)
