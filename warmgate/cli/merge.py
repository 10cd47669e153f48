"""`warmgate merge`: combine the shards of one sharded run, decide every cell, write the report."""

from __future__ import annotations

import argparse
from pathlib import Path


def _merge(args: argparse.Namespace) -> int:
    from warmgate.cli.run import write_report_or_say
    from warmgate.preflight import writable_folder
    from warmgate.report.terminal import print_result
    from warmgate.shard import merge

    result = merge([Path(p) for p in args.shards])
    report = Path(args.report) if args.report else result.run.report
    writable_folder(report, "report folder", "--report DIR")
    folder = write_report_or_say(result, report)  # before printing
    if args.junitxml:
        write_junit(result, Path(args.junitxml))
    print_result(result)
    print(f"merged {len(args.shards)} shard(s); report: {folder or '(not written)'}")
    return result.exit_code()


def write_junit(result, path: Path) -> Path:
    """JUnit XML with one test case per cell and one per suite's pooled decision (suites with
    two or more cells), their figures as properties (like pytest's)."""
    import xml.etree.ElementTree as ET

    from warmgate.report.junit import properties

    cases = [(d, properties(d)) for d in (*result.cells, *result.pooled)]
    fails = [result.fails_build(d) for d, _ in cases]
    suite = ET.Element("testsuite", name="warmgate", tests=str(len(cases)),
                       failures=str(sum(fails)), errors="0", skipped="0")
    for (d, pairs), failed in zip(cases, fails, strict=True):
        case = ET.SubElement(suite, "testcase", classname="warmgate",
                             name=f"test_reliability[{d.id}]")
        props = ET.SubElement(case, "properties")
        for key, value in pairs:
            ET.SubElement(props, "property", name=key, value=str(value))
        if failed:
            ET.SubElement(case, "failure", message=d.message()).text = d.message()
        elif d.verdict == "INCONCLUSIVE":
            ET.SubElement(case, "system-out").text = f"warning: {d.message()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(ET.Element("testsuites"))
    tree.getroot().append(suite)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate merge SHARD_DIR...`."""
    p = sub.add_parser(
        "merge", help="combine the shard folders of one run (pytest --warmgate-shard I/N), decide",
        description="Check that the shard folders belong to one run (each shard's configuration "
        "fingerprint recomputed and the same, its results table matching its hash, the same "
        "model and adapter fingerprints, every shard once, no row twice), decide every cell "
        "over the combined "
        "results table, print the table and write the report folder. Exit codes: 0 pass, "
        "1 a cell failed, 2 usage or input error, 3 INCONCLUSIVE under inconclusive = \"fail\".")
    p.add_argument("shards", nargs="+", metavar="SHARD_DIR",
                   help="folders written by `pytest --warmgate-shard I/N` (results.parquet + "
                   "shard.json)")
    p.add_argument("--report", metavar="DIR",
                   help="report folder (default: the run's configured report folder)")
    p.add_argument("--junitxml", metavar="PATH",
                   help="also write JUnit XML: one test case per cell and per suite's pooled "
                   "decision (all framings), its figures as properties")
    p.set_defaults(func=_merge)
