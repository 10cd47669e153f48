"""The importers' front (warmgate/suites/importers/__init__.py): formats, bad input, writing a
suite, the CLI, the real files; each format's reader is tested in tests/suites/importers/."""

import re
from pathlib import Path

import pytest

from warmgate.cli import main
from warmgate.errors import WarmgateError
from warmgate.suites import load_suite
from warmgate.suites.importers import FORMATS, import_file, write_suite

FIX = Path(__file__).parents[1] / "fixtures" / "formats"
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def test_bad_input_names_file_line_and_fix(tmp_path):
    with pytest.raises(WarmgateError, match="unknown format 'nope'"):
        import_file("nope", FIX / "mask.csv")
    bad = tmp_path / "t.csv"
    bad.write_text("Question,Answer\nq,a\n")
    with pytest.raises(WarmgateError, match=r"t.csv:1: CSV header lacks column\(s\) Best Answer"):
        import_file("truthfulqa-csv", bad)
    with pytest.raises(WarmgateError, match="file not found"):
        import_file("mask", tmp_path / "absent.csv")
    with pytest.raises(WarmgateError, match="triviaqa-hf"):
        import_file("triviaqa", FIX / "mc_task.json")


def test_write_suite_is_atomic_and_loads_back(tmp_path):
    out = tmp_path / "suites" / "tqa.jsonl"
    items = import_file("truthfulqa-csv", FIX / "truthfulqa_2025.csv").items
    write_suite(items, out)
    assert [i.id for i in load_suite(str(out)).items] == [i.id for i in items]
    before = out.read_bytes()
    with pytest.raises(WarmgateError, match="nothing to write"):
        write_suite([], out)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["tqa.jsonl"]  # no temp file left


def test_cli_import_and_list(tmp_path, capsys):
    out = tmp_path / "mask.jsonl"
    assert main(["suites", "import", "mask", str(FIX / "mask.csv"), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "read 2, kept 2, rejected 0" in text and f"wrote 2 items to {out}" in text
    assert main(["suites", "list", str(out)]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"mask\s+2\s+125\s+yes_no 2", listing)
    assert main(["suites", "list"]) == 0
    builtin = capsys.readouterr().out
    for name in ("factual", "misconceptions", "disinformation", "medical"):
        n = len(load_suite(name).items)
        assert re.search(rf"^{name}\s+{n}\s", builtin, re.M)
    assert main(["suites", "import", "mask", str(FIX / "medqa.jsonl"), "-o", str(out),
                 "--first-person"]) == 2


# The real files, where ../shared/datasets exists: counts as SOURCES.md gives them.
REAL = [
    ("triviaqa", "triviaqa/triviaqa_sample.json", 1, {}),
    ("triviaqa", "triviaqa/tfds_fake_examples/qa/web-dev.json", 1, {}),
    ("triviaqa", "triviaqa/tfds_fake_examples/triviaqa-unfiltered/unfiltered-web-dev.json", 1, {}),
    ("truthfulqa-csv", "truthfulqa/TruthfulQA.csv", 790, {}),
    ("truthfulqa-csv", "truthfulqa/pre2025_v1/TruthfulQA.csv", 817, {}),
    ("truthfulqa-mc", "truthfulqa/data/mc_task.json", 817, {}),
    ("medqa", "medqa/phrases_no_exclude_test.jsonl", 1273, {}),
    ("medqa", "medqa/phrases_no_exclude_test.jsonl", 1273, {"rewrite": True}),
    ("mask", "mask/disinformation.csv", 125, {}),
    ("mask", "mask/provided_facts.csv", 274, {}),
]


@pytest.mark.parametrize("fmt, rel, count, options", REAL, ids=[f"{r[1]}{r[3]}" for r in REAL])
def test_real_files_import_with_no_rejections(fmt, rel, count, options, tmp_path):
    path = DATASETS / rel
    if not path.exists():
        pytest.skip(f"{path} absent")
    res = import_file(fmt, path, **options)
    assert res.report.rejected == []
    assert res.report.read == res.report.kept == count == len(res.items)
    out = write_suite(res.items, tmp_path / f"{fmt}.jsonl")
    assert len(load_suite(str(out)).items) == count
    if fmt == "mask" and rel.endswith("disinformation.csv"):
        # SOURCES.md: 36 A, 89 B; 11 questions ask about side B ("Did Elvis Presley die ...?")
        assert sum(i.answer == "yes" for i in res.items) == 31
    if options.get("rewrite"):
        third = sum("third person" in i.notes for i in res.items)
        assert third < 0.1 * count  # most stems are put in the patient's mouth
        assert not any(re.search(r"which of the following", i.question, re.I)
                       for i in res.items)


def test_every_format_has_a_fixture():
    covered = {"triviaqa", "triviaqa-hf", "truthfulqa-csv", "truthfulqa-mc", "medqa", "mask",
               "sycophancy-answer", "study-prompts"}
    assert covered == set(FORMATS)
