"""Files written to the report folder on every run: results table, summary.json, summary.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

from warmgate.gate import GateResult
from warmgate.results import write_parquet


def summary(result: GateResult) -> dict:
    """The machine-readable summary: verdicts, figures per cell, provenance."""
    return {
        "verdict": "FAIL" if result.failed else "PASS",
        "cells": [c.to_dict() for c in result.cells],
        "provenance": result.provenance,
    }


def markdown(result: GateResult) -> str:
    """A GitHub-flavoured markdown summary: one row per cell."""
    lines = [
        f"## warmgate: {'FAIL' if result.failed else 'PASS'}",
        "",
        "| suite | context | belief | n | base err | cand err | change (pp) | 95% CI (pp) "
        "| threshold | p (Holm) | verdict |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for c in result.cells:
        lines.append(
            f"| {c.suite} | {c.context} | {c.belief} | {c.n} | {c.base_error:.1%} | "
            f"{c.candidate_error:.1%} | {c.delta * 100:+.1f} | "
            f"[{c.ci_low * 100:+.1f}, {c.ci_high * 100:+.1f}] | {c.threshold_pp:g} | "
            f"{c.p_adjusted:.3g} | **{c.verdict}** |"
        )
    return "\n".join(lines) + "\n"


def write_report(result: GateResult, folder: Path) -> Path:
    """Write the report folder; append the markdown to $GITHUB_STEP_SUMMARY when set."""
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet(result.table, folder / "results.parquet")
    (folder / "summary.json").write_text(json.dumps(summary(result), indent=2, default=str))
    md = markdown(result)
    (folder / "summary.md").write_text(md)
    step = os.environ.get("GITHUB_STEP_SUMMARY")
    if step:
        with open(step, "a", encoding="utf-8") as f:
            f.write(md)
    return folder
