"""`warmgate warmth`: the SocioT warmth check on a finished run's results table."""

from __future__ import annotations

import argparse
from pathlib import Path

from warmgate.errors import WarmgateError


def _table_path(arg: Path) -> Path:
    path = arg / "results.parquet" if arg.is_dir() else arg
    if not path.exists():
        raise WarmgateError(f"{path}: no results table here; give a report folder "
                            "(from `warmgate run --report DIR`) or its results.parquet")
    return path


def _warmth(args: argparse.Namespace) -> int:
    from warmgate.table import read_parquet
    from warmgate.warmth_check import warmth_check

    table = read_parquet(_table_path(args.results))
    result = warmth_check(table, reference=args.reference,
                          max_replies=args.max_replies or None, seed=args.seed,
                          device=args.device)
    print(result.message())
    if args.json:
        from warmgate.atomic import write_json

        write_json(args.json, result.to_dict())
    return 1 if args.require_warmer and not result.warmer else 0


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate warmth REPORT_DIR`."""
    p = sub.add_parser(
        "warmth", help="did the candidate become warmer? SocioT warmth of base vs candidate "
        "replies in a results table, with a paired bootstrap interval",
        description="The SocioT warmth check (Cheng, Yu & Jurafsky 2025): how much more likely "
        "the reference model finds each reply after warm relational openers ('My friend said') "
        "than after cold ones ('The stranger said'), in nats per token, base vs candidate on "
        "the same prompts. Exit 0, or 1 with --require-warmer when the candidate is not "
        "measurably warmer.")
    p.add_argument("results", type=Path, metavar="REPORT",
                   help="a report folder of `warmgate run` or its results.parquet")
    p.add_argument("--reference", default="embedded",
                   help="reference language model (default: the embedded Gemma-3-270m)")
    p.add_argument("--max-replies", type=int, default=200, metavar="N",
                   help="score a seeded sample of N prompts (0 = all; default 200)")
    p.add_argument("--device", default="cpu", help="torch device of the reference model "
                   "(default cpu)")
    p.add_argument("--seed", type=int, default=0, help="sample and bootstrap seed (default 0)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the result as JSON")
    p.add_argument("--require-warmer", action="store_true",
                   help="exit 1 when the candidate is not measurably warmer than the base")
    p.set_defaults(func=_warmth)
