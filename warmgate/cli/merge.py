"""`warmgate merge`: combine the shards of one sharded run, decide every cell, write the report."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path


def _merge(args: argparse.Namespace) -> int:
    from warmgate.report.files import write_report
    from warmgate.report.terminal import print_result
    from warmgate.shard import merge

    result = merge([Path(p) for p in args.shards])
    if args.report:
        result.config = replace(result.config, report=args.report)
    print_result(result)
    folder = write_report(result, Path(result.config.report))
    print(f"merged {len(args.shards)} shard(s); report: {folder}")
    return 1 if result.failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate merge SHARD_DIR...`."""
    p = sub.add_parser(
        "merge", help="combine the shard folders of one run (pytest --warmgate-shard I/N), decide",
        description="Check that the shard folders belong to one run (same configuration "
        "fingerprint, every shard once, no row twice), decide every cell over the combined "
        "results table, print the table and write the report folder. Exit codes: 0 pass, "
        "1 a cell failed, 2 usage or input error.")
    p.add_argument("shards", nargs="+", metavar="SHARD_DIR",
                   help="folders written by `pytest --warmgate-shard I/N` (results.parquet + "
                   "shard.json)")
    p.add_argument("--report", metavar="DIR",
                   help="report folder (default: the run's configured report folder)")
    p.set_defaults(func=_merge)
