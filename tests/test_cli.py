"""CLI usage errors exit 2 with one clear line; --help describes every option."""

import pytest

from warmgate.cli import build_parser, main


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--base", "/nonexistent/model"], "model folder not found"),
        (["run", "--candidate-adapter", "/nonexistent/adapter"], "adapter folder not found"),
        (["run", "--suites", "nosuchsuite"], "unknown suite 'nosuchsuite'"),
        (["run", "--contexts", "emotion:bored"], "unknown context 'emotion:bored'"),
        (["run", "--alpha", "2"], "alpha must be a number between 0 and 0.5"),
        (["run", "--early-stopping", "-5"], "early-stopping must be a whole number >= 0"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_help_describes_every_option():
    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    for action in run._actions:
        assert action.help, f"option {action.option_strings} has no help"
    with pytest.raises(SystemExit) as e:
        main(["run", "--help"])
    assert e.value.code == 0


def test_a_reader_that_goes_away_is_no_crash():
    """`warmgate score ... | head`: the closed pipe ends the command quietly (exit 141, the shell's
    code for SIGPIPE), not with a traceback and the crash code 70."""
    import subprocess
    import sys

    code = "import sys; from warmgate.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "score", "--agreement", "builtin", "--show", "178"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert "Traceback" not in err and "internal error" not in err
