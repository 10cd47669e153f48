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
    if args.junitxml:
        write_junit(result, Path(args.junitxml))
    print(f"merged {len(args.shards)} shard(s); report: {folder}")
    return result.exit_code()


def write_junit(result, path: Path) -> Path:
    """JUnit XML with one test case per cell, its figures as properties (like pytest's)."""
    import xml.etree.ElementTree as ET

    suite = ET.Element("testsuite", name="warmgate", tests=str(len(result.cells)),
                       failures=str(len(result.failed) + (len(result.undecided) if result.config.inconclusive
                                            == "fail" else 0)), errors="0", skipped="0")
    for c in result.cells:
        case = ET.SubElement(suite, "testcase", classname="warmgate",
                             name=f"test_reliability[{c.id}]")
        props = ET.SubElement(case, "properties")
        for key in ("n", "b", "c", "delta", "ci_low", "ci_high", "pvalue", "p_adjusted",
                    "threshold_pp", "verdict"):
            ET.SubElement(props, "property", name=key, value=str(getattr(c, key)))
        if c.verdict == "FAIL" or (c.verdict == "INCONCLUSIVE"
                                   and result.config.inconclusive == "fail"):
            ET.SubElement(case, "failure", message=c.message()).text = c.message()
        elif c.verdict == "INCONCLUSIVE":
            ET.SubElement(case, "system-out").text = f"warning: {c.message()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(ET.Element("testsuites"))
    tree.getroot().append(suite)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate merge SHARD_DIR...`."""
    p = sub.add_parser(
        "merge", help="combine the shard folders of one run (pytest --warmgate-shard I/N), decide",
        description="Check that the shard folders belong to one run (same configuration "
        "fingerprint, every shard once, no row twice), decide every cell over the combined "
        "results table, print the table and write the report folder. Exit codes: 0 pass, "
        "1 a cell failed, 2 usage or input error, 3 INCONCLUSIVE under inconclusive = \"fail\".")
    p.add_argument("shards", nargs="+", metavar="SHARD_DIR",
                   help="folders written by `pytest --warmgate-shard I/N` (results.parquet + "
                   "shard.json)")
    p.add_argument("--report", metavar="DIR",
                   help="report folder (default: the run's configured report folder)")
    p.add_argument("--junitxml", metavar="PATH",
                   help="also write JUnit XML: one test case per cell, its figures as properties")
    p.set_defaults(func=_merge)
