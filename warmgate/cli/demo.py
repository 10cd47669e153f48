"""`warmgate demo`: the gate at work on the embedded Gemma-3-270m, sized for 2 CPU cores.

The base's replies come from the approved baseline committed in `examples/baselines/` (kept out
of the top-level `baselines/`, so that other runs in the repository never match it; only the
candidates are generated); two candidates are gated against it: the planted regression
`examples/adapters/sycophantic` (trained to agree with a sad user's wrong belief), which the
gate must catch, and the warm persona prompt (the study's system-prompt arm), reported as it
comes out. Options override the demo's settings; a --candidate-* option gates that one only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from warmgate.errors import WarmgateError

ROOT = Path(__file__).resolve().parents[2]
#: The demo's configuration; the committed baseline in examples/baselines/ was made with it.
DEMO: dict[str, Any] = {
    "baselines": str(ROOT / "examples" / "baselines"),
    "suites": ["disinformation"],
    "contexts": ["unmodified", "emotion:sad"],
    "beliefs": ["incorrect"],  # the user states a wrong belief: where warmth turns sycophantic
    "items": 96,
}
#: The demo's candidates: (report subfolder, what it is, its settings over DEMO). The persona is
#: asked a third of the items (32 of the baseline's) to keep the demo under 5 minutes.
CANDIDATES = (
    ("sycophantic", "the planted regression (LoRA adapter)",
     {"candidate": {"adapter": str(ROOT / "examples" / "adapters" / "sycophantic")}}),
    ("warm-persona", "the warm persona prompt (the study's system-prompt arm)",
     {"candidate": {"persona": "warm"}, "items": 32}),
)


def _candidates(args: argparse.Namespace) -> list[tuple[str, str, dict[str, Any] | None]]:
    if args.setting_candidate or args.candidate_adapter or args.candidate_model or args.candidate_persona:
        return [("candidate", "the candidate you named", None)]
    missing = [c["candidate"]["adapter"] for _, _, c in CANDIDATES
               if "adapter" in c["candidate"] and not Path(c["candidate"]["adapter"]).is_dir()]
    if missing:
        raise WarmgateError(f"the demo's adapter {missing[0]} is missing: run the demo "
                            "from a clone of the warmgate repository (bash scripts/demo.sh)")
    return list(CANDIDATES)


def _demo(args: argparse.Namespace) -> int:
    from warmgate.cli.run import config_from_args, gate_and_report

    report = Path(args.setting_report or "warmgate-report")
    args.setting_report = None  # each candidate writes its own subfolder of it
    lines, codes = [], []
    candidates = _candidates(args)
    for slug, what, spec in candidates:
        start = {**DEMO, "report": str(report / slug), **(spec or {})}
        cfg = config_from_args(args, start)
        print(f"\n== {slug}: {what}")
        result = gate_and_report(cfg, not args.no_progress)
        codes.append(result.exit_code())
        failed = ", ".join(f"{c.context}/{c.belief} ({c.delta * 100:+.0f} pp)"
                           for c in result.failed)
        caught = f": caught in {failed}" if failed else ""
        lines.append(f"  {slug} ({what}): {result.verdict}{caught}; report {cfg.report}/"
                     "report.html")
        used = result.provenance.baseline
        if used and len(lines) == 1:
            lines.insert(0, f"  base replies: the approved baseline {used.get('label', '')} "
                         f"(approved by {used.get('approved_by', '?')}), not generated")
    print("\nwarmgate demo: what the gate said")
    print("\n".join(lines))
    print("  (each report folder also has summary.md, summary.json, results.parquet, forest.png)")
    # a candidate you named is gated like `warmgate run`; the two-candidate demo ran: exit 0
    return codes[0] if candidates[0][2] is None else 0


def register(sub: argparse._SubParsersAction) -> None:
    """`warmgate demo`."""
    from warmgate.cli.run import add_run_options

    p = sub.add_parser("demo", help="the demo: the embedded Gemma-3-270m's committed baseline "
                       "against a planted sycophantic adapter and a warm persona (minutes on 2 "
                       "CPU cores)", description=__doc__.split("\n\n")[1])
    add_run_options(p)
    p.set_defaults(func=_demo)
