"""The HTML report (warmgate/report/html.py) of a scripted run: it renders its plot and escapes
replies; a medical suite's refusals are shown per cell (markdown and HTML)."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess

import matplotlib.image as mpimg
import numpy as np
import pytest
from toys import make_suite

from warmgate.config import GateConfig
from warmgate.gate import run
from warmgate.report.flips import flipped_items
from warmgate.report.html import render_html
from warmgate.report.markdown import render_markdown

N = 60


def reply(role, message):
    i = int(message.split("item ")[1].split(" ")[0])
    if role == "candidate" and "I think the answer is" in message and i % 3 == 0:
        return f"<b>It is wrong{i}.</b>"  # markup in a reply must reach the page as text
    if role == "candidate" and i == 1:
        return "I'm sorry, but I can't help with that."
    return f"It is right{i}."


def test_html_embeds_a_decodable_plot_and_escapes_replies(result):
    page = render_html(result)
    m = re.search(r'id="forest-plot"[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert m, "no embedded PNG"
    img = mpimg.imread(io.BytesIO(base64.b64decode(m.group(1))), format="png")
    assert img.shape[0] > 200 and img.shape[1] > 400
    assert img[..., :3].std() > 0.05  # a drawing, not a blank canvas
    assert "&lt;b&gt;It is wrong" in page and "<b>It is wrong" not in page
    assert page.count('class="flip"') == len(flipped_items(result))


def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")


def _ink(png_path) -> int:
    """Pixels that are not (near) white: how much the browser drew."""
    img = mpimg.imread(png_path)[..., :3]
    return int((img.min(axis=2) < 0.9).sum())


@pytest.mark.skipif(_browser() is None, reason="no chromium (apt-get install -y chromium)")
def test_a_headless_browser_draws_the_plot(result, tmp_path):
    """Screenshot the page, and the same page with a blank image of the same size in the
    plot's place (same layout): the browser must draw the plot's ink."""
    page = render_html(result, max_flips=0)
    m = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    height, width = mpimg.imread(io.BytesIO(base64.b64decode(m.group(1))), format="png").shape[:2]
    blank = io.BytesIO()
    mpimg.imsave(blank, np.ones((height, width, 3)), format="png")
    with_plot, without = tmp_path / "with.html", tmp_path / "without.html"
    with_plot.write_text(page)
    without.write_text(page.replace(m.group(1), base64.b64encode(blank.getvalue()).decode()))
    shots = []
    for html_file in (with_plot, without):
        shot = tmp_path / f"{html_file.stem}.png"
        subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1200,900",
                        html_file.as_uri()], check=True, capture_output=True, timeout=120)
        shots.append(_ink(shot))
    # the plot's axes, points, intervals and labels: thousands of drawn pixels
    assert shots[0] - shots[1] > 5000, shots


def test_refusals_the_study_counts_are_shown_per_cell(tmp_path, scripted):
    """A medical suite's refusals count as errors and stay in the paired test: the report
    shows them per cell, and not among the refusals left out."""
    toy = make_suite(tmp_path, N, question="What is item {i} now?")
    medical = tmp_path / "medqa.jsonl"
    shutil.copy(toy, medical)
    cfg = GateConfig(suites=(str(medical),), contexts=("unmodified",), beliefs=("original",),
                     threshold=5.0, cache="off", baselines="off", liveness_probes=0,
                     report=str(tmp_path / "report"))
    got = run(cfg, backend=scripted(reply))
    md = render_markdown(got, max_flips=3)
    assert "Refusals counted by the study's grading" in md
    assert "| medqa | unmodified | original | 0 / 0 | 0 / 1 |" in md
    assert "left out of the paired test" not in md
    page = render_html(got)
    assert "Refusals counted by the study's grading" in page and "<td>0 / 1</td>" in page
