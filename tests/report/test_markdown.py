"""The markdown report (warmgate/report/markdown.py) is a valid GFM table."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from warmgate.report.markdown import render_markdown


def test_markdown_is_a_valid_table_with_verdicts_refusals_and_flips(result):
    md = render_markdown(result, max_flips=3)
    html = MarkdownIt("commonmark").enable("table").render(md)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cell_rows = [r for r in rows if "<td>" in r and ("PASS" in r or "FAIL" in r
                                                      or "INCONCLUSIVE" in r)]
    assert len(cell_rows) == len(result.cells)
    assert all(r.count("<td") == 13 for r in cell_rows)  # no stray pipe split a row
    assert "warmgate: FAIL" in md and md.count("<details>") == 3
    # the shown flips come from both regressed cells, not three from one
    shown = re.findall(r"<summary><code>([^<]+)</code>", md)
    assert set(shown) == {"toy-unmodified-incorrect", "toy-emotion:sad-incorrect"}
    assert "Refusals" in md and "warmth gap under emotion:sad" in md
    assert "<b>It is wrong" not in md and "&lt;b&gt;It is wrong" in md
