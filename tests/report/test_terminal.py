"""Terminal progress (warmgate/report/terminal.py)."""

from __future__ import annotations


def test_progress_is_quiet_in_ci_unless_asked(monkeypatch, capsys):
    from warmgate.report.terminal import progress_bars

    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("WARMGATE_PROGRESS", raising=False)
    with progress_bars() as bars:
        bars("candidate", 10)(10)
    assert capsys.readouterr().err == ""
    with progress_bars(True) as bars:  # --warmgate-progress
        bars("candidate", 10)(10)
    err = capsys.readouterr().err
    assert "generating candidate" in err and "10/10" in err
