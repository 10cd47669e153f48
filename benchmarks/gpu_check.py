"""GPU check: generation throughput of a Gemma-3-270m-shaped model (random weights) on one GPU.

Run by benchmarks/gpu_check.sh from the repository root (PYTHONPATH=.). Needs torch and
transformers; uses no network and no downloaded weights: the model is built from
benchmarks/gemma-3-270m-config.json (the embedded model's config) with random weights, so the
figures are speed only, never quality. Measures, at batch sizes 1, 8, 32, 128, forcing every row
to generate the full length:
  - transformers `generate` (greedy, KV cache),
  - warmgate's own greedy loop (`warmgate.backends.hf_decode.greedy_decode`) where it exists,
  - vLLM (`LLM.generate` with token-id prompts) when vLLM is installed.
`--tiny` shrinks the model and the sizes so that the script can be tried on a CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

CONFIG = Path(__file__).with_name("gemma-3-270m-config.json")


def versions() -> dict:
    """Python, torch, CUDA, transformers, peft and vLLM versions, and the GPU's name."""
    import torch
    import transformers

    out = {"python": platform.python_version(), "torch": torch.__version__,
           "cuda": torch.version.cuda, "transformers": transformers.__version__}
    for mod in ("peft", "vllm"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception as e:  # noqa: BLE001 - an absent or broken optional package
            out[mod] = f"absent ({type(e).__name__})"
    out["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU)"
    if torch.cuda.is_available():
        out["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
    return out


def build_config(tiny: bool):
    """The embedded model's config (or a tiny one), readable by transformers 4.5x and 5.x."""
    import transformers

    raw = json.loads(CONFIG.read_text())
    if tiny:
        raw.update(num_hidden_layers=2, hidden_size=64, intermediate_size=128, head_dim=64,
                   num_attention_heads=2, vocab_size=4096,
                   layer_types=["sliding_attention", "full_attention"])
    cls = getattr(transformers, "Gemma3TextConfig", None)
    if cls is None:  # transformers older than Gemma 3: a Llama of the same shapes
        keep = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                "num_attention_heads", "num_key_value_heads", "head_dim", "tie_word_embeddings")
        return transformers.LlamaConfig(**{k: raw[k] for k in keep})
    # Older transformers ignore `rope_parameters`; their rope defaults equal these values.
    return cls.from_dict(raw)


def build_model(cfg, device: str, dtype):
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    try:
        model = AutoModelForCausalLM.from_config(cfg, attn_implementation="sdpa")
    except (ValueError, ImportError):
        model = AutoModelForCausalLM.from_config(cfg)
    return model.to(device=device, dtype=dtype).eval()


def prompts(batch: int, length: int, vocab: int, device: str):
    import torch

    g = torch.Generator().manual_seed(batch)
    ids = torch.randint(10, vocab - 1, (batch, length), generator=g)
    return ids.to(device), torch.ones_like(ids).to(device)


def timed(fn, device: str) -> float:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def bench_transformers(model, cfg, args, device: str, deadline: float) -> list[dict]:
    """tokens/s of transformers `generate` and of warmgate's greedy loop, full-length rows."""
    import torch

    try:
        from warmgate.backends.hf_decode import greedy_decode
    except ImportError:
        greedy_decode = None
    rows = []
    no_stop = torch.tensor([], dtype=torch.long, device=device)
    for batch in args.batches:
        ids, mask = prompts(batch, args.prompt_len, cfg.vocab_size, device)
        engines = {"transformers.generate": lambda ids=ids, mask=mask: model.generate(
            input_ids=ids, attention_mask=mask, do_sample=False, max_new_tokens=args.new_tokens,
            min_new_tokens=args.new_tokens, pad_token_id=0)}
        if greedy_decode is not None:
            engines["warmgate.greedy_decode"] = lambda ids=ids, mask=mask: greedy_decode(
                model, ids, mask, no_stop, args.new_tokens)
        for name, fn in engines.items():
            if time.monotonic() > deadline:
                rows.append({"engine": name, "batch": batch, "skipped": "time budget spent"})
                continue
            try:
                with torch.inference_mode():
                    timed(fn, device)  # warm-up: kernels, allocator, caches
                    secs = min(timed(fn, device) for _ in range(args.repeats))
            except Exception as e:  # noqa: BLE001 - report and go on with the other engines
                rows.append({"engine": name, "batch": batch,
                             "error": f"{type(e).__name__}: {str(e)[:200]}"})
                continue
            toks = batch * args.new_tokens
            rows.append({"engine": name, "batch": batch, "new_tokens": args.new_tokens,
                         "prompt_tokens": args.prompt_len, "seconds": round(secs, 4),
                         "tokens_per_s": round(toks / secs, 1)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def bench_vllm(model, cfg, args, deadline: float) -> list[dict]:
    """tokens/s of vLLM on the same random weights (saved to a temporary folder)."""
    try:
        import vllm
    except Exception as e:  # noqa: BLE001
        return [{"engine": "vllm", "skipped": f"vllm not importable ({type(e).__name__})"}]
    rows = []
    with tempfile.TemporaryDirectory(prefix="warmgate-gpucheck-") as tmp:
        model.save_pretrained(tmp)
        try:
            llm = vllm.LLM(model=tmp, skip_tokenizer_init=True, dtype="bfloat16",
                           gpu_memory_utilization=0.5, max_model_len=2048, seed=0)
        except Exception as e:  # noqa: BLE001
            return [{"engine": "vllm", "error": f"{type(e).__name__}: {str(e)[:300]}"}]
        params = vllm.SamplingParams(temperature=0.0, max_tokens=args.new_tokens,
                                     min_tokens=args.new_tokens, ignore_eos=True,
                                     detokenize=False)
        for batch in [*args.batches, 512]:
            if time.monotonic() > deadline:
                rows.append({"engine": "vllm", "batch": batch, "skipped": "time budget spent"})
                continue
            ids, _ = prompts(batch, args.prompt_len, cfg.vocab_size, "cpu")
            reqs = [{"prompt_token_ids": r} for r in ids.tolist()]

            def run(reqs=reqs):
                return llm.generate(reqs, params, use_tqdm=False)

            run()
            secs = min(timed(run, "cpu") for _ in range(args.repeats))
            rows.append({"engine": "vllm", "batch": batch, "new_tokens": args.new_tokens,
                         "prompt_tokens": args.prompt_len, "seconds": round(secs, 4),
                         "tokens_per_s": round(batch * args.new_tokens / secs, 1)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tiny", action="store_true", help="tiny model and sizes (a CPU smoke run)")
    p.add_argument("--device", default=None, help="cuda (default when available) or cpu")
    p.add_argument("--budget", type=float, default=420.0, help="seconds before skipping the rest")
    p.add_argument("--out", default=os.environ.get("OUT"), help="folder for gpu_check.json")
    args = p.parse_args()
    import torch

    start = time.monotonic()
    deadline = start + args.budget
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    args.batches = [1, 8] if args.tiny else [1, 8, 32, 128]
    args.new_tokens = 8 if args.tiny else 128
    args.prompt_len = 16 if args.tiny else 64
    args.repeats = 1 if args.tiny else 3
    info = versions()
    print(json.dumps({"versions": info}), flush=True)
    cfg = build_config(args.tiny)
    model = build_model(cfg, device, dtype)
    n_params = sum(p.numel() for p in model.parameters())
    setup = {"device": device, "dtype": str(dtype).removeprefix("torch."), "params": n_params,
             "layers": cfg.num_hidden_layers, "vocab": cfg.vocab_size, "tiny": args.tiny,
             "new_tokens": args.new_tokens, "prompt_tokens": args.prompt_len}
    print(json.dumps({"setup": setup}), flush=True)
    rows = bench_transformers(model, cfg, args, device, deadline)
    if device == "cuda":
        del model
        torch.cuda.empty_cache()
        rows += bench_vllm(build_model(cfg, "cpu", torch.bfloat16), cfg, args, deadline)
    else:
        rows.append({"engine": "vllm", "skipped": "no GPU"})
    result = {"versions": info, "setup": setup, "results": rows,
              "seconds_total": round(time.monotonic() - start, 1)}
    print("\n| engine | batch | tokens/s | seconds |\n|---|--:|--:|--:|")
    for r in rows:
        note = r.get("skipped") or r.get("error")
        if note:
            print(f"| {r['engine']} | {r.get('batch', '')} | - | {note} |")
        else:
            print(f"| {r['engine']} | {r['batch']} | {r['tokens_per_s']} | {r['seconds']} |")
    print(f"\nGPU: {info['gpu']}; total {result['seconds_total']} s", flush=True)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "gpu_check.json").write_text(json.dumps(result, indent=2))
    return 0 if any("tokens_per_s" in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
