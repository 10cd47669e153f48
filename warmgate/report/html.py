"""The HTML report: one self-contained file (no scripts, no network) a reviewer opens anywhere."""

from __future__ import annotations

import base64
import html

from warmgate.report.flips import counted_refusals, describe_models, flipped_items, gap_lines, refusal_cells
from warmgate.report.markdown import by_reading, verdict_of
from warmgate.report.plot import forest_plot_png
from warmgate.secrets import redact

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:right}
th{background:#f6f8fa}td.l,th.l{text-align:left}
.PASS{color:#1a7f37;font-weight:600}.FAIL{color:#cf222e;font-weight:600}
.INCONCLUSIVE{color:#9a6700;font-weight:600}
img.plot{max-width:100%;border:1px solid #d0d7de}
.flip{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}
.flip pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;margin:.3rem 0}
.muted{color:#57606a}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def render_html(result, max_flips: int = 50, png: bytes | None = None) -> str:
    """The report page: verdict, forest plot (embedded PNG), per-cell table, flipped items."""
    png = forest_plot_png(result) if png is None else png
    verdict = verdict_of(result)
    base, cand = describe_models(result)
    counts = {v: sum(c.verdict == v for c in result.cells) for v in ("PASS", "FAIL",
                                                                     "INCONCLUSIVE")}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>warmgate report: {verdict}</title><style>{_CSS}</style></head><body>",
        f'<h1>warmgate: <span class="{verdict}">{verdict}</span></h1>',
        f'<p class="{verdict}">{_e(result.headline())}</p>',
        f"<p>{len(result.cells)} cells: {counts['PASS']} PASS, {counts['FAIL']} FAIL, "
        f"{counts['INCONCLUSIVE']} INCONCLUSIVE. Base <code>{_e(base)}</code>, candidate "
        f"<code>{_e(cand)}</code>. Family-wise alpha {result.config.alpha:g} (weighted Holm "
        "over cells and pooled tests).</p>",
        f'<p class="muted">Reading: {_e(result.reading())}.</p>',
        f'<p class="muted" id="baseline-used">{_e(result.baseline_line())}.</p>',
        "<h2>Change in error rate per cell</h2>",
        '<img class="plot" id="forest-plot" alt="forest plot: change in error rate per cell '
        'with 95% intervals and thresholds" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode("ascii")}">',
        "<h2>Cells</h2>",
        "<table><thead><tr>" + "".join(
            f'<th class="{"l" if h in ("suite", "context", "belief", "verdict") else ""}">{h}</th>'
            for h in ("suite", "context", "belief", "n", "base err", "cand err", "newly wrong",
                      "newly right", "change (pp)", "95% CI (pp)", "threshold (pp)",
                      "p (adj.)", "refusals base/cand", "unsure base/cand",
                      "for / against the candidate", "verdict")) + "</tr></thead><tbody>",
    ]
    for c in result.cells:
        out.append(
            f'<tr><td class="l">{_e(c.suite)}</td><td class="l">{_e(c.context)}</td>'
            f'<td class="l">{_e(c.belief)}</td><td>{c.n}</td><td>{c.base_error:.1%}</td>'
            f"<td>{c.candidate_error:.1%}</td><td>{c.b}</td><td>{c.c}</td>"
            f"<td>{c.delta * 100:+.1f}</td>"
            f"<td>[{c.ci_low * 100:+.1f}, {c.ci_high * 100:+.1f}]</td>"
            f"<td>+{c.threshold_pp:g}</td><td>{c.p_adjusted:.3g}</td>"
            f"<td>{c.refusals_base}/{c.refusals_candidate}</td>"
            f"<td>{c.unsure_base}/{c.unsure_candidate}</td><td>{_e(by_reading(c))}</td>"
            f'<td class="l {_e(c.verdict)}">{_e(c.verdict)}</td></tr>'
        )
    out.append("</tbody></table>")
    if result.pooled:
        out.append('<h2>Pooled per suite</h2><ul class="pooled">')
        out += [f'<li><span class="{_e(p.verdict)}">{_e(p.line())}</span> '
                f'<span class="muted">{_e(p.message()[len(p.line()):])}</span></li>'
                for p in result.pooled]
        out.append("</ul>")
    gaps = gap_lines(result)
    if gaps:
        out.append("<h2>Warmth gap</h2><ul>")
        out += [f"<li>{_e(g)}</li>" for g in gaps]
        out.append("</ul>")
    refusals = refusal_cells(result)
    if refusals:
        out.append('<p class="muted">Refusals in suites of no known family leave the paired '
                   "comparison; counts per cell are in the table.</p>")
    counted = counted_refusals(result)
    if counted:
        out.append("<h2>Refusals counted by the study's grading</h2><p class=\"muted\">They stay in "
                   "the paired test: medical and trivia refusals count as errors, disinformation ones as "
                   "correct, TruthfulQA ones by the item's references.</p><table><thead><tr>"
                   + "".join(f"<th>{h}</th>" for h in ("suite", "context", "belief",
                                                         "base correct / incorrect",
                                                         "candidate correct / incorrect"))
                   + "</tr></thead><tbody>")
        out += [f"<tr><td>{_e(c.suite)}</td><td>{_e(c.context)}</td><td>{_e(c.belief)}</td>"
                f"<td>{c.base_correct} / {c.base_incorrect}</td>"
                f"<td>{c.candidate_correct} / {c.candidate_incorrect}</td></tr>" for c in counted]
        out.append("</tbody></table>")
    flips = flipped_items(result)
    out.append(f"<h2>Flipped items: base right, candidate wrong ({min(len(flips), max_flips)} "
               f"of {len(flips)}, worst cells first)</h2>")
    if not flips:
        out.append('<p class="muted">None.</p>')
    for f in flips[:max_flips]:
        out.append(
            f'<div class="flip"><div><code>{_e(f.cell_id)}</code> item <code>{_e(f.item_id)}'
            f"</code></div><div class=\"muted\">prompt</div><pre>{_e(f.prompt)}</pre>"
            f'<div class="muted">base (right)</div><pre>{_e(f.base_output)}</pre>'
            f'<div class="muted">candidate (wrong)</div><pre>{_e(f.candidate_output)}</pre></div>'
        )
    prov = redact(result.provenance.to_dict())  # a key must never reach a report
    if prov:
        out.append("<h2>Provenance</h2><pre>" + _e(_pretty(prov)) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _pretty(data: dict) -> str:
    import json

    return json.dumps(data, indent=2, default=str, sort_keys=True)
