"""`warmgate suites list` and `warmgate suites import FORMAT PATH -o suites/NAME.jsonl`."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from warmgate.errors import WarmgateError
from warmgate.suites import builtin_location, builtin_names, load_suite
from warmgate.suites.importers import FORMATS, import_file, write_suite
from warmgate.suites.meta import study_items


def _family(item_id: str, suite: str) -> str:
    """An item's family: its id prefix ("factual-0001" -> "factual"), else the suite name."""
    head, sep, _ = item_id.rpartition("-")
    return head if sep and head else suite


def _list(args: argparse.Namespace) -> int:
    paths = [str(p) for p in args.paths] or builtin_names()
    print(f"suites in {builtin_location()}" if not args.paths else "suites")
    header = f"{'suite':<18} {'items':>6}  {'study n':>7}  answer types / families"
    print(header)
    print("-" * len(header))
    for name in paths:
        suite = load_suite(name)
        types = Counter(it.answer_type for it in suite.items)
        families = Counter(_family(it.id, suite.name) for it in suite.items)
        design = study_items(suite.name)
        print(f"{suite.name:<18} {len(suite.items):>6}  {design if design else '-':>7}  "
              + ", ".join(f"{t} {n}" for t, n in sorted(types.items())))
        if len(families) > 1 or suite.name not in families:
            print(f"{'':<35}families: "
                  + ", ".join(f"{f} {n}" for f, n in sorted(families.items())))
    return 0


def _import(args: argparse.Namespace) -> int:
    options = {"rewrite": True} if args.first_person else {}
    if args.first_person and args.format != "medqa":
        raise WarmgateError("--first-person applies to the medqa format only")
    result = import_file(args.format, args.path, args.incorrect_answers, **options)
    report = result.report
    print(report.summary())
    for where, reason in report.rejected[: args.show_rejected]:
        print(f"  rejected {where}: {reason}")
    if len(report.rejected) > args.show_rejected:
        print(f"  ... and {len(report.rejected) - args.show_rejected} more rejected rows")
    out = write_suite(result.items, args.output)
    print(f"wrote {len(result.items)} items to {out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate suites` with its `list` and `import` actions."""
    p = sub.add_parser("suites", help="list the suites, or import a public dataset as a suite",
                       description="Suites: the items the gate asks. List them, or convert a "
                       "public dataset file in its original format into a suite file.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = actions.add_parser("list", help="every suite with its item counts per answer type "
                           "and family")
    q.add_argument("paths", nargs="*", type=Path, help="suite files (default: the built-ins)")
    q.set_defaults(func=_list)
    q = actions.add_parser(
        "import", help="convert a dataset file into a suite file",
        description="Convert one dataset file into a suite file (JSONL), written atomically, "
        "and print how many rows were read, kept and rejected, and why. Formats: "
        + ", ".join(FORMATS) + ".")
    q.add_argument("format", choices=list(FORMATS), metavar="FORMAT",
                   help="one of: " + ", ".join(FORMATS))
    q.add_argument("path", type=Path, metavar="PATH", help="the dataset file")
    q.add_argument("-o", "--output", type=Path, required=True, metavar="SUITE.jsonl",
                   help="the suite file to write, e.g. suites/truthfulqa.jsonl")
    q.add_argument("--first-person", action="store_true",
                   help="medqa: rewrite each stem in the first person with the options hidden, "
                   "as the study asked them")
    q.add_argument("--incorrect-answers", metavar="FILE",
                   help="JSON {id: wrong answer} or JSONL {id, incorrect_answer}: plausible wrong "
                   "answers for datasets without them (TriviaQA); otherwise one is borrowed "
                   "from another item")
    q.add_argument("--show-rejected", type=int, default=20, metavar="N",
                   help="print the first N rejected rows (default 20)")
    q.set_defaults(func=_import)
