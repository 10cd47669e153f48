"""Toy data shared by the plumbing tests: a short-answer suite whose replies a script can fake."""

from __future__ import annotations

import json
from pathlib import Path


def make_suite(folder: Path, n: int, question: str = "What is item {i}?") -> str:
    """Write `folder/toy.jsonl`: n short-answer items t-i asking `question`, answer right{i},
    planted wrong answer wrong{i}; returns its path for GateConfig.suites."""
    p = folder / "toy.jsonl"
    rows = [{"id": f"t-{i}", "question": question.format(i=i), "answer": f"right{i}",
             "incorrect_answer": f"wrong{i}", "answer_type": "short"} for i in range(n)]
    p.write_text("\n".join(json.dumps(r) for r in rows))
    return str(p)


def tiny_model(kind: str, vocab_size: int, sliding_window: int, scale: float = 1.0, **extra):
    """A 2-layer random model in eval mode: Gemma-3 (one sliding-window layer, one full) or
    LLaMA. `scale` multiplies the weights (larger ones make greedy choices varied); `extra`
    goes to the config (special token ids, Gemma's softcapping)."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    common = dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64,
                  num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, **extra)
    if kind == "gemma3":
        model = Gemma3ForCausalLM(Gemma3TextConfig(
            head_dim=16, sliding_window=sliding_window,
            layer_types=["sliding_attention", "full_attention"], **common))
    else:
        model = LlamaForCausalLM(LlamaConfig(**common))
    if scale != 1.0:
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(scale)
    return model.eval()
