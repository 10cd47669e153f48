"""The `warmgate` command line. Exit codes: 0 pass, 1 a cell failed, 2 usage or input error."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from warmgate.backends import BACKENDS, WARM_PERSONA, Decoding, ModelSpec
from warmgate.config import DEFAULT_SUITES, GateConfig, load_pyproject, parse_items, validate
from warmgate.errors import WarmgateError
from warmgate.framings import BELIEFS, CONTEXTS

#: The demo: the embedded model against itself with a warm persona prompt, sized for 2 CPU cores.
DEMO = GateConfig(
    suites=("factual", "misconceptions"),
    contexts=("unmodified", "emotion:sad"),
    beliefs=("original", "incorrect"),
    items=16,
)


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _items(value: str) -> int | str:
    try:
        return parse_items(value, "--items")
    except WarmgateError:
        raise argparse.ArgumentTypeError(f"expected a number or 'study', got {value!r}") from None


def _add_run_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("models")
    g.add_argument("--base", help="base model: a Hugging Face folder, hub id, or 'embedded' "
                   "(Gemma-3-270m shipped with warmgate; the default)")
    g.add_argument("--candidate-adapter", metavar="DIR",
                   help="candidate = the base plus this PEFT adapter (applied without merging)")
    g.add_argument("--candidate-model", metavar="MODEL",
                   help="candidate = another model folder or hub id (a full fine-tune)")
    g.add_argument("--candidate-persona", metavar="TEXT", nargs="?", const="warm",
                   help="candidate = the base with a persona prompt in front; 'warm' (the "
                   "default when given without text) is warmgate's warm persona")
    g.add_argument("--backend", help=f"generation engine: {', '.join(BACKENDS)} or "
                   "package.module:factory; its settings come from backend_options in "
                   "[tool.warmgate]")
    g = p.add_argument_group("what to ask")
    g.add_argument("--suites", type=_csv, metavar="A,B",
                   help=f"built-in suite names or .jsonl paths (default: {','.join(DEFAULT_SUITES)})")
    g.add_argument("--contexts", type=_csv, metavar="A,B",
                   help=f"user contexts, from: {','.join(CONTEXTS)}")
    g.add_argument("--beliefs", type=_csv, metavar="A,B",
                   help=f"user beliefs, from: {','.join(BELIEFS)} (default: original,incorrect)")
    g.add_argument("--items", type=_items, metavar="N",
                   help="items sampled per suite (default: all); 'study' = the study's sizes "
                   "(500 per suite, 125 disinformation)")
    g.add_argument("--seed", type=int, help="seed of the item sample (default 0)")
    g.add_argument("--statements", metavar="SET", help="statement set: 'warmgate-v1' or a YAML path")
    g.add_argument("--layout", help="prompt layout: warmgate (default), study (the study's "
                   "released prompt layout per suite) or study:trivia|truthfulqa|disinfo|medqa")
    g.add_argument("--max-new-tokens", type=int, metavar="N", help="reply length cap (default 32)")
    g = p.add_argument_group("the decision")
    g.add_argument("--threshold", type=float, metavar="PP",
                   help="largest tolerated increase in error rate, in percentage points (default 5)")
    g.add_argument("--alpha", type=float, help="family-wise significance level (default 0.05)")
    g.add_argument("--early-stopping", type=int, metavar="N",
                   help="look after every N items per suite and stop asking in settled cells "
                   "(default 0: off, every item asked)")
    g = p.add_argument_group("input and output")
    g.add_argument("--config", type=Path, metavar="PYPROJECT",
                   help="read [tool.warmgate] from this pyproject.toml first (default: "
                   "./pyproject.toml when it has the table)")
    g.add_argument("--report", metavar="DIR", help="report folder (default warmgate-report)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def _config_from_args(args: argparse.Namespace, start: GateConfig | None) -> GateConfig:
    cfg = start
    if cfg is None:
        path = args.config or Path("pyproject.toml")
        loaded = load_pyproject(path) if path.exists() else None
        if args.config and not path.exists():
            raise WarmgateError(f"config file not found: {path}")
        cfg = loaded or GateConfig()
    kw: dict = {}
    base = args.base or cfg.base.model
    if args.base:
        kw["base"] = ModelSpec(base)
    chosen = [x for x in (args.candidate_adapter, args.candidate_model, args.candidate_persona)
              if x]
    if len(chosen) > 1:
        raise WarmgateError("give one of --candidate-adapter, --candidate-model, "
                            "--candidate-persona")
    if args.candidate_adapter:
        kw["candidate"] = ModelSpec(base, adapter=args.candidate_adapter)
    elif args.candidate_model:
        kw["candidate"] = ModelSpec(args.candidate_model)
    elif args.candidate_persona:
        persona = WARM_PERSONA if args.candidate_persona == "warm" else args.candidate_persona
        kw["candidate"] = ModelSpec(base, persona=persona)
    elif args.base and cfg.candidate.model == cfg.base.model:
        kw["candidate"] = replace(cfg.candidate, model=base)
    for key in ("backend", "suites", "contexts", "beliefs", "items", "seed", "statements", "layout",
                "threshold", "alpha", "early_stopping", "report"):
        value = getattr(args, key)
        if value is not None:
            kw[key] = value
    if args.max_new_tokens is not None:
        kw["decoding"] = Decoding(max_new_tokens=args.max_new_tokens)
    cfg = replace(cfg, **kw)
    validate(cfg, "command line")
    return cfg


def _run(cfg: GateConfig, progress: bool) -> int:
    from warmgate.gate import run
    from warmgate.report.files import write_report
    from warmgate.report.terminal import print_result, progress_bars

    with progress_bars(None if progress else False) as bars:
        result = run(cfg, progress=bars)
    print_result(result)
    folder = write_report(result, Path(cfg.report))
    print(f"report: {folder}")
    return 1 if result.failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate run` and `warmgate demo`."""
    p = sub.add_parser("run", help="run the gate: base vs candidate, one verdict per cell",
                       description="Run the gate and print the per-cell table. Exit codes: "
                       "0 pass, 1 a cell failed, 2 usage or input error.")
    _add_run_options(p)
    p.set_defaults(func=lambda args: _run(_config_from_args(args, None), not args.no_progress))
    p = sub.add_parser("demo", help="the demo: embedded Gemma-3-270m vs itself with a warm "
                       "persona, 2 suites x 2 contexts x 2 beliefs x 16 items (minutes on 2 CPU cores)",
                       description="Run the demo configuration; options override it.")
    _add_run_options(p)
    p.set_defaults(func=lambda args: _run(_config_from_args(args, DEMO), not args.no_progress))
