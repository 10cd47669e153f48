"""`warmgate baseline update | show | diff | verify`: the approved base replies, kept as history."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from warmgate.errors import WarmgateError
from warmgate.run import Run, read_settings


def _run(args: argparse.Namespace) -> Run:
    """The configured run, for its baseline store (show/diff/verify/seal: only --config, --base
    and --baselines over [tool.warmgate], read through the front door)."""
    config = getattr(args, "config", None)
    overrides = {k: getattr(args, k, None) for k in ("base", "baselines")}
    cfg = read_settings(config or Path("pyproject.toml"), overrides, required=bool(config))
    return Run(cfg)  # type: ignore[arg-type]


def _update(args: argparse.Namespace) -> int:
    from warmgate import baselines
    from warmgate.backends import make_backend
    from warmgate.cache import CachedBackend, open_cache
    from warmgate.cli.run import config_from_args
    from warmgate.generate import generate_rows
    from warmgate.report.terminal import progress_bars

    run = Run(config_from_args(args))
    cfg = run.config
    baselines.approval(args.approved_by, args.reason)  # refuse before generating anything
    backend = make_backend(cfg.backend, {"base": cfg.base}, cfg.decoding, cfg.backend_options)
    cache = open_cache(cfg.cache)
    gen = CachedBackend(backend, cache, chunk=cfg.batch_size) if cache else backend
    scored_by = run.scorer_record()  # refuses an uncalibrated judge before generating
    with progress_bars(None if not args.no_progress else False) as bars:
        table, roles = generate_rows(run.statements.version, run.jobs, gen, ("base",),
                                     run.scorer, bars)
    record = run.base_record(roles["base"], str(table.scorer.iloc[0]),
                             str(table.scorer_version.iloc[0]))
    record["scorer_calibration"] = scored_by
    stored = baselines.write(run.store, table, record, args.approved_by, args.reason,
                             run.manifest_fields())
    m = stored.manifest
    print(f"baseline {stored.label()} written to {stored.path}: {m['rows']} rows, approved by "
          f"{m['approved_by']} ({m['reason']}); commit it and have it reviewed like code")
    return 0


def _print_manifest(b) -> None:
    m = b.manifest
    p = m.get("provenance", {})
    print(f"baseline {b.label()}  ({b.path})")
    print(f"  approved by {m.get('approved_by')} on {m.get('created_at')}: {m.get('reason')}")
    if isinstance(m.get("resealed"), dict):
        r = m["resealed"]
        print(f"  re-sealed by {r.get('by')} on {r.get('at')}: {r.get('reason')}")
    git = m.get("git", {})
    print(f"  git commit {git.get('commit') or '(none)'}{' (dirty tree)' if git.get('dirty') else ''}")
    print(f"  model {p.get('model')}  {p.get('model_fingerprint')}")
    if p.get("adapter"):
        print(f"  adapter {p.get('adapter')}  {p.get('adapter_fingerprint')}")
    print(f"  backend {p.get('backend')} {p.get('backend_version')}, torch "
          f"{p.get('torch_version')}, {p.get('dtype')} on {p.get('device')}")
    print(f"  decoding {json.dumps(p.get('decoding'), sort_keys=True)}")
    print(f"  suites {', '.join(f'{k}@{v[:12]}' for k, v in p.get('suites', {}).items())}; "
          f"statements {p.get('statement_set')}")
    print(f"  scorer {p.get('scorer')} {p.get('scorer_version')}; "
          f"warmgate {p.get('warmgate_version')}; {m.get('rows')} rows")


def _show(args: argparse.Namespace) -> int:
    from warmgate import baselines
    from warmgate.report.baseline_diff import cell_summary

    store = _run(args).store
    if args.ref:
        b = store.resolve(args.ref)
    else:
        b = store.latest()
        if b is None:
            raise WarmgateError(store.missing_message().split(":")[0] + "; make one: "
                                + baselines.UPDATE_HINT)
    _print_manifest(b)
    history = baselines.versions(b.path.parent)
    listed = ", ".join(f"v{h.version:04d} ({h.manifest.get('created_at')})" for h in history)
    print(f"  history: {listed}")
    if baselines.MANIFEST_HASH not in b.manifest:
        print(f"  note: {baselines.UNHASHED_NOTE}")
    if (left := baselines.temporaries_note(b.path.parent)):
        print(f"  note: {left}")
    cells = cell_summary(b.table())
    print()
    print(f"{'suite':<16}{'context':<28}{'belief':<11}{'n':>6}{'errors':>8}{'refus.':>8}{'rate':>8}")
    for r in cells.itertuples():
        print(f"{r.suite:<16}{r.amendment_type:<28}{r.prompt_template:<11}{r.n:>6}"
              f"{r.incorrect:>8}{r.refusals:>8}{r.error_rate:>8.1%}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from warmgate.report.baseline_diff import diff

    store = _run(args).store
    a, b = store.resolve(args.a), store.resolve(args.b)
    d = diff(a, b)
    print(f"baseline diff {a.label()} -> {b.label()}")
    if d["fields"]:
        print("manifest:")
        for k, (x, y) in d["fields"].items():
            print(f"  {k}: {x!r} -> {y!r}")
    print(f"rows: {d['paired']} paired, {d['only_a']} only in A, {d['only_b']} only in B")
    print(f"{'suite':<16}{'context':<28}{'belief':<11}{'A':>8}{'B':>8}{'change':>9}")
    for r in d["cells"].itertuples():
        print(f"{r.suite:<16}{r.amendment_type:<28}{r.prompt_template:<11}"
              f"{r.error_rate_a:>8.1%}{r.error_rate_b:>8.1%}{r.change * 100:>+8.1f}pp")
    flipped = d["flipped"]
    print(f"flipped items: {len(flipped)}")
    for r in flipped.head(args.limit).itertuples():
        print(f"  {r.suite}/{r.item_id} {r.amendment_type}/{r.prompt_template}: "
              f"{r.evaluation_a} -> {r.evaluation_b}\n    A: {r.output_a!r}\n    B: {r.output_b!r}")
    if len(flipped) > args.limit:
        print(f"  ... {len(flipped) - args.limit} more (--limit)")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from warmgate import baselines

    run = _run(args)
    if args.refs:
        targets = [run.store.resolve(r).path for r in args.refs]
        bases = sorted({t.parent for t in targets})
    else:
        root = Path(run.config.baselines).expanduser()
        if not root.is_dir():
            raise WarmgateError(f"no baselines folder at {root}; make one: {baselines.UPDATE_HINT}")
        bases = [d for d in sorted(root.iterdir()) if d.is_dir()]
        targets = [p for d in bases for p in baselines.version_folders(d)]
    bad = 0
    for path in targets:
        note = ""
        try:
            b = baselines.open_version(path)  # a version without a manifest is BAD, not the end
            problems = baselines.verify_baseline(b.path, b.manifest)
            if not problems and baselines.MANIFEST_HASH not in b.manifest:
                note = f" ({baselines.UNHASHED_NOTE})"
        except WarmgateError as e:
            problems = [str(e)]
        bad += bool(problems)
        print(f"{'BAD ' if problems else 'ok  '} {path}" + (f": {'; '.join(problems)}"
                                                             if problems else note))
    for d in bases:
        if (left := baselines.temporaries_note(d)):
            print(f"note {left}")
    print(f"{len(targets)} baseline version(s) checked, {bad} bad")
    return 1 if bad else 0


def _seal(args: argparse.Namespace) -> int:
    from warmgate import baselines

    b = baselines.reseal(_run(args).store.resolve(args.ref), args.by, args.reason)
    print(f"baseline {b.label()} sealed ({baselines.MANIFEST_HASH} "
          f"{b.manifest[baselines.MANIFEST_HASH][:12]}), re-sealed by {args.by.strip()}: "
          f"{args.reason.strip()}; commit {b.path / baselines.MANIFEST}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate baseline ...`."""
    from warmgate.cli.run import add_run_options

    p = sub.add_parser("baseline", help="stored baselines: update, show, diff, verify",
                       description="Stored baselines: the approved base model's replies plus a "
                       "manifest of what made them, one version folder per update, never "
                       "overwritten.")
    bsub = p.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)

    u = bsub.add_parser("update", help="generate the base and store it as a new baseline version",
                        description="Generate the base model's replies for the configured run "
                        "and store them as the next baseline version (the old ones are kept). "
                        "Under CI (CI set) it refuses without --approved-by and --reason.")
    add_run_options(u)
    u.add_argument("--approved-by", metavar="NAME", help="who approved this baseline")
    u.add_argument("--reason", metavar="TEXT", help="why it was approved")
    u.set_defaults(func=_update)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--config", type=Path, metavar="PYPROJECT",
                       help="read [tool.warmgate] from this pyproject.toml (default: ./pyproject.toml)")
        q.add_argument("--base", help="base model whose baselines to use (default: the config's)")
        q.add_argument("--baselines", metavar="DIR", help="baselines folder (default baselines/)")

    s = bsub.add_parser("show", help="provenance and error rate per cell of a baseline",
                        description="Show a baseline's provenance, history and error rates.")
    s.add_argument("ref", nargs="?", help="a version folder, base folder, vN or latest "
                   "(default: the configured base's newest)")
    common(s)
    s.set_defaults(func=_show)

    d = bsub.add_parser("diff", help="what changed between two baselines",
                        description="Manifest fields, error rate per cell and flipped items.")
    d.add_argument("a", help="the older baseline (folder, vN or latest)")
    d.add_argument("b", help="the newer baseline (folder, vN or latest)")
    d.add_argument("--limit", type=int, default=20, help="flipped items to print (default 20)")
    common(d)
    d.set_defaults(func=_diff)

    v = bsub.add_parser("verify", help="check baseline files against their hashes (exit 1 if not)",
                        description="Check every stored version (or those named) against the "
                        "sha256, size and row count in its manifest. Exit 1 if any is bad.")
    v.add_argument("refs", nargs="*", help="versions to check (default: all under baselines/)")
    common(v)
    v.set_defaults(func=_verify)

    r = bsub.add_parser("seal", help="seal a version written before manifest hashing, recording "
                        "who vouched for it",
                        description="Add manifest_sha256 to a version that has none (written "
                        "before manifest hashing), after checking its files against their "
                        "hashes; records who re-sealed it, why and when in the manifest. A "
                        "sealed version is never re-sealed.")
    r.add_argument("ref", help="the version to seal (folder, vN or latest)")
    r.add_argument("--by", metavar="NAME", help="who vouches for its fields (required)")
    r.add_argument("--reason", metavar="TEXT", help="why (required)")
    common(r)
    r.set_defaults(func=_seal)
