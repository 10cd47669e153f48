"""`warmgate run`. Exit codes: `warmgate.result.EXIT_*` (0 pass, 1 FAIL, 2 bad
input, 3 INCONCLUSIVE under inconclusive = "fail", 70 a crash).

The flags are generated from the settings schema (`warmgate.options`), the same as pytest's
`--warmgate-*` options; `--candidate-adapter`, `--candidate-model` and `--candidate-persona` are
spellings of `--candidate` kept for the command line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.options import add_arguments, argparse_overrides
from warmgate.run import Run, read_settings

if TYPE_CHECKING:
    from warmgate.result import GateResult


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Every setting's flag, the candidate spellings, --config and --no-progress."""
    add_arguments(p)
    g = p.add_argument_group("candidate spellings")
    g.add_argument("--candidate-adapter", metavar="DIR",
                   help="candidate = the base plus this PEFT adapter (applied without merging)")
    g.add_argument("--candidate-model", metavar="MODEL",
                   help="candidate = another model folder or hub id (a full fine-tune)")
    g.add_argument("--candidate-persona", metavar="TEXT", nargs="?", const="warm",
                   help="candidate = the base with a persona prompt in front; 'warm' (the "
                   "default when given without text) is warmgate's warm persona")
    g = p.add_argument_group("where settings come from")
    g.add_argument("--config", type=Path, metavar="PYPROJECT",
                   help="read [tool.warmgate] from this pyproject.toml first (default: "
                   "./pyproject.toml when it has the table)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace, start: dict[str, Any] | None = None) -> GateConfig:
    """[tool.warmgate] (or `start`, the demo's table), then the environment, then the flags."""
    overrides = argparse_overrides(args)
    spelled = {k: v for k, v in (("adapter", args.candidate_adapter),
                                 ("model", args.candidate_model),
                                 ("persona", args.candidate_persona)) if v}
    if len(spelled) + ("candidate" in overrides) > 1:
        raise WarmgateError("give one of --candidate, --candidate-adapter, --candidate-model, "
                            "--candidate-persona")
    if spelled:
        overrides["candidate"] = dict(spelled)
    if start is not None:
        return read_settings(None, overrides, table=start,  # type: ignore[return-value]
                             where="the demo configuration")
    return read_settings(args.config or Path("pyproject.toml"),  # type: ignore[return-value]
                         overrides, required=bool(args.config))


def gate_and_report(cfg: GateConfig | Run, progress: bool) -> GateResult:
    """Run the gate with progress bars, print the table and write the report folder."""
    from warmgate.gate import run
    from warmgate.report.terminal import print_result, progress_bars
    from warmgate.run import as_run

    the_run = as_run(cfg)
    with progress_bars(None if progress else False) as bars:
        result = run(the_run, progress=bars)
    folder = write_report_or_say(result, the_run.report)  # first: `| head` cannot lose it
    print_result(result)
    if folder is not None:
        print(f"report: {folder}")
    return result


def write_report_or_say(result: GateResult, folder: Path) -> Path | None:
    """Write the report folder; if the machine refuses, say so on stderr and go on, since the
    verdict (and its exit code) stands without it."""
    import sys

    from warmgate.preflight import ENVIRONMENT_ERRORS, environment_note
    from warmgate.report.files import write_report

    try:
        return write_report(result, folder)
    except ENVIRONMENT_ERRORS as e:
        print(f"warmgate: error: {environment_note(f'write the report to {folder}', e)}",
              file=sys.stderr)
        return None


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate run`."""
    p = sub.add_parser("run", help="run the gate: base vs candidate, one verdict per cell",
                       description="Run the gate and print the per-cell table. Exit codes: "
                       "0 pass, 1 a cell failed, 2 usage or input error, 3 INCONCLUSIVE under "
                       "inconclusive = \"fail\" (the default), 70 a crash of warmgate itself.")
    add_run_options(p)
    p.set_defaults(func=lambda args: gate_and_report(config_from_args(args),
                                                     not args.no_progress).exit_code())


__all__ = ["add_run_options", "config_from_args", "gate_and_report"]
