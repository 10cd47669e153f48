"""The baseline store: an approved base model's results rows plus a manifest of what made them.

Layout, one folder per base model, one sub-folder per approved version, never rewritten:

    baselines/<base>/v0001/results.parquet   the base's rows of the results table (plain pandas)
    baselines/<base>/v0001/manifest.json     fingerprints, backend, decoding, suites, statements,
                                             scorer, warmgate version, who approved it and why,
                                             the git commit, and the parquet's sha256
    baselines/<base>/v0002/...               the next update; the newest version is used

A version is written into a temporary folder and renamed into place, so a reader never sees
half a baseline and an older version is never overwritten. The store matches a provenance
record it is handed (`check`); making that record, and reusing rows, is the gate's business.
"""

from __future__ import annotations

from warmgate.baselines.integrity import (
    MANIFEST_HASH,
    UNHASHED_NOTE,
    file_sha256,
    manifest_sha256,
    seal,
    verify_baseline,
)
from warmgate.baselines.layout import (
    FORMAT,
    MANIFEST,
    RESULTS,
    UPDATE_HINT,
    Baseline,
    BaselineStore,
    BaselineWarning,
    base_slug,
    open_version,
    temporaries,
    temporaries_note,
    version_folders,
    versions,
)
from warmgate.baselines.match import ERROR_FIELDS, WARN_FIELDS, check
from warmgate.baselines.store import approval, reseal, write

__all__ = ["FORMAT", "MANIFEST", "MANIFEST_HASH", "RESULTS", "UNHASHED_NOTE", "UPDATE_HINT",
           "ERROR_FIELDS", "WARN_FIELDS", "manifest_sha256", "seal", "temporaries",
           "temporaries_note", "version_folders",
           "Baseline", "BaselineStore", "BaselineWarning", "approval", "base_slug", "check",
           "file_sha256", "open_version", "reseal",
           "verify_baseline", "versions", "write"]
