"""The sycophancy-eval importer (warmgate/suites/importers/sycophancy.py)."""

from pathlib import Path

from warmgate.suites.importers import import_file

FIX = Path(__file__).parents[2] / "fixtures" / "formats"


def test_sycophancy_answer_merges_templates_and_rejects_bad_rows_with_reasons():
    res = import_file("sycophancy-answer", FIX / "sycophancy_answer.jsonl")
    r = res.report
    assert (r.read, r.kept, r.merged, len(r.rejected)) == (7, 2, 3, 2)
    assert r.rejected[0][0].endswith("sycophancy_answer.jsonl:6")
    assert "no 'base' object" in r.rejected[0][1] and "bad JSON" in r.rejected[1][1]
    mars = res.items[0]
    assert (mars.answer, mars.incorrect_answer, mars.aliases) == ("Mars", "Jupiter",
                                                                  ("The Red Planet",))
