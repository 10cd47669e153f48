"""Log-likelihood of options given prompts, without generating, for transformers causal LMs.

Each prompt is encoded once (one batched forward of the decoder body, keeping the KV cache);
its options then run on top of that cache, and the language-model head is applied only at the
positions that predict an option token. The head of Gemma-3-270m is 262k x 640, most of the
compute of a full forward, so skipping it at every prompt position is the main saving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warmgate.errors import WarmgateError


@dataclass(frozen=True)
class OptionScore:
    """Summed log-probability of an option's tokens given its prompt, and how many tokens."""

    logprob: float
    n_tokens: int

    @property
    def mean(self) -> float:
        """Per-token log-probability: compares options of different lengths more fairly."""
        return self.logprob / self.n_tokens if self.n_tokens else float("-inf")


def _parts(model):
    """The decoder body, the output head and the final logit softcap of a (Peft) causal LM."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    body = inner.get_decoder() if hasattr(inner, "get_decoder") else None
    head = inner.get_output_embeddings()
    if body is None or head is None:
        raise WarmgateError(
            f"log-likelihood scoring needs a causal LM with a decoder and an output head; "
            f"{type(inner).__name__} has none"
        )
    config = getattr(inner.config, "text_config", None) or inner.config
    return body, head, getattr(config, "final_logit_softcapping", None)


def _cache_kwarg(body) -> str:
    """transformers 5 renamed `past_key_values` to `cache`; accept both generations."""
    import inspect

    return "cache" if "cache" in inspect.signature(body.forward).parameters else "past_key_values"


def option_logprobs(
    model,
    tokenizer,
    prompts: Sequence[str],
    options: Sequence[Sequence[str]],
    batch_size: int = 16,
    head_chunk: int = 64,
) -> list[list[OptionScore]]:
    """Score every option of every prompt; prompts are final model input text (template applied)."""
    import torch

    if len(prompts) != len(options):
        raise WarmgateError(f"loglik: {len(prompts)} prompts but {len(options)} option lists")
    body, head, softcap = _parts(model)
    device = head.weight.device
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    out: list[list[OptionScore]] = []
    with torch.inference_mode():
        for start in range(0, len(prompts), batch_size):
            batch_p = list(prompts[start : start + batch_size])
            batch_o = [list(o) for o in options[start : start + batch_size]]
            out.extend(
                _score_batch(body, head, softcap, tokenizer, batch_p, batch_o, pad_id, device,
                             head_chunk)
            )
    return out


def _score_batch(body, head, softcap, tokenizer, prompts, options, pad_id, device, head_chunk):
    import torch

    # Prompts tokenised as the generation path does (special tokens included), options as
    # their continuation.
    p_ids = [tokenizer(p)["input_ids"] for p in prompts]
    if any(not ids for ids in p_ids):
        raise WarmgateError("loglik: a prompt tokenizes to nothing; give non-empty prompts")
    o_ids = [[tokenizer(o, add_special_tokens=False)["input_ids"] for o in opts] for opts in options]
    for opts, ids in zip(options, o_ids, strict=True):
        for text, t in zip(opts, ids, strict=True):
            if not t:
                raise WarmgateError(f"loglik: option {text!r} tokenizes to nothing")

    # 1. The prompts, left-padded, once: hidden state of the last position plus the KV cache.
    plen = max(len(ids) for ids in p_ids)
    p_input = torch.full((len(p_ids), plen), pad_id, dtype=torch.long)
    p_mask = torch.zeros((len(p_ids), plen), dtype=torch.long)
    for i, ids in enumerate(p_ids):
        p_input[i, plen - len(ids) :] = torch.tensor(ids)
        p_mask[i, plen - len(ids) :] = 1
    p_pos = (p_mask.cumsum(-1) - 1).clamp(min=0)
    p_out = body(
        input_ids=p_input.to(device),
        attention_mask=p_mask.to(device),
        position_ids=p_pos.to(device),
        use_cache=True,
    )
    last_hidden = p_out.last_hidden_state[:, -1, :]  # predicts each option's first token
    cache = getattr(p_out, "cache", None)
    if cache is None:
        cache = p_out.past_key_values

    # 2. Every (prompt, option) pair on top of its prompt's cache, options right-padded.
    owner = [i for i, opts in enumerate(o_ids) for _ in opts]
    flat = [t for opts in o_ids for t in opts]
    olen = max(len(t) for t in flat)
    hidden_rows = [last_hidden[owner]]  # row n: first token of option n
    if olen > 1:
        cache.batch_select_indices(torch.tensor(owner, device=device))
        o_input = torch.full((len(flat), olen), pad_id, dtype=torch.long)
        o_mask = torch.zeros((len(flat), olen), dtype=torch.long)
        for n, t in enumerate(flat):
            o_input[n, : len(t)] = torch.tensor(t)
            o_mask[n, : len(t)] = 1
        real_len = torch.tensor([len(p_ids[i]) for i in owner])
        o_pos = real_len[:, None] + torch.arange(olen)[None, :]
        o_out = body(
            input_ids=o_input.to(device),
            attention_mask=torch.cat([p_mask[owner], o_mask], dim=1).to(device),
            position_ids=o_pos.to(device),
            use_cache=True,
            **{_cache_kwarg(body): cache},
        )
        o_hidden = o_out.last_hidden_state
    # 3. The head only where an option token is predicted.
    rows, targets, which = [], [], []
    for n, t in enumerate(flat):
        for j, tok in enumerate(t):
            rows.append(hidden_rows[0][n] if j == 0 else o_hidden[n, j - 1])
            targets.append(tok)
            which.append(n)
    h = torch.stack(rows)
    tgt = torch.tensor(targets, device=device)
    lp = torch.empty(len(rows), dtype=torch.float32)
    for s in range(0, len(rows), head_chunk):
        logits = head(h[s : s + head_chunk]).float()
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        lp[s : s + head_chunk] = (
            logits.log_softmax(-1).gather(-1, tgt[s : s + head_chunk, None])[:, 0].cpu()
        )
    sums = [0.0] * len(flat)
    for n, v in zip(which, lp.tolist(), strict=True):
        sums[n] += v
    result: list[list[OptionScore]] = []
    k = 0
    for opts in o_ids:
        result.append([OptionScore(sums[k + m], len(t)) for m, t in enumerate(opts)])
        k += len(opts)
    return result


def full_forward_logprobs(model, tokenizer, prompt: str, options: Sequence[str]) -> list[float]:
    """Reference: one full forward (head at every position) per prompt+option; for checks only."""
    import torch

    p = tokenizer(prompt)["input_ids"]
    out = []
    with torch.inference_mode():
        for o in options:
            t = tokenizer(o, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([p + t])
            logits = model(input_ids=ids).logits[0].float().log_softmax(-1)
            out.append(float(sum(logits[len(p) - 1 + j, tok] for j, tok in enumerate(t))))
    return out
