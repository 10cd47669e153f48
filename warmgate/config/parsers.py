"""Parsers of the settings schema: one per kind of value, for TOML values and command-line text.

Each parser takes the raw value (a TOML value, or the string a flag was given) and where it
came from, and returns the typed value or raises a WarmgateError naming the setting, what it
must be and what it got. `warmgate.config.SETTINGS` pairs each setting with one of these.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from warmgate.errors import WarmgateError
from warmgate.secrets import check_options, looks_like_key

Parser = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Setting:
    """One field of `[tool.warmgate]`: its parser, help text, flag metavar and group, env var."""

    key: str
    parse: Parser
    help: str
    metavar: str = "VALUE"
    group: str = "settings"
    flag: bool = True  # offered as --<key> and --warmgate-<key>
    env: str | None = None


def _bad(where: str, what: str, value: Any) -> WarmgateError:
    shown = "a value that looks like a key (not shown)" if looks_like_key(value) else repr(value)
    return WarmgateError(f"{where} must be {what}, got {shown}")


def text(value: Any, where: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise _bad(where, "a non-empty string", value)
    return value.strip()


def folder(value: Any, where: str) -> str:
    """A folder path, or 'off'."""
    return text(value, where)


def integer(low: int, high: int | None = None) -> Parser:
    """An int in [low, high]: TOML integers or digits on the command line (no bools, no 2.7)."""

    def parse(value: Any, where: str) -> int:
        what = f"a whole number >= {low}" + (f" and <= {high}" if high is not None else "")
        if isinstance(value, bool):
            raise _bad(where, what, value)
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise _bad(where, what, value) from None
        if not isinstance(value, int) or value < low or (high is not None and value > high):
            raise _bad(where, what, value)
        return value

    return parse


def number(low: float, high: float, open_ends: bool = False) -> Parser:
    """A finite float in [low, high] (or (low, high) with `open_ends`): no nan, no inf."""

    def parse(value: Any, where: str) -> float:
        what = (f"a number between {low:g} and {high:g}"
                + (" (exclusive)" if open_ends else ""))
        if isinstance(value, bool):
            raise _bad(where, what, value)
        try:
            x = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise _bad(where, what, value) from None
        inside = low < x < high if open_ends else low <= x <= high
        if not math.isfinite(x) or not inside:
            raise _bad(where, what, value)
        return x

    return parse


def _listed(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.split(",")) if v]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip()
                                                         for v in value):
        raise _bad(where, "a list of names (or A,B on the command line)", value)
    return [v.strip() for v in value]


def names(what: str, allowed: Sequence[str]) -> Parser:
    """A non-empty list of known names, each once."""

    def parse(value: Any, where: str) -> tuple[str, ...]:
        got = _listed(value, where)
        if not got:
            raise WarmgateError(f"{where} is empty: name at least one of {', '.join(allowed)}")
        for v in got:
            if v not in allowed:
                raise WarmgateError(f"{where}: unknown {what[:-1]} {v!r}; expected "
                                    f"{', '.join(allowed)}")
        if len(set(got)) != len(got):
            raise WarmgateError(f"{where}: {what} named twice: {', '.join(got)}")
        return tuple(got)

    return parse


def suites(value: Any, where: str) -> tuple[str, ...]:
    """A non-empty list of suite names or .jsonl paths."""
    got = _listed(value, where)
    if not got:
        raise WarmgateError(f"{where} is empty: name at least one suite")
    return tuple(got)


def choice(what: str, allowed: Sequence[str]) -> Parser:
    """One of `allowed`."""

    def parse(value: Any, where: str) -> str:
        if value not in allowed:
            raise WarmgateError(f"{where}: unknown {what} {value!r}; expected "
                                f"{', '.join(allowed)}")
        return value

    return parse


def items(value: Any, where: str) -> int | str:
    """Items per suite: a whole number >= 1, or 'study'."""
    if isinstance(value, str) and value.strip().lower() == "study":
        return "study"
    try:
        return integer(1)(value, where)
    except WarmgateError:
        raise _bad(where, "a whole number >= 1 or 'study'", value) from None


def thresholds(value: Any, where: str) -> dict[str, float]:
    """A table of framing -> pp (or KEY=PP,... on the command line); keys checked by validate."""
    if isinstance(value, str):
        table: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in value.split(","))):
            key, sep, pp = part.rpartition("=")
            if not sep or not key.strip():
                raise WarmgateError(f"{where}: expected KEY=PP pairs such as emotion:sad=3, "
                                    f"got {part!r}")
            table[key.strip()] = pp
        value = table
    if not isinstance(value, dict):
        raise _bad(where, "a table such as { \"emotion:sad\" = 3.0 }", value)
    pp = number(0, 100)
    return {str(k): pp(v, f"{where}.{k}") for k, v in value.items()}


def candidate(value: Any, where: str) -> dict[str, str]:
    """A model name, a table with one of model/adapter/persona, or KEY=VALUE on the command line."""
    if isinstance(value, str):
        key, sep, rest = value.partition("=")
        value = {key: rest} if sep and key in ("adapter", "model", "persona") else {"model": value}
    if not isinstance(value, dict) or not value.keys() & {"model", "adapter", "persona"}:
        raise _bad(where, "a model name, or a table with model, adapter or persona", value)
    unknown = sorted(set(value) - {"model", "adapter", "persona"})
    if unknown:
        raise WarmgateError(f"{where}: unknown key(s) {', '.join(unknown)}; expected model, "
                            "adapter or persona")
    return {k: text(v, f"{where}.{k}") for k, v in value.items()}


def backend_options(value: Any, where: str) -> dict[str, Any]:
    """A table of engine settings, never holding a secret (only the *_env names of variables)."""
    return check_options(value, where)


def flag(value: Any, where: str) -> bool:
    """true or false (TOML booleans; true/false, yes/no, 1/0 on the command line)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise _bad(where, "true or false", value)


#: Keys of the `judge` table.
JUDGE_KEYS = ("model", "backend", "options", "calibration", "max_new_tokens")


def judge(value: Any, where: str) -> dict[str, Any]:
    """The judge: a model name, or a table with model, backend, options, calibration."""
    if isinstance(value, str):
        value = {"model": value}
    if not isinstance(value, dict) or "model" not in value:
        raise _bad(where, "a model name, or a table with model (and backend, options, "
                   "calibration)", value)
    unknown = sorted(set(value) - set(JUDGE_KEYS))
    if unknown:
        raise WarmgateError(f"{where}: unknown key(s) {', '.join(unknown)}; expected "
                            f"{', '.join(JUDGE_KEYS)}")
    out: dict[str, Any] = {"model": text(value["model"], f"{where}.model"),
                           "backend": text(value.get("backend", "transformers"), f"{where}.backend"),
                           "options": backend_options(value.get("options"), f"{where}.options")}
    if "calibration" in value:
        out["calibration"] = text(value["calibration"], f"{where}.calibration")
    out["max_new_tokens"] = integer(1, 4096)(value.get("max_new_tokens", 8),
                                             f"{where}.max_new_tokens")
    return out
