"""Greedy decoding for the transformers backend: a KV-cache loop in which finished rows leave
the batch (the same tokens as `model.generate(do_sample=False)`, at a fraction of the cost)."""

from __future__ import annotations


def greedy_decode(model, input_ids, attention_mask, stop_ids, max_new_tokens: int) -> list[list[int]]:
    """Greedy decoding with a KV cache where rows that emit a stop id leave the batch.

    Same tokens as `model.generate(do_sample=False, eos_token_id=stop_ids)` (left padding,
    positions from the attention mask), but a finished row costs nothing afterwards, and the
    language-model head runs on the last position only. Each row's tokens include its stop id.
    """
    import torch

    n = input_ids.shape[0]
    mask = attention_mask
    positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
    result = model(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                   use_cache=True, logits_to_keep=1)
    cache = result.cache if hasattr(result, "cache") else result.past_key_values
    dev = input_ids.device
    tokens = torch.zeros((n, max_new_tokens), dtype=torch.long, device=dev)
    lengths = torch.full((n,), max_new_tokens, dtype=torch.long, device=dev)
    alive = torch.arange(n, device=dev)  # original row of each row still in the batch
    last_pos = positions[:, -1]
    ones = torch.ones((n, 1), dtype=mask.dtype, device=dev)
    stop_ids = stop_ids.to(dev)
    for step in range(max_new_tokens):
        nxt = result.logits[:, -1].argmax(-1)
        tokens[alive, step] = nxt
        if step == max_new_tokens - 1:
            break
        done = torch.isin(nxt, stop_ids)
        if done.any():
            lengths[alive[done]] = step + 1
            keep = (~done).nonzero().squeeze(1)
            if keep.numel() == 0:
                break
            alive, nxt, mask, last_pos = alive[keep], nxt[keep], mask[keep], last_pos[keep]
            cache.batch_select_indices(keep)
        mask = torch.cat([mask, ones[: mask.shape[0]]], dim=1)
        last_pos = last_pos + 1
        result = model(input_ids=nxt[:, None], attention_mask=mask, position_ids=last_pos[:, None],
                       cache=cache, use_cache=True, logits_to_keep=1)
    return [row[:k] for row, k in zip(tokens.tolist(), lengths.tolist(), strict=True)]
