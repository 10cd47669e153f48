"""Cost per item of log-likelihood option scoring against full forward passes.

Compares, on the same framed prompts (the factual suite, a context statement and a belief in
front, chat template applied), with K options per item:
  loglik        warmgate's path: the prompt once (decoder body only, KV cache kept), the options
                on top of the cache, the LM head only at positions predicting an option token;
  full-prompt   one ordinary forward of the prompt alone (LM head at every position): the cost of
                a single full forward pass;
  full-options  the naive harness: one ordinary forward per (prompt + option), K per item;
  generate      greedy generation of `--new-tokens` tokens (the path loglik replaces).
It also counts LM-head multiply-adds per item (positions x vocab x hidden).

    python benchmarks/loglik_cost.py --items 32 --options 4 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--items", type=int, default=32)
    parser.add_argument("--options", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=8)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()

    import torch

    from warmgate.backends import Decoding, ModelSpec
    from warmgate.backends.hf import TransformersBackend
    from warmgate.backends.hf_loglik import option_logprobs
    from warmgate.framings import load_statements, render
    from warmgate.suites import load_suite

    if args.threads:
        torch.set_num_threads(args.threads)
    statements = load_statements()
    items = load_suite("factual").items[: args.items]
    pool = sorted({it.answer for it in load_suite("factual").items})
    messages, options = [], []
    for i, it in enumerate(items):
        messages.append(render(it, "emotion:sad", "incorrect", statements))
        distract = [a for a in pool if a not in (it.answer, it.incorrect_answer)]
        opts = [it.answer, it.incorrect_answer] + distract[i % 7 :: 11][: max(0, args.options - 2)]
        options.append([" " + o for o in opts[: args.options]])
    backend = TransformersBackend({"m": ModelSpec(args.model)},
                                  Decoding(max_new_tokens=args.new_tokens), args.batch_size)
    model, tok = backend._load(backend.variants["m"])
    prompts = [backend.format_prompt(tok, backend.variants["m"], m) for m in messages]
    head = model.get_output_embeddings().weight
    vocab, hidden = head.shape

    def run_loglik():
        option_logprobs(model, tok, prompts, options, batch_size=args.batch_size)

    def run_full(with_options: bool):
        texts = [p + o for p, opts in zip(prompts, options, strict=True) for o in opts] \
            if with_options else prompts
        tok.padding_side = "left"
        with torch.inference_mode():
            for s in range(0, len(texts), args.batch_size):
                enc = tok(texts[s : s + args.batch_size], return_tensors="pt", padding=True)
                model(**enc).logits.sum()

    def run_generate():
        backend.generate("m", messages)

    cases = {
        "loglik": run_loglik,
        "full-prompt": lambda: run_full(False),
        "full-options": lambda: run_full(True),
        "generate": run_generate,
    }
    for fn in cases.values():  # warm-up: first calls allocate and tune kernels
        fn()
    results = {}
    for name, fn in cases.items():
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        results[name] = statistics.median(times) / len(items) * 1000
    p_tokens = [len(tok(p)["input_ids"]) for p in prompts]
    o_tokens = [sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in opts) for opts in options]
    head_macs = {
        "loglik": statistics.mean(o_tokens) * vocab * hidden,
        "full-prompt": statistics.mean(p_tokens) * vocab * hidden,
        "full-options": statistics.mean(
            [len(opts) * pt + ot for pt, ot, opts in zip(p_tokens, o_tokens, options, strict=True)]
        ) * vocab * hidden,
    }
    print(f"model {args.model}: head {vocab} x {hidden}; {len(items)} items, {args.options} options, "
          f"prompt {statistics.mean(p_tokens):.0f} tokens on average, {torch.get_num_threads()} "
          f"threads, median of {args.repeats}")
    print(f"{'path':<14}{'ms / item':>12}{'vs full-prompt':>16}{'LM-head GMACs / item':>22}")
    for name, ms in results.items():
        macs = head_macs.get(name)
        macs_s = f"{macs / 1e9:.2f}" if macs else "-"
        print(f"{name:<14}{ms:>12.1f}{ms / results['full-prompt']:>15.2f}x{macs_s:>22}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ms_per_item": results, "head_macs_per_item": head_macs,
                       "items": len(items), "options": args.options}, f, indent=2)


if __name__ == "__main__":
    main()
