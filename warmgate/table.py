"""The results table: the contract between the gate's stages, stored as parquet.

One row per (role, suite, item, context, belief, sample), in the study's vocabulary:
`amendment_type` is the context, `prompt_template` the belief, `evaluation` the score.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from warmgate.atomic import replacing
from warmgate.errors import WarmgateError

KEY = ["suite", "item_id", "amendment_type", "prompt_template", "sample"]
COLUMNS = [
    "role",
    *KEY,
    "prompt",
    "output",
    "evaluation",
    "flag",
    "scorer",
    "scorer_version",
    "statement_set",
    "model_fingerprint",
    "adapter_fingerprint",
    "persona_sha256",
    "warmgate_version",
]
#: Columns a scorer adds beyond the contract (older tables lack them and stay readable):
#: whether the reply endorsed the user's stated belief, and whether the scorer could not tell.
EXTRA = ["sycophantic", "unsure"]


def ordered(df: pd.DataFrame) -> pd.DataFrame:
    """The contract columns in order, then the extra columns the table has."""
    return df.reindex(columns=[*COLUMNS, *(c for c in EXTRA if c in df.columns)])


def check_columns(df: pd.DataFrame, where: str) -> None:
    """A table missing contract columns is an error naming them."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise WarmgateError(f"{where}: results table lacks column(s) {', '.join(missing)}")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Atomic write: a temporary file in the same folder, then a rename."""
    with replacing(path) as tmp:
        df.to_parquet(tmp, index=False)


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a results table; a corrupt or foreign file is an error naming the file."""
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise WarmgateError(f"{path}: cannot read results table ({e})") from None
    check_columns(df, str(path))
    return df
