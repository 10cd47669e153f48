"""Files written to the report folder on every run.

results.parquet (the full results table), summary.json (machine-readable), summary.md (also
appended to $GITHUB_STEP_SUMMARY when set), report.html (self-contained, forest plot embedded)
and forest.png. Every file is written atomically: a reader never sees half a report.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from warmgate.atomic import make_dir, write_bytes
from warmgate.environment import getenv
from warmgate.report.flips import gap_lines
from warmgate.report.html import render_html
from warmgate.report.markdown import render_markdown, verdict_of
from warmgate.report.plot import forest_plot_png
from warmgate.result import GateResult
from warmgate.secrets import redact
from warmgate.table import write_parquet

FILES = ("results.parquet", "summary.json", "summary.md", "report.html", "forest.png")


def summary(result: GateResult) -> dict:
    """The machine-readable summary: verdicts, figures per cell, provenance."""
    return {
        "verdict": verdict_of(result),
        "cells": [c.to_dict() for c in result.cells],
        "pooled": [p.to_dict() for p in result.pooled],
        "warmth_gap": gap_lines(result),
        "reading": result.reading(),
        "unsure": result.config.unsure,  # the policy: bound (both readings) or incorrect
        "unsure_cells": result.unsure_cells(),
        "provenance": redact(result.provenance.to_dict()),
    }


def write_report(result: GateResult, folder: Path) -> Path:
    """Write the report folder; append the markdown to $GITHUB_STEP_SUMMARY when set."""
    make_dir(folder)
    write_parquet(result.table, folder / "results.parquet")
    write_bytes(folder / "summary.json",
                  json.dumps(summary(result), indent=2, default=str).encode("utf-8"))
    md = render_markdown(result)
    write_bytes(folder / "summary.md", md.encode("utf-8"))
    png = forest_plot_png(result)
    write_bytes(folder / "forest.png", png)
    write_bytes(folder / "report.html", render_html(result, png=png).encode("utf-8"))
    step = getenv("GITHUB_STEP_SUMMARY")
    if step:
        try:
            with open(step, "a", encoding="utf-8") as f:
                f.write(md + "\n")
        except OSError as e:  # the runner's fault: the report folder is written, the verdict stands
            warnings.warn(f"GITHUB_STEP_SUMMARY={step}: could not append the job summary ({e})",
                          UserWarning, stacklevel=2)
    return folder
