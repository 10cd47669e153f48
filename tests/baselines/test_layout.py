"""The baseline store handle: one folder per base model, switched off by `baselines = "off"`."""

from __future__ import annotations

import pytest

from warmgate.baselines import BaselineStore
from warmgate.errors import WarmgateError


def test_a_store_of_no_baselines_has_no_folder_and_no_latest(tmp_path):
    off = BaselineStore.of("off", "embedded")
    assert off.folder is None and off.latest() is None
    store = BaselineStore.of(str(tmp_path), "org/model")
    assert store.folder == tmp_path / "org--model" and store.latest() is None
    assert "no baseline for base 'org/model'" in store.missing_message()
    with pytest.raises(WarmgateError, match="baseline 'v3' not found"):
        store.resolve("v3")
