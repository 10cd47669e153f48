"""Command-line options generated from the settings schema, for argparse and for pytest.

`warmgate run --threshold 3` and `pytest --warmgate-threshold 3` are the same setting, made
from the same `config.SETTINGS` entry and merged by the same `config.resolve`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from warmgate.config.schema import SETTINGS


def _help(text: str) -> str:
    """Help text as argparse (and pytest's parser) formats it: a bare % starts a format."""
    return text.replace("%", "%%")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One `--<key>` flag per setting, grouped as the schema groups them."""
    groups: dict[str, Any] = {}
    for x in SETTINGS:
        if not x.flag:
            continue
        if x.group not in groups:
            groups[x.group] = parser.add_argument_group(x.group)
        groups[x.group].add_argument(f"--{x.key.replace('_', '-')}", dest=f"setting_{x.key}",
                                     metavar=x.metavar, default=None, help=_help(x.help))


def add_pytest_options(group: Any) -> None:
    """One `--warmgate-<key>` option per setting, in pytest's `warmgate` group."""
    for x in SETTINGS:
        if x.flag:
            group.addoption(f"--warmgate-{x.key.replace('_', '-')}", dest=f"warmgate_{x.key}",
                            metavar=x.metavar, default=None, help=_help(x.help))


def overrides(get: Callable[[str], Any], prefix: str) -> dict[str, Any]:
    """The settings given on a command line: `get(prefix + key)` for each flag that was given."""
    out = {}
    for x in SETTINGS:
        if x.flag:
            value = get(f"{prefix}{x.key}")
            if value is not None:
                out[x.key] = value
    return out


def argparse_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given to an argparse parser built with `add_arguments`."""
    return overrides(lambda name: getattr(args, name, None), "setting_")
