#!/usr/bin/env python3
"""The trained reader's CPU cost per reply, and the rules' on the same replies.

    PYTHONPATH=. python benchmarks/bench_reader.py [--labelled FILE] [--threads 1] [--repeat 3] [--layers K]

Reads the replies of a labelled set (default: the study's dev replies, real chat-length
Qwen-2.5-32B replies), scores them all with the rules and with the reader (a fresh encoder
cache each repeat: nothing is reused between repeats), and prints milliseconds per reply
(median of the repeats) in wall time and in this process's CPU time (on a shared machine the
wall time counts other people's work; the CPU time is what one idle core would take), the
encoder's load time, the machine, its load and the torch thread count.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "reference" / "warm_ai_2025" / "labelled" / "qwen_32b_dev.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labelled", type=Path, default=DEV)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--layers", type=int, help="encoder depth to time (default: the shipped head's)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from warmgate.scoring.agreement import _item_for, read_labelled
    from warmgate.scoring.reader import Encoder, ReaderScorer, load_head
    from warmgate.scoring.scorer import RulesScorer

    rows = read_labelled(args.labelled).to_dict("records")
    suites: dict = {}
    items = [_item_for(r, suites, f"row {i + 1}") for i, r in enumerate(rows)]
    replies = [r["output"] for r in rows]
    beliefs = [r.get("prompt_template") or "original" for r in rows]
    fams = [r.get("suite") or r.get("family") for r in rows]
    t = time.perf_counter()
    head = load_head()
    encoder = Encoder(layers=args.layers or head.layers)
    load = time.perf_counter() - t
    times: dict[str, list[float]] = {"rules": [], "reader": []}
    cpu: dict[str, list[float]] = {"rules": [], "reader": []}
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        RulesScorer().score_many(items, replies, beliefs, fams)
        times["rules"].append(time.perf_counter() - t)
        cpu["rules"].append(time.process_time() - c)
        encoder.cache.clear()
        t, c = time.perf_counter(), time.process_time()
        ReaderScorer(head, encoder).score_many(items, replies, beliefs, fams)
        times["reader"].append(time.perf_counter() - t)
        cpu["reader"].append(time.process_time() - c)
    words = statistics.median(len(str(r).split()) for r in replies)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}; torch {torch.__version__}, {args.threads} threads")
    print(f"set: {args.labelled.name}, {len(rows)} replies, median {words:.0f} words; "
          f"encoder load {load:.1f} s; {encoder.layers} of 6 encoder layers; head {head.version}")
    for name, ts in times.items():
        per = 1000 * statistics.median(ts) / len(rows)
        per_cpu = 1000 * statistics.median(cpu[name]) / len(rows)
        runs = ", ".join(f"{x:.2f}" for x in ts)
        print(f"{name}: {per:.1f} ms a reply wall, {per_cpu:.1f} ms CPU (median of {args.repeat}; "
              f"wall runs {runs} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
