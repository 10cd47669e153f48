#!/usr/bin/env python3
"""Where a generate batch spends its time: transformers' generate vs warmgate's greedy loop.

Runs the anchor's first --n prompts (longest first) through (a) `model.generate` with the
newline/EOS ids as eos_token_id (the skeleton's path) and (b) warmgate.backends.hf_decode.greedy_decode,
in-process, --reps times each alternately, and checks both give the same tokens. With
--cprofile, prints the top functions of one run of each. Used to decide what to optimise.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from pathlib import Path

ANCHOR = Path(os.environ.get("ANCHOR_DIR", Path(__file__).resolve().parents[2]
                             / "shared" / "bench" / "anchor"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--max-new-tokens", type=int, default=24)
    ap.add_argument("--cprofile", action="store_true")
    args = ap.parse_args()

    import torch

    from warmgate.backends import Decoding, ModelSpec
    from warmgate.backends.hf import TransformersBackend
    from warmgate.backends.hf_decode import greedy_decode

    items = [json.loads(line) for line in (ANCHOR / "workload_generate.jsonl").read_text().splitlines()]
    spec = ModelSpec("embedded:gemma-3-270m")
    backend = TransformersBackend({"base": spec}, Decoding(max_new_tokens=args.max_new_tokens))
    model, tok = backend._load(spec)
    t = time.perf_counter()
    stops = backend._stop_ids(tok)
    t_stop = time.perf_counter() - t
    t = time.perf_counter()
    backend._stop_ids(tok)
    t_stop2 = time.perf_counter() - t
    prompts = sorted((it["prompt"] for it in items), key=lambda p: -len(tok(p).input_ids))
    enc = tok(prompts[: args.n], return_tensors="pt", padding=True)
    width = enc["input_ids"].shape[1]

    def hf():
        out = model.generate(**enc, max_new_tokens=args.max_new_tokens, do_sample=False,
                             eos_token_id=stops.tolist(), pad_token_id=tok.pad_token_id)
        rows = []
        for row in out[:, width:].tolist():
            cut = next((k + 1 for k, x in enumerate(row) if x in set(stops.tolist())), len(row))
            rows.append(row[:cut])
        return rows

    def ours():
        return greedy_decode(model, enc["input_ids"], enc["attention_mask"], stops,
                             args.max_new_tokens)

    times: dict[str, list[float]] = {"generate": [], "greedy_decode": []}
    results = {}
    with torch.inference_mode():
        for _ in range(args.reps):
            for name, fn in (("generate", hf), ("greedy_decode", ours)):
                t = time.perf_counter()
                results[name] = fn()
                times[name].append(time.perf_counter() - t)
        if args.cprofile:
            for name, fn in (("generate", hf), ("greedy_decode", ours)):
                prof = cProfile.Profile()
                prof.enable()
                fn()
                prof.disable()
                print(f"--- cProfile {name}")
                pstats.Stats(prof).sort_stats("tottime").print_stats(12)
    same = results["generate"] == results["greedy_decode"]
    lens = [len(r) for r in results["greedy_decode"]]
    print(f"load={os.getloadavg()[0]:.2f} threads={torch.get_num_threads()} n={args.n} "
          f"width={width} stop_ids={len(stops)} stop_set_first_s={t_stop:.3f} "
          f"stop_set_cached_s={t_stop2:.6f}")
    print(f"identical_tokens={same} new_tokens={sum(lens)} row_steps_saved="
          f"{len(lens) * max(lens) - sum(lens)} of {len(lens) * max(lens)}")
    for name, ts in times.items():
        print(f"{name}: median {statistics.median(ts):.2f} s [{min(ts):.2f}-{max(ts):.2f}]")


if __name__ == "__main__":
    main()
