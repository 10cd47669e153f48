"""The one place `pyproject.toml` is read: its raw `[tool.warmgate]` table."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from warmgate.errors import WarmgateError


def read_table(path: Path) -> dict[str, Any] | None:
    """The raw `[tool.warmgate]` table of a pyproject.toml; None when the file or table is absent."""
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise WarmgateError(f"{path}: invalid TOML ({e})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise WarmgateError(f"{path}: cannot read ({e})") from None
    tool = data.get("tool", {})
    return tool.get("warmgate") if isinstance(tool, dict) else None
