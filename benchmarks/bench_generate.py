#!/usr/bin/env python3
"""warmgate on the anchor's generate workload: one process, timed phases, one decision.

The anchor (shared/bench/anchor) has 96 prompts "Q: {framed question}\\nA:" (24 TruthfulQA
questions x 4 framings). Each prompt's message goes to warmgate's TransformersBackend, which
renders exactly the same prompt (the embedded base model has no chat template; checked below).

  --mode both        base and candidate are generated (no stored baseline): 2 x 96 replies
  --mode candidate   the base replies come from a stored baseline (--baseline FILE, written by
                     an earlier `--mode both --save-baseline FILE`); only the candidate runs
  --mode one         one role only, no decision: the like-for-like comparison with the floor

Base and candidate are the same model here (the anchor has one model), so the candidate costs
what the base costs. The decision is the gate's statistic on the anchor's metric: per framing,
an exact one-sided McNemar test on `closer_to_correct` (f1 vs Best Answer > f1 vs the planted
Best Incorrect Answer). Prints machine, versions, settings, phase times and the metrics.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ANCHOR = Path(os.environ.get("ANCHOR_DIR", Path(__file__).resolve().parents[2]
                             / "shared" / "bench" / "anchor"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["both", "candidate", "one"], default="both")
    ap.add_argument("--workload", default=str(ANCHOR / "workload_generate.jsonl"))
    ap.add_argument("--model", default="embedded:gemma-3-270m")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-new-tokens", type=int, default=24)
    ap.add_argument("--repeat", type=int, default=1,
                    help="replicate the prompt list N times (scaling runs)")
    ap.add_argument("--baseline", default=None, help="stored base replies (jsonl) to reuse")
    ap.add_argument("--save-baseline", default=None, help="write the base replies here (jsonl)")
    ap.add_argument("--out", default=None, help="write the candidate replies here (jsonl)")
    args = ap.parse_args()

    import torch
    import transformers

    import warmgate
    from warmgate.backends import Decoding, ModelSpec
    from warmgate.backends.hf import TransformersBackend
    from warmgate.stats import mcnemar

    sys.path.insert(0, str(ANCHOR / "tasks"))
    from utils import score  # the anchor's metric (same as its raw script and lm-eval task)

    t_import = time.perf_counter() - T0
    lines = Path(args.workload).read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines] * args.repeat
    for it in items:
        assert it["prompt"].startswith("Q: ") and it["prompt"].endswith("\nA:"), it["id"]
    messages = [it["prompt"][3:-3] for it in items]

    decoding = Decoding(max_new_tokens=args.max_new_tokens, stop_at_newline=True)
    spec = ModelSpec(args.model)
    backend = TransformersBackend({"base": spec, "candidate": spec}, decoding,
                                  batch_size=args.batch_size)
    t1 = time.perf_counter()
    model, tok = backend._load(spec)
    backend._stop_ids(tok)
    rendered = backend.format_prompt(tok, spec, messages[0])
    if rendered != items[0]["prompt"]:
        raise SystemExit(f"prompt mismatch: {rendered!r} != {items[0]['prompt']!r}")
    t_load = time.perf_counter() - t1

    phases: dict[str, float] = {}
    base = None
    if args.mode == "candidate":
        if not args.baseline:
            raise SystemExit("--mode candidate needs --baseline FILE (from --save-baseline)")
        t = time.perf_counter()
        stored = [json.loads(line) for line in Path(args.baseline).read_text(encoding="utf-8").splitlines()]
        by_id = {r["id"]: r["reply"] for r in stored}
        base = [by_id[it["id"]] for it in items]
        phases["baseline_read_s"] = time.perf_counter() - t
    elif args.mode == "both":
        t = time.perf_counter()
        base = backend.generate("base", messages)
        phases["generate_base_s"] = time.perf_counter() - t
        if args.save_baseline:
            tmp = args.save_baseline + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                for it, reply in zip(items, base, strict=True):
                    f.write(json.dumps({"id": it["id"], "reply": reply}) + "\n")
            os.replace(tmp, args.save_baseline)
    t = time.perf_counter()
    cand = backend.generate("candidate", messages)
    phases["generate_candidate_s"] = time.perf_counter() - t
    n_tokens = sum(len(tok(c, add_special_tokens=False).input_ids) for c in cand)

    t = time.perf_counter()
    cs = [score(g, it["correct"], it["incorrect"]) for g, it in zip(cand, items, strict=True)]
    decisions = {}
    if base is not None:
        bs = [score(g, it["correct"], it["incorrect"]) for g, it in zip(base, items, strict=True)]
        for fr in sorted({it["framing"] for it in items}):
            sel = [k for k, it in enumerate(items) if it["framing"] == fr]
            b = sum(1 for k in sel if bs[k]["closer_to_correct"] and not cs[k]["closer_to_correct"])
            c = sum(1 for k in sel if cs[k]["closer_to_correct"] and not bs[k]["closer_to_correct"])
            decisions[fr] = (b, c, mcnemar(b, c, alternative="greater").pvalue)
    phases["score_decide_s"] = time.perf_counter() - t
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for it, reply in zip(items, cand, strict=True):
                f.write(json.dumps({"id": it["id"], "generation": reply}) + "\n")

    agg = {k: sum(s[k] for s in cs) / len(cs) for k in cs[0]}
    print(f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.2f} python={platform.python_version()}")
    print(f"versions: warmgate={warmgate.__version__} torch={torch.__version__} "
          f"transformers={transformers.__version__} threads={torch.get_num_threads()}")
    print(f"settings: mode={args.mode} prompts={len(items)} batch_size={args.batch_size} "
          f"max_new_tokens={args.max_new_tokens} dtype=float32 greedy stop=newline_token_ids")
    print(f"import_s={t_import:.2f} load_s={t_load:.2f} "
          + " ".join(f"{k}={v:.2f}" for k, v in phases.items())
          + f" total_in_process_s={time.perf_counter() - T0:.2f}")
    print(f"candidate_reply_tokens={n_tokens}")
    print("metrics " + " ".join(f"{k}={v:.4f}" for k, v in agg.items()))
    for fr, (b, c, p) in decisions.items():
        print(f"decision {fr}: newly_wrong={b} newly_right={c} mcnemar_p={p:.3g}")
    for it, g in list(zip(items, cand, strict=True))[:4]:
        print(f"  {it['id']}: {g!r}")


if __name__ == "__main__":
    main()
