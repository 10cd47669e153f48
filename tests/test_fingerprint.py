"""Fingerprints: a changed weight file changes them; a copy of the same weights does not."""

import json
import shutil

import torch
from safetensors.torch import save_file

from warmgate.fingerprint import fingerprint_adapter, fingerprint_model


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
