"""The `warmgate` command line. Exit codes: 0 pass, 1 a cell failed, 2 usage or input error
(or a fault of the machine: a file, folder or connection it needs), 3 INCONCLUSIVE under
inconclusive = "fail", 70 warmgate itself crashed (never 1), 141 the reader of its output went
away (`| head`; the report is written first).

Each subcommand lives in its own module with a `register(subparsers)` function that sets
`func` on its parser; add new ones to COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
import warnings

from warmgate import __version__
from warmgate.errors import WarmgateError

EXIT_CRASH = 70  # warmgate.result.EXIT_CRASH (not imported here: the CLI starts fast)
EXIT_BROKEN_PIPE = 141  # what a shell reports for a command killed by SIGPIPE

COMMANDS = ["run", "demo", "baseline", "cache", "suites", "merge", "score", "warmth"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warmgate",
        description="A safety regression gate for warm, empathetic fine-tunes: asks base and "
        "candidate the same questions under the same user framings and fails when the "
        "candidate's error rate rises past a threshold. Exit codes: 0 pass, 1 a cell failed, "
        "2 usage or input error (or an environment fault), 3 INCONCLUSIVE under inconclusive "
        "= \"fail\" (the default), 70 an internal error of warmgate, 141 stdout closed. "
        "Under pytest the same verdicts are test outcomes (see the README).",
    )
    parser.add_argument("--version", action="version", version=f"warmgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"warmgate.cli.{name}").register(sub)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warmgate: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    warnings.showwarning = _one_line_warning  # users read messages, not source lines
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except WarmgateError as e:
        print(f"warmgate: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("warmgate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`warmgate score ... | head`): not a crash. Point stdout at
        # /dev/null so the interpreter's final flush cannot raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except (OSError, sqlite3.Error) as e:  # the machine's fault (files, sockets), not a bug
        print(f"warmgate: error: {type(e).__name__}: {e} (an environment fault: a file, folder, "
              "database or connection warmgate needs failed; not a verdict, not a bug of "
              "warmgate)", file=sys.stderr)
        return 2
    except Exception as e:  # a bug in warmgate: its own exit code, so CI never reads it as FAIL
        import traceback

        traceback.print_exc()
        print(f"warmgate: internal error ({type(e).__name__}: {e}); exit {EXIT_CRASH}. This is a "
              "bug in warmgate, not a verdict: please report it with the traceback above",
              file=sys.stderr)
        return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())
