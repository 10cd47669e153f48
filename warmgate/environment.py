"""The environment: every variable warmgate reads, declared once, read through `getenv` only."""

from __future__ import annotations

import os

#: Every environment variable warmgate reads, and what for (`getenv` refuses any other).
ENVIRONMENT = {
    "CI": "set by CI systems: baseline updates need approval; progress bars off",
    "WARMGATE_GENERATION_CACHE": "the generation cache folder, or 'off' (over [tool.warmgate])",
    "WARMGATE_CACHE": "warmgate's cache root (converted embedded model, judge verdicts)",
    "XDG_CACHE_HOME": "the user cache root when WARMGATE_CACHE is unset",
    "WARMGATE_APPROVED_BY": "who approved a baseline update (the approved workflow sets it)",
    "WARMGATE_REASON": "why the baseline changes (the approved workflow sets it)",
    "WARMGATE_PROGRESS": "1 forces progress bars on, 0 off",
    "WARMGATE_GPU_PER_WORKER": "0 leaves CUDA_VISIBLE_DEVICES alone under pytest -n N",
    "CUDA_VISIBLE_DEVICES": "the GPUs xdist workers share out",
    "GITHUB_STEP_SUMMARY": "where GitHub Actions reads the job summary (markdown is appended)",
}


def getenv(name: str) -> str | None:
    """An environment variable declared in ENVIRONMENT (a secret's variable is named by config)."""
    if name not in ENVIRONMENT:
        raise KeyError(f"undeclared environment variable {name}: add it to config.ENVIRONMENT")
    return os.environ.get(name)


def secret(variable: str) -> str | None:
    """The value of the variable a config names for a secret (`api_key_env`); never logged."""
    return os.environ.get(variable) or None


def in_ci() -> bool:
    """True when CI is set to anything but an explicit no (CI=false is not CI, everywhere)."""
    return (getenv("CI") or "").strip().lower() not in ("", "0", "false", "no")


def is_off(value: object) -> bool:
    """The one spelling of "switched off" for folder settings: off, none, false or no."""
    return isinstance(value, str) and value.strip().lower() in ("off", "none", "false", "no")


def approval_env() -> tuple[str | None, str | None]:
    """Approval of a baseline update from the environment (the approved workflow sets these)."""
    return getenv("WARMGATE_APPROVED_BY"), getenv("WARMGATE_REASON")


