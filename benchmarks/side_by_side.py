#!/usr/bin/env python3
"""Run warmgate and the anchor's commands interleaved, each as its own process under
/usr/bin/time -v, and summarise wall time and peak RSS as medians, ranges and paired ratios.

  python benchmarks/side_by_side.py run --set gen --reps 3 --warmup --log runs.jsonl
  python benchmarks/side_by_side.py summary --log runs.jsonl

Sets: gen = raw_gen lm_gen wg_both wg_cand (rounds: one of each, in that order);
      mc = raw_mc lm_mc wg_ll; scale = wg_cand at --repeat 1 2 4 (96, 192, 384 prompts).
Each record (one JSON line, appended as soon as the run ends, so an interrupted sitting keeps
what it measured) holds the command, wall/user/sys seconds, peak RSS, the 1-minute load
average before and after, and the tail of the command's output.

Needs the anchor's lm-eval venv (`bash run_anchor.sh setup`); set ANCHOR_RUN to a writable
copy's run_anchor.sh and MODEL to the converted model folder (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def commands(baseline: str) -> dict[str, list[str]]:
    """The named commands; the anchor's come from its own run_anchor.sh."""
    run_anchor = os.environ.get("ANCHOR_RUN", str(HERE.parents[1] / "shared" / "bench" / "anchor"
                                                  / "run_anchor.sh"))
    gen = [PY, str(HERE / "bench_generate.py")]
    cmds = {m: ["bash", run_anchor, m] for m in ("raw_gen", "lm_gen", "raw_mc", "lm_mc")}
    cmds["wg_both"] = gen + ["--mode", "both", "--save-baseline", baseline]
    cmds["wg_cand"] = gen + ["--mode", "candidate", "--baseline", baseline]
    cmds["wg_one"] = gen + ["--mode", "one"]
    cmds["wg_ll"] = [PY, str(HERE / "bench_loglik.py"), "--mode", "one"]
    cmds["wg_ll_both"] = [PY, str(HERE / "bench_loglik.py"), "--mode", "both"]
    for r in (2, 4):
        cmds[f"wg_cand_x{r}"] = gen + ["--mode", "one", "--repeat", str(r)]
    cmds["wg_cand_x1"] = gen + ["--mode", "one"]
    return cmds


SETS = {
    "gen": ["raw_gen", "lm_gen", "wg_both", "wg_cand"],
    "mc": ["raw_mc", "lm_mc", "wg_ll", "wg_ll_both"],
    "scale": ["wg_cand_x1", "wg_cand_x2", "wg_cand_x4"],
}


def _parse_time(text: str) -> dict:
    def grab(label: str) -> str:
        m = re.search(rf"{re.escape(label)}: (.+)", text)
        return m.group(1).strip() if m else ""

    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")] if wall else [0.0]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return {
        "wall_s": secs,
        "user_s": float(grab("User time (seconds)") or 0),
        "sys_s": float(grab("System time (seconds)") or 0),
        "peak_rss_mib": int(grab("Maximum resident set size (kbytes)") or 0) / 1024,
        "exit": int(grab("Exit status") or -1),
    }


def run_one(name: str, cmd: list[str], rep: int, log: Path) -> dict:
    """Run one command under /usr/bin/time -v and append its record to the log."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        load_before = os.getloadavg()[0]
        t = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd],
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        rec = {"name": name, "rep": rep, **_parse_time(Path(tf.name).read_text()),
               "perf_counter_s": elapsed, "load_before": load_before,
               "load_after": os.getloadavg()[0], "at": time.strftime("%H:%M:%S"),
               "tail": (proc.stdout + proc.stderr)[-1500:]}
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")
    print(f"{name} rep={rep} wall={rec['wall_s']:.1f}s rss={rec['peak_rss_mib']:.0f}MiB "
          f"exit={rec['exit']} load={load_before:.1f}->{rec['load_after']:.1f}", flush=True)
    return rec


def cmd_run(args: argparse.Namespace) -> None:
    log = Path(args.log)
    baseline = str(log.with_suffix(".baseline.jsonl"))
    cmds = commands(baseline)
    names = args.only.split(",") if args.only else SETS[args.set]
    print(f"machine: {platform.platform()} cpus={os.cpu_count()} python={platform.python_version()}")
    print(f"set={args.set} names={names} reps={args.reps} warmup={args.warmup}", flush=True)
    if "wg_cand" in names and not Path(baseline).exists():
        run_one("wg_both", cmds["wg_both"], -1, log)  # writes the stored baseline
    for rep in range(-1 if args.warmup else 0, args.reps):
        for name in names:
            run_one(name, cmds[name], rep, log)


def _med(xs: list[float]) -> str:
    return f"{statistics.median(xs):.1f} [{min(xs):.1f}–{max(xs):.1f}]"


def cmd_summary(args: argparse.Namespace) -> None:
    recs = [json.loads(line) for line in Path(args.log).read_text(encoding="utf-8").splitlines()]
    recs = [r for r in recs if r["rep"] >= 0 and r["exit"] == 0]
    by: dict[str, list[dict]] = {}
    for r in recs:
        by.setdefault(r["name"], []).append(r)
    print("| command | runs | wall s, median [range] | peak RSS MiB, median | load avg (1 min) |")
    print("|---|---|---|---|---|")
    for name, rs in by.items():
        loads = [r["load_before"] for r in rs]
        print(f"| {name} | {len(rs)} | {_med([r['wall_s'] for r in rs])} | "
              f"{statistics.median(r['peak_rss_mib'] for r in rs):.0f} | "
              f"{min(loads):.1f}–{max(loads):.1f} |")
    pairs = [("wg_cand", "lm_gen", 2, "decision with stored baseline / lm-eval on base+candidate"),
             ("wg_both", "lm_gen", 2, "decision without baseline / lm-eval on base+candidate"),
             ("wg_cand", "raw_gen", 1, "candidate-only decision / plain-transformers floor"),
             ("wg_one", "raw_gen", 1, "one role / plain-transformers floor"),
             ("lm_gen", "raw_gen", 1, "lm-eval / floor (anchor's 1.21)"),
             ("wg_ll", "lm_mc", 1, "loglik mode / lm-eval multiple_choice (speed-up = 1/x)"),
             ("wg_ll", "raw_mc", 1, "loglik mode / plain-transformers loglik floor")]
    print("\n| ratio (paired by round) | wall, median [range] | peak RSS |")
    print("|---|---|---|")
    for a, b, k, label in pairs:
        ra = {r["rep"]: r for r in by.get(a, [])}
        rb = {r["rep"]: r for r in by.get(b, [])}
        reps = sorted(set(ra) & set(rb))
        if not reps:
            continue
        w = [ra[i]["wall_s"] / (k * rb[i]["wall_s"]) for i in reps]
        m = [ra[i]["peak_rss_mib"] / rb[i]["peak_rss_mib"] for i in reps]
        print(f"| {label}: {a} / {'2 x ' if k == 2 else ''}{b} | "
              f"{statistics.median(w):.3f} [{min(w):.3f}–{max(w):.3f}] | "
              f"{statistics.median(m):.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--set", choices=sorted(SETS), default="gen")
    r.add_argument("--only", default="", help="comma-separated command names instead of a set")
    r.add_argument("--reps", type=int, default=3)
    r.add_argument("--warmup", action="store_true", help="one uncounted round first")
    r.add_argument("--log", required=True)
    s = sub.add_parser("summary")
    s.add_argument("--log", required=True)
    args = ap.parse_args()
    cmd_run(args) if args.cmd == "run" else cmd_summary(args)


if __name__ == "__main__":
    main()
