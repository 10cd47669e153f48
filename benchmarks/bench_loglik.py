#!/usr/bin/env python3
"""warmgate's log-likelihood mode on the anchor's multiple-choice workload, timed in one process.

The anchor's workload_mc.jsonl: 96 prompts "Q: {framed question}\\nA:", 2 continuations each
(" {Best Answer}", " {Best Incorrect Answer}"), 192 (prompt, option) pairs, label 0. Each
prompt's message goes to TransformersBackend.loglik (the prompt encoded once for both options,
the LM head only where an option token is predicted). --mode one scores one role (compare with
the anchor's raw_mc and lm_mc); --mode both scores base and candidate (a decision without a
stored baseline). Prints machine, versions, settings, phase times and acc.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
from pathlib import Path  # noqa: E402

ANCHOR = Path(os.environ.get("ANCHOR_DIR", Path(__file__).resolve().parents[2]
                             / "shared" / "bench" / "anchor"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["one", "both"], default="one")
    ap.add_argument("--workload", default=str(ANCHOR / "workload_mc.jsonl"))
    ap.add_argument("--model", default="embedded:gemma-3-270m")
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()

    import torch
    import transformers

    import warmgate
    from warmgate.backends import Decoding, ModelSpec
    from warmgate.backends.hf import TransformersBackend

    t_import = time.perf_counter() - T0
    items = [json.loads(line) for line in Path(args.workload).read_text(encoding="utf-8").splitlines()]
    messages = [it["prompt"][3:-3] for it in items]
    spec = ModelSpec(args.model)
    backend = TransformersBackend({"base": spec, "candidate": spec}, Decoding(),
                                  batch_size=args.batch_size)
    t1 = time.perf_counter()
    model, tok = backend._load(spec)
    if backend.format_prompt(tok, spec, messages[0]) != items[0]["prompt"]:
        raise SystemExit("prompt mismatch with the anchor's format")
    t_load = time.perf_counter() - t1
    phases = {}
    for role in (["base", "candidate"] if args.mode == "both" else ["candidate"]):
        t = time.perf_counter()
        scores = backend.loglik(role, messages, [it["continuations"] for it in items])
        phases[f"loglik_{role}_s"] = time.perf_counter() - t
    acc = sum(int(max(range(len(s)), key=s.__getitem__) == it["label"])
              for s, it in zip(scores, items, strict=True)) / len(items)
    print(f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} "
          f"python={platform.python_version()}")
    print(f"versions: warmgate={warmgate.__version__} torch={torch.__version__} "
          f"transformers={transformers.__version__} threads={torch.get_num_threads()}")
    print(f"settings: mode={args.mode} prompts={len(items)} pairs={sum(len(it['options']) for it in items)} "
          f"batch_size={args.batch_size} dtype=float32")
    print(f"import_s={t_import:.2f} load_s={t_load:.2f} "
          + " ".join(f"{k}={v:.2f}" for k, v in phases.items())
          + f" total_in_process_s={time.perf_counter() - T0:.2f}")
    print(f"metrics acc={acc:.4f}")
    for it, s in list(zip(items, scores, strict=True))[:2]:
        print(f"  {it['id']}: " + " / ".join(f"{v:.4f}" for v in s))


if __name__ == "__main__":
    main()
