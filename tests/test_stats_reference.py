"""warmgate.stats against the study's published numbers and a textbook interval.

The study (Ibrahim, Hafner & Rocher 2026) publishes, per model x dataset x context x test type,
the McNemar odds ratio b / c, "Cohen's g" |b - c| / sqrt(b + c), the exact McNemar p-value and
the BH-corrected p-value. b and c are recovered as the integer pairs consistent with both
rounded statistics; the p-values must then be reproduced to the published 4 decimals.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from warmgate.stats import bh, mcnemar, paired_diff_ci

REFERENCE = (Path(__file__).resolve().parents[2] / "shared" / "reference" / "warm_ai_2025"
             / "summary_data" / "results_warm_ft.csv")


def recover_counts(df: pd.DataFrame) -> list[list[tuple[int, int]]]:
    """Every (b, c) pair consistent with each row's rounded odds ratio and g."""
    b, c = np.meshgrid(np.arange(0, 701), np.arange(0, 701), indexing="ij")
    b, c = b.ravel(), c.ravel()
    s = b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(s > 0, np.abs(b - c) / np.sqrt(s), 0.0)
    order = np.argsort(g, kind="stable")
    g_sorted = g[order]
    out = []
    for _, row in df.iterrows():
        lo, hi = np.searchsorted(g_sorted, [row["Cohen's g"] - 0.0005 - 1e-9,
                                            row["Cohen's g"] + 0.0005 + 1e-9])
        bb, cc = b[order[lo:hi]], c[order[lo:hi]]
        if row["Odds Ratio"] == "∞":
            keep = (cc == 0) & (bb > 0)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(cc > 0, bb / cc, np.inf)
            keep = np.abs(ratio - float(row["Odds Ratio"])) <= 0.005 + 1e-9
        out.append(sorted((int(x), int(y)) for x, y in zip(bb[keep], cc[keep], strict=True)))
    return out


@pytest.fixture(scope="module")
def study():
    if not REFERENCE.exists():
        pytest.skip(f"the study's reference data is not here ({REFERENCE})")
    df = pd.read_csv(REFERENCE)
    return df, recover_counts(df)


def test_published_exact_mcnemar_pvalues_are_reproduced(study):
    df, candidates = study
    unique = [i for i, cand in enumerate(candidates) if len(cand) == 1]
    assert len(df) == 360 and len(unique) >= 350  # the rest are b = c rows (g = 0, p = 1)
    for i, cand in enumerate(candidates):
        published = df["p-value"].iloc[i]
        assert cand, f"row {i}: no (b, c) fits the published odds ratio and g"
        for b, c in cand[:5]:
            ours = mcnemar(b, c).pvalue  # the study's test is two-sided
            assert ours == pytest.approx(published, abs=5e-5 + 1e-12), (i, b, c)


def test_published_bh_correction_is_reproduced_per_model_dataset_and_test_type(study):
    df, candidates = study
    df = df.assign(ours=[mcnemar(*cand[0]).pvalue for cand in candidates])
    for _, group in df.groupby(["Model", "Dataset", "Test_Type"]):
        adjusted = bh(list(group.ours))
        assert adjusted == pytest.approx(list(group["p-value (FDR corrected)"]), abs=5e-5 + 1e-12)


def test_one_sided_direction_matches_the_published_sign(study):
    df, candidates = study
    # b counts newly wrong: published accuracy falls (Raw Diff < 0) exactly when b > c, and
    # then the one-sided "candidate worse" p-value is the smaller half of the two-sided one
    for i, cand in enumerate(candidates):
        b, c = cand[0]
        if b != c:
            assert (df["Raw Diff (pp)"].iloc[i] < 0) == (b > c)
            if b > c:
                two = mcnemar(b, c).pvalue
                assert mcnemar(b, c, "greater").pvalue == pytest.approx(min(1.0, two / 2))


def test_tango_interval_matches_the_textbook_example():
    # Fagerland, Lydersen & Laake, "Statistical analysis of contingency tables", ch. 8:
    # Cavo et al. 2012, n = [[59, 6], [16, 80]]: Tango 95% CI -0.1240 to -0.0054
    lo, hi = paired_diff_ci(59, 6, 16, 80, 0.95)
    assert lo == pytest.approx(-0.1240, abs=5e-5)
    assert hi == pytest.approx(-0.0054, abs=5e-5)
