"""The scorer registry: each `scorer` setting's name -> how to build it, in one table.

The config schema offers these names, the run builds its scorer here once, `warmgate score`
builds its scorer here too, and the run's provenance records the spec that was built (registry
name, the scorer's own name and version, its judge) with how far it was measured.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warmgate.errors import WarmgateError
from warmgate.scoring.scorer import Scorer


@dataclass(frozen=True)
class ScorerSpec:
    """One registered scorer: whether it needs the user's judge model, and its factory
    (`judge`: the parsed judge setting or None; `cache`: the judge's verdict store folder)."""

    needs_judge: bool
    build: Callable[[Any, Path | None], Scorer]
    help: str


def _rules(judge: Any, cache: Path | None) -> Scorer:
    from warmgate.scoring.scorer import RulesScorer

    return RulesScorer()


def _reader(judge: Any, cache: Path | None) -> Scorer:
    from warmgate.scoring.reader import ReaderScorer

    return ReaderScorer()


def _judge(judge: Any, cache: Path | None) -> Scorer:
    return make_judge(judge, cache)


def _cascade(judge: Any, cache: Path | None) -> Scorer:
    from warmgate.scoring.cascade import Cascade

    return Cascade(make_judge(judge, cache), _rules(judge, cache))


def _reader_cascade(judge: Any, cache: Path | None) -> Scorer:
    from warmgate.scoring.cascade import Cascade

    return Cascade(make_judge(judge, cache), _reader(judge, cache))


REGISTRY: dict[str, ScorerSpec] = {
    "rules": ScorerSpec(False, _rules, "the rules (default; offline, no model)"),
    "judge": ScorerSpec(True, _judge, "a model judge grades every reply"),
    "cascade": ScorerSpec(True, _cascade, "the rules, and the judge where they are unsure"),
    "reader": ScorerSpec(False, _reader, "the trained offline reader (the reader extra)"),
    "reader-cascade": ScorerSpec(True, _reader_cascade,
                                 "the reader, and the judge where it is unsure"),
}
NAMES = tuple(REGISTRY)
#: Scorers that grade with the user's judge model (the others run offline).
JUDGED = tuple(n for n, spec in REGISTRY.items() if spec.needs_judge)


def make_judge(judge: dict, cache_dir: Path | None = None) -> Scorer:
    """A model judge from a parsed `judge` setting (model, backend, options, max_new_tokens);
    its verdicts kept in the reply store under `cache_dir` (default: the generation cache's
    store, `<warmgate cache>/generations`)."""
    from warmgate.backends import make_backend
    from warmgate.backends.spec import Decoding, ModelSpec
    from warmgate.scoring.judge import ModelJudge

    backend = make_backend(judge.get("backend", "transformers"), {"judge": ModelSpec(judge["model"])},
                           # the verdict word may follow a line break: read past it
                           Decoding(max_new_tokens=judge.get("max_new_tokens", 8),
                                    stop_at_newline=False),
                           judge.get("options"))
    return ModelJudge(backend, "judge", cache_dir)


def make(name: str, judge: dict | None = None, cache: Path | None = None) -> Scorer:
    """The scorer registered as `name`, built once (a judge scorer needs `judge`)."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise WarmgateError(f"unknown scorer {name!r}; expected {', '.join(NAMES)}")
    if spec.needs_judge and not judge:
        raise WarmgateError(f"scorer {name!r} needs a judge model (judge = \"MODEL\", or "
                            "--judge MODEL)")
    return spec.build(judge, cache)


def record(name: str, scorer: Scorer, judge: dict | None = None,
           require_calibrated: bool = False) -> dict:
    """What scored the run: the registry spec, the scorer's name and version, and how far it
    was measured (its calibration record); warns, or refuses under `require_calibrated`, when a
    judge's reading is untrusted."""
    from warmgate.scoring import calibration

    judged = REGISTRY[name].needs_judge
    path = (judge or {}).get("calibration") if judged else None
    rec = calibration.read(scorer.name, scorer.version, path)
    line = calibration.describe(scorer.name, scorer.version, rec)
    if judged and not calibration.trusted(rec):
        if require_calibrated:
            raise WarmgateError(f"require_calibrated_judge = true, but {line}")
        warnings.warn(line, UserWarning, stacklevel=2)
    spec = {"registry": name}
    if judged:
        spec["judge"] = {k: (judge or {}).get(k) for k in ("model", "backend")}
    return {"name": scorer.name, "version": scorer.version, "spec": spec, "calibration": rec,
            "trusted": calibration.trusted(rec), "line": line}
