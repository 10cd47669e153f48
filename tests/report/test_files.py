"""Writing the report's files (warmgate/report/files.py) and the job summary."""

from __future__ import annotations

import json

from warmgate.report.files import FILES, write_report


def test_write_report_writes_every_file_and_appends_the_job_summary(result, tmp_path,
                                                                      monkeypatch):
    step = tmp_path / "step.md"
    step.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    folder = write_report(result, tmp_path / "report")
    assert all((folder / f).stat().st_size > 0 for f in FILES)
    text = step.read_text()
    assert text.startswith("earlier step\n") and "warmgate: FAIL" in text
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["verdict"] == "FAIL" and summary["warmth_gap"]
