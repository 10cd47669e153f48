"""Reply identity (warmgate/identity.py): a changed input is refused naming the part; a scheme 1
baseline still matches the same weights."""

import json

import pytest

from tests.test_weights_id import _edit_json, tiny_model
from warmgate import identity
from warmgate.weights_id import legacy_fingerprint, weights_provenance


@pytest.mark.parametrize("change, named", [
    ("tensor", "tensor data"),
    ("config", "config.json key 'hidden_size' (changed)"),
    ("tokenizer", "tokenizer file tokenizer.json"),
    ("generation", "generation_config.json key 'eos_token_id' (changed)"),
])
def test_a_change_that_decides_replies_is_refused_naming_the_part(tmp_path, change, named):
    a = tiny_model(tmp_path / "a")
    (a / "tokenizer.json").write_text('{"model": {"vocab": {"a": 0}}}')
    (a / "generation_config.json").write_text(json.dumps({"eos_token_id": 1}))
    old = identity.record({"backend": "transformers", **weights_provenance(str(a), None)})
    if change == "tensor":
        tiny_model(a, seed=1)
    elif change == "config":
        _edit_json(a / "config.json", hidden_size=32)
    elif change == "tokenizer":
        (a / "tokenizer.json").write_text('{"model": {"vocab": {"b": 0}}}')
    else:
        _edit_json(a / "generation_config.json", eos_token_id=2)
    new = identity.record({"backend": "transformers", **weights_provenance(str(a), None)})
    errors, _ = identity.compare(old, new)
    assert len(errors) == 1 and errors[0].startswith("model_fingerprint differs")
    assert named in errors[0], errors[0]


def test_a_scheme_1_baseline_matches_the_same_weights_resaved_by_another_transformers(tmp_path):
    a = tiny_model(tmp_path / "a")
    _edit_json(a / "config.json", transformers_version="5.24.0")
    stored = {"backend": "transformers", "backend_version": "5.24.0", "model": str(a),
              "model_fingerprint": legacy_fingerprint(str(a), False)}  # as scheme 1 wrote it
    _edit_json(a / "config.json", transformers_version="5.25.0")  # re-saved: metadata only
    now = identity.record({"backend": "transformers", "backend_version": "5.25.0",
                           "model": str(a), **weights_provenance(str(a), None)})
    errors, notes = identity.compare(stored, now)
    assert errors == [] and any("scheme 1" in n for n in notes)
    assert any("5.24.0" in n and "5.25.0" in n for n in notes)  # the runtime warning
    tiny_model(a, seed=1)  # other weights: refused, scheme 1 or not
    now = identity.record({"backend": "transformers", "backend_version": "5.25.0",
                           "model": str(a), **weights_provenance(str(a), None)})
    errors, _ = identity.compare(stored, now)
    assert errors and "model_fingerprint differs" in errors[0]
