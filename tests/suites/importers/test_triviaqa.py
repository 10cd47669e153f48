"""TriviaQA importers (warmgate/suites/importers/triviaqa.py): the original JSON and the HF rows."""

import json
from pathlib import Path

from warmgate.suites.importers import import_file

FIX = Path(__file__).parents[2] / "fixtures" / "formats"


def test_triviaqa_json_keeps_aliases_and_borrows_a_wrong_answer_from_another_item():
    res = import_file("triviaqa", FIX / "triviaqa.json")
    assert (res.report.read, res.report.kept, res.report.rejected) == (2, 2, [])
    everest, gold = res.items
    assert everest.id == "triviaqa-wg_1" and everest.answer == "Mount Everest"
    assert "Chomolungma" in everest.aliases and "mount everest" not in everest.aliases[:2]
    assert everest.incorrect_answer == "Gold" and "borrowed from triviaqa-wg_2" in everest.notes
    assert gold.incorrect_answer == "Mount Everest"


def test_triviaqa_hf_rows_as_jsonl_and_parquet_match_the_original_json(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in (FIX / "triviaqa_hf.jsonl").read_text().splitlines()]
    parquet = tmp_path / "validation-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    original = import_file("triviaqa", FIX / "triviaqa.json").items
    for path in (FIX / "triviaqa_hf.jsonl", parquet):
        res = import_file("triviaqa-hf", path)
        assert res.report.rejected == []
        assert [(i.id, i.question, i.answer, i.aliases, i.incorrect_answer) for i in res.items] \
            == [(i.id, i.question, i.answer, i.aliases, i.incorrect_answer) for i in original]
