"""Log-likelihood of options: the cached, head-at-option-tokens path against a full forward."""

from __future__ import annotations

import pytest
from toys import tiny_model

from warmgate.backends.hf_loglik import OptionScore, full_forward_logprobs, option_logprobs
from warmgate.errors import WarmgateError


class ByteTokenizer:
    """One token per UTF-8 byte (+1; 0 is padding): enough to drive a tiny model."""

    pad_token_id = 0

    def __call__(self, text: str, add_special_tokens: bool = False) -> dict:
        return {"input_ids": [b + 1 for b in text.encode()]}


def _tiny(kind: str):
    soft = {"final_logit_softcapping": 30.0} if kind == "gemma3" else {}
    return tiny_model(kind, 300, 8, **soft)


@pytest.mark.parametrize("kind", ["gemma3", "llama"])
def test_cached_loglik_equals_full_forward(kind):
    model, tok = _tiny(kind), ByteTokenizer()
    # Prompts of different lengths (left padding) and option lists of different sizes/lengths;
    # the long prompt passes the sliding window of 8.
    prompts = ["Q: capital of France?\nA:", "Q: 2+2?\nA:", "hi"]
    options = [[" Paris", " London", " Rome"], [" 4", " five"], ["x", "yz", "a much longer one"]]
    got = option_logprobs(model, tok, prompts, options, batch_size=2)
    for p, opts, scores in zip(prompts, options, got, strict=True):
        ref = full_forward_logprobs(model, tok, p, opts)
        assert [s.n_tokens for s in scores] == [len(o.encode()) for o in opts]
        assert [s.logprob for s in scores] == pytest.approx(ref, abs=1e-4)


def test_option_score_mean_and_errors():
    assert OptionScore(-6.0, 3).mean == -2.0
    model, tok = _tiny("llama"), ByteTokenizer()
    with pytest.raises(WarmgateError, match="option ''"):
        option_logprobs(model, tok, ["Q"], [["a", ""]])
    with pytest.raises(WarmgateError, match="2 prompts but 1"):
        option_logprobs(model, tok, ["Q", "R"], [["a"]])
