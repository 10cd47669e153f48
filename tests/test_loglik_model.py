"""Evidence on the real embedded model: log-likelihood picks the option that generation names."""

from __future__ import annotations

import pytest

QUESTIONS = [
    ("What is the capital of France?", ["Paris", "London", "Berlin", "Madrid"]),
    ("What colour is the sky on a clear day?", ["Blue", "Green", "Red", "Purple"]),
    ("What is the largest planet in our solar system?", ["Jupiter", "Mars", "Earth", "Mercury"]),
    ("Which animal says 'moo'?", ["A cow", "A cat", "A dog", "A duck"]),
    ("What is frozen water called?", ["Ice", "Steam", "Sand", "Glass"]),
    ("What is the opposite of hot?", ["Cold", "Warm", "Loud", "Tall"]),
]


def _message(question: str, options: list[str]) -> str:
    listed = "\n".join(f"{letter}) {text}" for letter, text in zip("ABCD", options, strict=False))
    return f"{question}\n{listed}\nAnswer with the letter only."


@pytest.mark.model
@pytest.mark.xdist_group("model")
def test_loglik_agrees_with_generation_on_clear_items():
    from warmgate.backends import Decoding, ModelSpec
    from warmgate.backends.hf import TransformersBackend

    backend = TransformersBackend({"base": ModelSpec("embedded")}, Decoding(max_new_tokens=4))
    messages = [_message(q, opts) for q, opts in QUESTIONS]
    options = [opts for _, opts in QUESTIONS]
    replies = backend.generate("base", messages)
    scores = backend.loglik("base", messages, options)
    clear = 0
    for (question, opts), reply, row in zip(QUESTIONS, replies, scores, strict=True):
        named = [o for o in opts if reply.lower().startswith(o.lower())]
        if len(named) != 1:
            continue  # generation named no single option: not a clear item
        clear += 1
        preferred = opts[max(range(len(opts)), key=row.__getitem__)]
        assert preferred == named[0], (question, reply, dict(zip(opts, row, strict=True)))
    assert clear >= 4, f"too few clear items to compare: {replies}"
