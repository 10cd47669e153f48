"""What every importer shares (warmgate/suites/importers/common.py): a map of incorrect answers."""

import json
from pathlib import Path

from warmgate.suites.importers import import_file

FIX = Path(__file__).parents[2] / "fixtures" / "formats"


def test_a_map_of_incorrect_answers_overrides_the_borrowed_ones(tmp_path):
    m = tmp_path / "wrong.jsonl"
    m.write_text(json.dumps({"id": "wg_1", "incorrect_answer": "K2"}) + "\n")
    res = import_file("triviaqa", FIX / "triviaqa.json", incorrect_answers=m)
    assert res.items[0].incorrect_answer == "K2"
    assert res.items[1].incorrect_answer == "Mount Everest"
