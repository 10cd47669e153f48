"""Fingerprints: a changed weight file changes them; a copy of the same weights does not."""

import json
import shutil

import torch
from safetensors.torch import save_file

from warmgate.weights_id import fingerprint_adapter, fingerprint_model


def tiny_model(folder, seed=0, rows=64):
    """A tiny model folder: a config and a safetensors file of random weights."""
    folder.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "hidden_size": 16}))
    save_file({"embed.weight": torch.randn(rows, 16, generator=g),
               "layers.0.weight": torch.randn(16, 16, generator=g)},
              str(folder / "model.safetensors"))
    return folder


def test_a_changed_weight_file_changes_the_model_fingerprint(tmp_path):
    a = tiny_model(tmp_path / "a")
    before = fingerprint_model(str(a))
    assert before.startswith("sha256:")
    shutil.copytree(a, tmp_path / "copy")
    assert fingerprint_model(str(tmp_path / "copy")) == before  # content, not path or name
    tiny_model(a, seed=1)  # fine-tuned: same shapes, same header, other values
    assert fingerprint_model(str(a)) != before


def test_a_large_sampled_file_still_changes_when_a_tensor_changes(tmp_path):
    # 100k x 16 floats = 6.4 MB: above the whole-file limit, so headers + sampled blocks
    a = tiny_model(tmp_path / "big", rows=100_000)
    assert (a / "model.safetensors").stat().st_size > 4 * 64 * 1024 * 16
    before = fingerprint_model(str(a))
    tiny_model(a, seed=1, rows=100_000)
    assert fingerprint_model(str(a)) != before


def test_an_adapter_is_hashed_whole(tmp_path):
    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    weights = torch.zeros(4, 300_000)
    save_file({"w": weights}, str(folder / "adapter_model.safetensors"))
    before = fingerprint_adapter(str(folder))
    weights[3, 123_457] = 1e-3  # one value, deep inside a large file
    save_file({"w": weights}, str(folder / "adapter_model.safetensors"))
    assert fingerprint_adapter(str(folder)) != before


def test_a_hub_id_without_a_local_folder_is_named_not_hashed():
    assert fingerprint_model("some-org/not-downloaded") == "hub:some-org/not-downloaded"


# -- scheme 2: what decides replies, nothing a tool writes about itself --

def _edit_json(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_tool_metadata_in_configs_does_not_change_the_fingerprint(tmp_path):
    a = tiny_model(tmp_path / "a")
    _edit_json(a / "config.json", transformers_version="5.24.0")
    (a / "generation_config.json").write_text(json.dumps({"transformers_version": "5.24.0",
                                                          "_from_model_config": True,
                                                          "eos_token_id": 1}))
    (a / "README.md").write_text("a model card")
    before = fingerprint_model(str(a))
    _edit_json(a / "config.json", transformers_version="5.25.0", _name_or_path="/elsewhere",
               _commit_hash="abc")
    _edit_json(a / "generation_config.json", transformers_version="5.25.0")
    (a / "README.md").write_text("another model card")
    assert fingerprint_model(str(a)) == before


def test_the_same_tensors_resharded_and_reordered_keep_the_fingerprint(tmp_path):
    from safetensors.torch import load_file

    a = tiny_model(tmp_path / "a")
    tensors = load_file(str(a / "model.safetensors"))
    b = tmp_path / "b"
    b.mkdir()
    shutil.copy(a / "config.json", b / "config.json")
    names = sorted(tensors, reverse=True)
    save_file({names[0]: tensors[names[0]]}, str(b / "model-00001-of-00002.safetensors"))
    save_file({names[1]: tensors[names[1]]}, str(b / "model-00002-of-00002.safetensors"),
              metadata={"format": "pt", "written_by": "another tool"})
    assert fingerprint_model(str(b)) == fingerprint_model(str(a))
