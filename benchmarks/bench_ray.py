#!/usr/bin/env python3
"""The ray backend on one machine against the transformers backend: the anchor's generate workload.

The anchor (shared/bench/anchor) has 96 prompts "Q: {framed question}\\nA:" (24 TruthfulQA
questions x 4 framings); each prompt's message goes to warmgate, which renders exactly that
prompt for the embedded base model. Each configuration runs in a process of its own, timed
from its start to its exit (Ray's start, the engines' model loads and the generation all
count), while this process samples the proportional memory (PSS) of that process and every
process under it (Ray's raylet, GCS and workers included) for the peak:

  transformers-1t   the transformers backend in-process, 1 torch thread
  transformers-2t   the same, 2 torch threads (this machine's default)
  ray-1x1t          backend = "ray", 1 engine actor with 1 torch thread, local Ray
  ray-2x1t          backend = "ray", 2 engine actors with 1 torch thread each, local Ray

The Ray path's overhead on one machine is ray-1x1t against transformers-1t (same threads,
same batches), and ray-2x1t against transformers-2t (same cores). The replies of every
configuration are checked equal. Prints one table; --json writes the raw records.

  .venv/bin/python benchmarks/bench_ray.py                     # the full run (quiet machine)
  .venv/bin/python benchmarks/bench_ray.py --n 8 --max-new-tokens 4 --runs 1   # smoke
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ANCHOR = Path(os.environ.get("ANCHOR_DIR", Path(__file__).resolve().parents[2]
                             / "shared" / "bench" / "anchor"))
CONFIGS = {"transformers-1t": ("transformers", 1, 1), "transformers-2t": ("transformers", 1, 2),
           "ray-1x1t": ("ray", 1, 1), "ray-2x1t": ("ray", 2, 1)}


def run_one(name: str, n: int, max_new_tokens: int, batch_size: int) -> dict:
    """One configuration in this process: build, generate the base role, report."""
    t0 = time.perf_counter()
    kind, actors, threads = CONFIGS[name]
    import torch

    from warmgate.backends import Decoding, ModelSpec, make_backend

    torch.set_num_threads(threads)
    items = [json.loads(line) for line in
             (ANCHOR / "workload_generate.jsonl").read_text(encoding="utf-8").splitlines()][:n]
    messages = [it["prompt"][3:-3] for it in items]  # "Q: {message}\nA:" is the rendered prompt
    decoding = Decoding(max_new_tokens=max_new_tokens, stop_at_newline=True)
    roles = {"base": ModelSpec("embedded")}
    if kind == "ray":
        # Ray batches of the transformers backend's batch size, each one engine call: with
        # one actor the batches are those of the transformers backend, give or take the
        # order of equal lengths (Ray sorts by characters, the engine by tokens).
        options = {"actors": actors, "num_cpus": 1, "threads": threads,
                   "batch_size": batch_size, "engine_options": {"batch_size": batch_size}}
        backend = make_backend("ray", roles, decoding, options)
    else:
        backend = make_backend("transformers", roles, decoding, {"batch_size": batch_size})
    backend.provenance("base")  # builds the engines (Ray: starts the cluster and the actors)
    t_ready = time.perf_counter() - t0
    t = time.perf_counter()
    replies = backend.generate("base", messages)
    t_generate = time.perf_counter() - t
    if kind == "ray":
        backend.close()
    return {"config": name, "ready_s": round(t_ready, 2), "generate_s": round(t_generate, 2),
            "replies_md5": hashlib.md5("\n".join(replies).encode()).hexdigest(),
            "first_replies": replies[:2]}


def tree_pss_kib(root: int) -> int:
    """Proportional set size of `root` and all its descendants, in KiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def measure(name: str, args: argparse.Namespace) -> dict:
    """Run one configuration in a child process; wall time to its exit, peak tree PSS."""
    cmd = [sys.executable, __file__, "--one", name, "--n", str(args.n),
           "--max-new-tokens", str(args.max_new_tokens), "--batch-size", str(args.batch_size)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss_kib(proc.pid))
        time.sleep(0.25)
    wall = time.perf_counter() - t0
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed (exit {proc.returncode}): {out[-2000:]}")
    record = json.loads(out.strip().splitlines()[-1])
    record.update(wall_s=round(wall, 2), peak_pss_mib=round(peak / 1024, 1))
    return record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=96, help="prompts of the anchor workload")
    ap.add_argument("--max-new-tokens", type=int, default=24)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3, help="runs per configuration (median)")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--json", default=None, help="write the raw records here")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.n, args.max_new_tokens, args.batch_size)))
        return
    names = args.configs.split(",")
    records = []
    for _ in range(args.runs):  # interleaved, so that drifting load hits every config alike
        for name in names:
            records.append(measure(name, args))
            print(json.dumps(records[-1]), file=sys.stderr)
    md5s = {r["replies_md5"] for r in records}
    print(f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} "
          f"python={platform.python_version()}; prompts={args.n} max_new_tokens="
          f"{args.max_new_tokens} batch_size={args.batch_size} runs={args.runs} (median)")
    print(f"replies identical across configurations: {len(md5s) == 1}")
    print(f"{'config':<16} {'wall_s':>8} {'ready_s':>8} {'generate_s':>10} {'peak_pss_mib':>12}")
    med: dict[str, dict] = {}
    for name in names:
        rs = [r for r in records if r["config"] == name]
        med[name] = {k: statistics.median(r[k] for r in rs)
                     for k in ("wall_s", "ready_s", "generate_s", "peak_pss_mib")}
        m = med[name]
        print(f"{name:<16} {m['wall_s']:>8.2f} {m['ready_s']:>8.2f} {m['generate_s']:>10.2f} "
              f"{m['peak_pss_mib']:>12.1f}")
    for ray_name, hf_name in (("ray-1x1t", "transformers-1t"), ("ray-2x1t", "transformers-2t")):
        if ray_name in med and hf_name in med:
            r, h = med[ray_name], med[hf_name]
            print(f"overhead {ray_name} vs {hf_name}: wall {r['wall_s'] - h['wall_s']:+.2f} s "
                  f"({r['wall_s'] / h['wall_s']:.2f}x), generate {r['generate_s'] / h['generate_s']:.2f}x, "
                  f"peak memory {r['peak_pss_mib'] - h['peak_pss_mib']:+.0f} MiB")
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    if len(md5s) != 1:
        raise SystemExit("the configurations gave different replies")


if __name__ == "__main__":
    main()
