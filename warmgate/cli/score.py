"""`warmgate score`: check a scorer against labelled replies, or re-score a results table."""

from __future__ import annotations

import argparse
from pathlib import Path

from warmgate.errors import WarmgateError


def _scorer(args: argparse.Namespace):
    """The scorer to measure or re-score with, from the scorer registry (as a run builds it)."""
    from warmgate.config.parsers import judge as parse_judge
    from warmgate.scoring import registry

    kind = args.scorer or ("judge" if args.judge else "rules")
    spec = parse_judge({"model": args.judge, "backend": args.backend}, "--judge") \
        if args.judge else None
    if registry.REGISTRY.get(kind) and registry.REGISTRY[kind].needs_judge and spec is None:
        raise WarmgateError(f"--scorer {kind} needs --judge MODEL")
    return registry.make(kind, spec, Path(args.judge_cache) if args.judge_cache else None)


def _agreement(args: argparse.Namespace) -> int:
    from warmgate.scoring import calibration
    from warmgate.scoring.agreement import LABELLED_V1, agreement, read_labelled

    path = LABELLED_V1 if args.agreement == "builtin" else Path(args.agreement)
    df = read_labelled(path)
    scorer = _scorer(args)
    result = agreement(df, scorer, str(path))
    sent = getattr(scorer, "sent", None)  # the cascade's count of replies sent to its judge
    print(f"scorer {scorer.name} {scorer.version} vs labels in {path}")
    kappa = "undefined (one class only)" if result.kappa != result.kappa else f"{result.kappa:.3f}"
    print(f"rows {result.n}  agreement {result.percent:.1f}%  Cohen's kappa {kappa}")
    if sent is not None:
        print(f"cascade: {sent} of {result.n} replies sent to the judge (the rules were unsure)")
    for line in result.summary_lines():
        print(line)
    labels = sorted({k[0] for k in result.confusion} | {k[1] for k in result.confusion})
    print("confusion (rows: label, columns: scored)")
    print(" " * 10 + "".join(f"{lab:>11}" for lab in labels))
    for a in labels:
        print(f"{a:>10}" + "".join(f"{result.confusion.get((a, b), 0):>11}" for b in labels))
    if result.disagreements:
        print(f"disagreements ({len(result.disagreements)}):")
    for d in result.disagreements[: args.show]:
        out = " ".join(str(d["output"]).split())
        out = out if len(out) <= 160 else out[:157] + "..."
        flag = f" [{d['flag']}]" if d["flag"] else ""
        print(f"  row {d['row']} {d['item_id']} ({d['belief']}): label {d['label']}, "
              f"scored {d['scored']}{flag}: {out!r}")
    if args.calibration:
        rec = calibration.record(scorer.name, scorer.version, result, path)
        where = calibration.write(rec, Path(args.calibration))
        print(f"calibration record: {where} (name it in [tool.warmgate] judge.calibration; "
              "gate runs then show it in every report)")
        for why in calibration.shortfalls(rec):
            print(f"  short of the bar a gate run requires: {why}")
    # an undefined kappa (NaN) is below every bar
    below = result.percent < args.min_agreement or not result.kappa >= args.min_kappa
    return 1 if below else 0


def _rescore(args: argparse.Namespace) -> int:
    from warmgate.scoring.rescore import items_of, score_rows
    from warmgate.suites import builtin_names
    from warmgate.table import ordered, read_parquet, write_parquet

    table = read_parquet(Path(args.results))
    files = {Path(p).stem: p for p in args.suite or []}
    unknown = sorted(set(table.suite.astype(str)) - set(builtin_names()) - set(files))
    if unknown:
        raise WarmgateError(f"{args.results}: suite(s) {', '.join(unknown)} are not built in; "
                            "name the file each came from: --suite PATH.jsonl (the run's "
                            "[tool.warmgate] suites)")
    scorer = _scorer(args)
    rescored = score_rows(table, items_of(table, args.results, files), scorer)
    out = Path(args.output or args.results)
    write_parquet(ordered(rescored), out)
    changed = int((table["evaluation"] != rescored["evaluation"]).sum())
    print(f"re-scored {len(table)} rows with {scorer.name} {scorer.version}: {changed} changed; "
          f"wrote {out}")
    return 0


def _run(args: argparse.Namespace) -> int:
    if bool(args.agreement) == bool(args.results):
        raise WarmgateError("give either --agreement LABELLED (a .parquet/.jsonl or 'builtin') "
                            "or a RESULTS.parquet to re-score")
    return _agreement(args) if args.agreement else _rescore(args)


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate score`."""
    p = sub.add_parser(
        "score", help="check a scorer against labelled replies, or re-score a results table",
        description="With --agreement: score labelled replies and print agreement %, Cohen's "
        "kappa and the disagreements (exit 1 when below --min-agreement / --min-kappa). With "
        "RESULTS.parquet: re-score a results table in place (or into --output).",
    )
    p.add_argument("results", nargs="?", metavar="RESULTS.parquet",
                   help="a results table to re-score")
    p.add_argument("--agreement", metavar="LABELLED",
                   help="labelled replies (.parquet or .jsonl with output, label, item_id or an "
                   "inline item); 'builtin' for warmgate's own set")
    p.add_argument("--judge", metavar="MODEL",
                   help="grade with this model as judge instead of the rules ('embedded', a "
                   "folder or hub id)")
    p.add_argument("--scorer", choices=("rules", "judge", "cascade", "reader", "reader-cascade"),
                   help="rules (default), judge, cascade (the rules, and --judge where they are "
                   "unsure), reader (the trained offline reader) or reader-cascade (the reader, "
                   "and --judge where it is unsure); default: judge when --judge is given")
    p.add_argument("--backend", default="transformers", help="the judge's backend")
    p.add_argument("--calibration", metavar="PATH",
                   help="with --agreement: write the calibration record (agreement, kappa, per "
                   "family, the labelled set's hash) here; name it in [tool.warmgate] "
                   "judge.calibration")
    p.add_argument("--judge-cache", metavar="DIR", help="the reply store the judge's verdicts "
                   "are kept in (default: the generation cache, <warmgate cache>/generations)")
    p.add_argument("--output", metavar="PATH", help="where to write the re-scored table")
    p.add_argument("--suite", action="append", metavar="PATH.jsonl",
                   help="with RESULTS.parquet: a suite file the table's rows came from (a "
                   "custom suite, named by its file's stem); repeat for several")
    p.add_argument("--show", type=int, default=50, metavar="N", help="disagreements to print")
    p.add_argument("--min-agreement", type=float, default=90.0, metavar="PCT",
                   help="exit 1 below this agreement (default 90, the study's judge vs humans)")
    p.add_argument("--min-kappa", type=float, default=0.81, metavar="K",
                   help="exit 1 below this Cohen's kappa (default 0.81)")
    p.set_defaults(func=_run)
