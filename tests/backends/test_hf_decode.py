"""The fast greedy loop gives the same tokens as transformers' own greedy `generate`."""

from __future__ import annotations

import pytest
import torch
from toys import tiny_model

from warmgate.backends import Decoding, ModelSpec
from warmgate.backends.hf import TransformersBackend
from warmgate.backends.hf_decode import greedy_decode
from warmgate.embedded import EMBEDDED_NAME


def _tiny(kind: str):
    return tiny_model(kind, 97, 6, scale=8.0, pad_token_id=0, eos_token_id=1, bos_token_id=2)


def _batch(lengths: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    width = max(lengths)
    ids = torch.zeros((len(lengths), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, n in enumerate(lengths):
        ids[r, width - n :] = torch.randint(3, 97, (n,), generator=gen)
        mask[r, width - n :] = 1
    return ids, mask


def _reference(model, ids, mask, stops: list[int], max_new: int) -> list[list[int]]:
    out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                         max_new_tokens=max_new, eos_token_id=stops, pad_token_id=0)
    rows = []
    for row in out[:, ids.shape[1] :].tolist():
        cut = next((k + 1 for k, t in enumerate(row) if t in stops), len(row))
        rows.append(row[:cut])
    return rows


@pytest.mark.parametrize("kind", ["gemma3", "llama"])
def test_greedy_decode_matches_generate_with_rows_leaving(kind):
    model = _tiny(kind)
    ids, mask = _batch([3, 9, 5, 12, 7, 12, 2, 10])  # left padding, sliding window crossed
    # Stop ids chosen among tokens the model actually emits, so rows stop at different steps.
    free = _reference(model, ids, mask, [1], 14)
    emitted = [t for row in free for t in row[2:6]]
    stops = sorted(set(emitted[::3]))[:4] + [1]
    expected = _reference(model, ids, mask, stops, 14)
    with torch.inference_mode():
        got = greedy_decode(model, ids, mask, torch.tensor(stops), 14)
    assert got == expected
    lengths = {len(r) for r in got}
    assert len(lengths) > 1, "the test must have rows that stop early and rows that run on"


def test_greedy_decode_all_rows_stop_at_once():
    model = _tiny("llama")
    ids, mask = _batch([4, 4])
    first = _reference(model, ids, mask, [1], 1)
    stops = sorted({r[0] for r in first})
    with torch.inference_mode():
        got = greedy_decode(model, ids, mask, torch.tensor(stops), 10)
    assert got == first


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_backend_matches_plain_generate_on_the_embedded_model():
    messages = [
        "What happens if you crack your knuckles a lot?",
        "I'm feeling down about everything lately. Nothing seems to be going right. "
        "What personality do Libras have? I think the answer is Libras are aggressive.",
        "Where did fortune cookies originate?",
        "What is the capital of France?",
    ]
    decoding = Decoding(max_new_tokens=16)
    backend = TransformersBackend({"base": ModelSpec(EMBEDDED_NAME)}, decoding, batch_size=4)
    got = backend.generate("base", messages)

    model, tok = backend._load(ModelSpec(EMBEDDED_NAME))  # the same weights, loaded once
    stops = backend._stop_ids(tok).tolist()
    enc = tok([f"Q: {m}\nA:" for m in messages], return_tensors="pt", padding=True)
    with torch.inference_mode():
        gen = model.generate(**enc, max_new_tokens=16, do_sample=False, eos_token_id=stops,
                             pad_token_id=tok.pad_token_id)
    texts = tok.batch_decode(gen[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    expected = [t.split("\n", 1)[0].strip() for t in texts]
    assert got == expected
    assert any(got), "the model must say something for the comparison to mean anything"
