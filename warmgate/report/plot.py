"""The forest plot: change in error rate with its 95% interval per cell, threshold marked."""

from __future__ import annotations

import io

_COLOR = {"PASS": "#1a7f37", "FAIL": "#cf222e", "INCONCLUSIVE": "#9a6700"}


def forest_plot_png(result, dpi: int = 110) -> bytes:
    """A PNG: one row per cell grouped by suite then context, x = change in pp, thresholds in red."""
    import matplotlib

    matplotlib.use("Agg", force=True)  # headless: CI runners have no display
    import matplotlib.pyplot as plt

    cells = sorted(result.cells, key=lambda c: (c.suite, c.context, c.belief))
    rows = max(len(cells), 1)
    fig, ax = plt.subplots(figsize=(8.5, 1.9 + 0.34 * rows + 0.3 * len({c.suite for c in cells})))
    try:
        y, ticks, labels, prev = 0.0, [], [], None
        for c in cells:
            if prev is not None and c.suite != prev:
                y += 0.6
                ax.axhline(-(y - 0.8), color="#d0d7de", lw=0.8)
            if c.suite != prev:
                ax.text(0.005, -y + 0.42, f"suite: {c.suite}", transform=ax.get_yaxis_transform(),
                        ha="left", va="bottom", fontsize=8, fontweight="bold", color="#57606a")
            prev = c.suite
            color = _COLOR.get(c.verdict, "black")
            d, lo, hi = c.delta * 100, c.ci_low * 100, c.ci_high * 100
            ax.errorbar(d, -y, xerr=[[max(d - lo, 0)], [max(hi - d, 0)]], fmt="o", color=color,
                        ms=4.5, capsize=3, lw=1.4)
            ax.plot([c.threshold_pp], [-y], marker="|", ms=13, mew=2, color="#cf222e")
            ticks.append(-y)
            labels.append(f"{c.context} · {c.belief}")
            y += 1
        ax.axvline(0, color="#57606a", lw=0.8)
        ax.set_yticks(ticks, labels, fontsize=8)
        ax.set_xlabel("change in error rate, candidate − base (percentage points, 95% CI)")
        ax.set_title("warmgate: candidate vs base per cell (red bar: threshold)", fontsize=10)
        for verdict, color in _COLOR.items():
            ax.plot([], [], "o", color=color, label=verdict)
        ax.plot([], [], "|", color="#cf222e", ms=10, mew=2, label="threshold")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16 * 8 / (8 + rows)), ncol=4,
                  fontsize=7, frameon=False)
        ax.grid(axis="x", color="#eaeef2", lw=0.6)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()
    finally:
        plt.close(fig)
