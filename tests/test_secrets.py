"""No key in config or output: engine options name a variable, never hold its value."""

from __future__ import annotations

import pytest

from warmgate.errors import WarmgateError
from warmgate.secrets import check_options, redact


def test_options_may_name_a_key_variable_but_not_hold_a_key():
    assert check_options({"api_key_env": "MY_KEY", "base_url": "http://x"}, "o") == \
        {"api_key_env": "MY_KEY", "base_url": "http://x"}
    assert check_options(None, "o") == {}
    with pytest.raises(WarmgateError, match="must name an environment variable"):
        check_options({"api_key_env": "sk-" + "a" * 40}, "backend_options")
    with pytest.raises(WarmgateError, match="looks like a secret"):
        check_options({"api_key": "sk-" + "a" * 40}, "backend_options")
    with pytest.raises(WarmgateError, match="must be a table"):
        check_options("base_url=x", "backend_options")


def test_redact_hides_key_like_values_in_nested_records():
    out = redact({"options": {"api_key": "sk-" + "b" * 40, "base_url": "http://x"}})
    assert "sk-" not in str(out) and out["options"]["base_url"] == "http://x"
