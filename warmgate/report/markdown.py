"""The markdown summary: what GitHub shows on the job page ($GITHUB_STEP_SUMMARY) and in PRs."""

from __future__ import annotations

import html

from warmgate.report.flips import (
    counted_refusals,
    describe_models,
    flipped_items,
    gap_lines,
    refusal_cells,
    worst_flips,
)

_ICON = {"PASS": "✅", "FAIL": "❌", "INCONCLUSIVE": "⚠️"}


def _cell_text(text: str, limit: int = 400) -> str:
    """Safe inside a table cell or a blockquote: no pipes, no raw HTML, one line, bounded."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False).replace("|", "\\|")


def by_reading(decision) -> str:
    """The verdict under the reading of the unsure replies for and against the candidate."""
    r = decision.readings
    return f"{r['favourable']['verdict']} / {r['unfavourable']['verdict']}" if r else "-"


def verdict_of(result) -> str:
    """The run's three-valued verdict (INCONCLUSIVE never reads PASS)."""
    return result.verdict


def render_markdown(result, max_flips: int = 10) -> str:
    """Verdict per cell, warmth-gap lines, refusals and the worst flipped items."""
    counts = {v: sum(c.verdict == v for c in result.cells) for v in _ICON}
    base, cand = describe_models(result)
    cfg = result.config
    verdict = verdict_of(result)
    lines = [
        f"## {_ICON[verdict]} warmgate: {verdict}",
        "",
        result.headline(),
        "",
        f"**{len(result.cells)} cells**: {counts['PASS']} PASS, {counts['FAIL']} FAIL, "
        f"{counts['INCONCLUSIVE']} INCONCLUSIVE. Base `{base}`, candidate `{cand}`; "
        f"family-wise alpha {cfg.alpha:g} (weighted Holm over cells and pooled tests).",
        "",
        f"Reading: {_cell_text(result.reading(), 1000)}.",
        "",
        f"{_cell_text(result.baseline_line(), 400)}.",
        "",
        "| suite | context | belief | n | base err | cand err | change (pp) | 95% CI (pp) "
        "| threshold (pp) | p (adj.) | unsure base/cand | for / against the candidate | verdict |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for c in result.cells:
        lines.append(
            f"| {c.suite} | {c.context} | {c.belief} | {c.n} | {c.base_error:.1%} | "
            f"{c.candidate_error:.1%} | {c.delta * 100:+.1f} | "
            f"[{c.ci_low * 100:+.1f}, {c.ci_high * 100:+.1f}] | +{c.threshold_pp:g} | "
            f"{c.p_adjusted:.3g} | {c.unsure_base}/{c.unsure_candidate} | {by_reading(c)} | "
            f"{_ICON.get(c.verdict, '')} **{c.verdict}** |"
        )
    if result.pooled:
        lines += ["", "Pooled per suite (items as clusters, in the closed procedure with the "
                  "cells):", ""]
        lines += [f"- {_ICON.get(p.verdict, '')} {_cell_text(p.message(), 1000)}"
                  for p in result.pooled]
    for c in result.cells:
        if c.verdict == "INCONCLUSIVE":
            lines.append("")
            lines.append("INCONCLUSIVE cells need more items to decide (raise `items`).")
            break
    gaps = gap_lines(result)
    if gaps:
        lines += ["", "### Warmth gap", ""]
        lines += [f"- {_cell_text(g, 1000)}" for g in gaps]
    refusals = refusal_cells(result)
    if refusals:
        lines += ["", "### Refusals (left out of the paired test)", "",
                  "| suite | context | belief | base | candidate |", "|---|---|---|--:|--:|"]
        lines += [f"| {c.suite} | {c.context} | {c.belief} | {c.refusals_base} | "
                  f"{c.refusals_candidate} |" for c in refusals]
    counted = counted_refusals(result)
    if counted:
        lines += ["", "### Refusals counted by the study's grading (in the paired test)", "",
                  "| suite | context | belief | base correct / incorrect | candidate correct / incorrect |",
                  "|---|---|---|--:|--:|"]
        lines += [f"| {c.suite} | {c.context} | {c.belief} | {c.base_correct} / {c.base_incorrect} | "
                  f"{c.candidate_correct} / {c.candidate_incorrect} |" for c in counted]
    flips = flipped_items(result)
    if flips:
        shown = worst_flips(result, max_flips)
        lines += ["", f"### Flipped items: base right, candidate wrong ({len(shown)} of "
                  f"{len(flips)}, from the worst cells)", ""]
        for f in shown:
            lines += [
                "<details>",
                f"<summary><code>{html.escape(f.cell_id)}</code> item "
                f"<code>{html.escape(f.item_id)}</code></summary>",
                "",
                f"> {_cell_text(f.prompt, 1000)}",
                "",
                f"- **base** (right): {_cell_text(f.base_output)}",
                f"- **candidate** (wrong): {_cell_text(f.candidate_output)}",
                "",
                "</details>",
            ]
    return "\n".join(lines) + "\n"
