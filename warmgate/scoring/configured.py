"""The run's scorer, chosen in config (rules, judge or cascade), and its provenance record.

Kept apart from the Scorer protocol so that the cascade can build on the rules scorer without
an import cycle.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from warmgate.config import JUDGED, GateConfig
from warmgate.errors import WarmgateError
from warmgate.scoring import calibration
from warmgate.scoring.cascade import Cascade
from warmgate.scoring.judge import ModelJudge
from warmgate.scoring.scorer import RulesScorer, Scorer


def make_judge(judge: dict, cache_dir: Path | None = None) -> ModelJudge:
    """A model judge from a parsed `judge` setting (model, backend, options, max_new_tokens);
    verdicts cached under `cache_dir` (default: <warmgate cache>/judge)."""
    from warmgate.backends import make_backend
    from warmgate.config import Decoding, ModelSpec
    from warmgate.embedded import cache_root

    backend = make_backend(judge.get("backend", "transformers"), {"judge": ModelSpec(judge["model"])},
                           # the verdict word may follow a line break: read past it
                           Decoding(max_new_tokens=judge.get("max_new_tokens", 8),
                                    stop_at_newline=False),
                           judge.get("options"))
    return ModelJudge(backend, "judge", cache_dir or cache_root() / "judge")


def make_scorer(config: GateConfig) -> Scorer:
    """The run's scorer from config: the rules, the trained reader, a model judge, or a cascade
    (the rules or the reader first, the judge where they are unsure)."""
    if config.scorer == "rules":
        return RulesScorer()
    if config.scorer == "reader":
        from warmgate.scoring.reader import ReaderScorer

        return ReaderScorer()
    judge = make_judge(config.judge)
    if config.scorer == "reader-cascade":
        from warmgate.scoring.reader import ReaderScorer

        return Cascade(judge, ReaderScorer())
    return judge if config.scorer == "judge" else Cascade(judge)


def scorer_record(config: GateConfig, scorer: Scorer) -> dict:
    """Who scored the run and how far that was measured; warns (or refuses) when untrusted."""
    path = config.judge.get("calibration") if config.scorer in JUDGED else None
    rec = calibration.read(scorer.name, scorer.version, path)
    line = calibration.describe(scorer.name, scorer.version, rec)
    if config.scorer in JUDGED and not calibration.trusted(rec):
        if config.require_calibrated_judge:
            raise WarmgateError(f"require_calibrated_judge = true, but {line}")
        warnings.warn(line, UserWarning, stacklevel=2)
    return {"name": scorer.name, "version": scorer.version, "calibration": rec,
            "trusted": calibration.trusted(rec), "line": line}
