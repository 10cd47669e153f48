"""Is the candidate alive: the liveness probe (a candidate that replies exactly like the base
on every probe is an adapter that did not load), the per-run memo that lets the full run reuse
the probe's replies, and the note for a served adapter that answers like its base."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from warmgate.backends import Backend, Progress
from warmgate.errors import WarmgateError
from warmgate.identity import BEHAVIOUR, same_behaviour
from warmgate.plan import Job

if TYPE_CHECKING:
    from warmgate.run import Run


class Memo:
    """Remembers replies per (role, message) within one run, so that the liveness probe's
    replies are reused by the full run and nothing is generated twice."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "backend")
        self.seen: dict[tuple[str, str], str] = {}

    def provenance(self, role: str) -> dict:
        return self.inner.provenance(role)

    def generate(self, role: str, messages: Sequence[str], progress: Progress | None = None
                 ) -> list[str]:
        todo = list(dict.fromkeys(m for m in messages if (role, m) not in self.seen))
        known = len(messages) - len(todo)
        if progress and known:
            progress(known)
        if todo:
            for m, reply in zip(todo, self.inner.generate(role, todo, progress), strict=True):
                self.seen[(role, m)] = reply
        return [self.seen[(role, m)] for m in messages]


def check_liveness(run: Run, probes: list[Job], backend: Backend,
                   base_rows: pd.DataFrame | None) -> None:
    """Stop before the full run when the candidate answers every probe exactly like the base:
    an adapter that silently failed to load is the most common evaluation bug of this kind."""
    if not probes:
        return
    stored: dict[tuple, str] = {}
    if base_rows is not None and len(base_rows):
        stored = {(r.suite, r.item_id, r.amendment_type, r.prompt_template): r.output
                  for r in base_rows.itertuples()}
    need = [j for j in probes if j.key not in stored]
    if need:
        for j, out in zip(need, backend.generate("base", [j.prompt for j in need]), strict=True):
            stored[j.key] = out
    cand = backend.generate("candidate", [j.prompt for j in probes])
    if any(c != stored[j.key] for j, c in zip(probes, cand, strict=True)):
        return
    raise WarmgateError(
        f"liveness check failed: the candidate ({run.describe('candidate')}) replied exactly "
        f"like the base ({run.describe('base')}) on all {len(probes)} probe prompts (spread "
        "over the cells). Most often an adapter that did not load or does nothing (wrong "
        "folder, target modules that match no layer, untrained all-zero LoRA weights) or a "
        "persona that never reached the prompt. Check the candidate; if an identical candidate "
        "is intended (an A/A check), set liveness_probes = 0 in [tool.warmgate].")


def lora_unapplied(base: dict, cand: dict) -> list[str]:
    """A note when a served adapter answers the bare probes exactly like the served base. The
    liveness check stops an adapter-only candidate that replies like the base; this also covers
    one with a persona (whose prompts differ anyway) and runs with liveness_probes = 0."""
    if not cand.get("adapter") or not same_behaviour(base, cand):
        return []
    return [f"the candidate's served adapter {cand['adapter']!r} answers the fixed probe "
            f"prompts exactly like the base {base.get('model', '')!r} (same greedy replies"
            f"{' and log-probabilities' if cand[BEHAVIOUR].get('logprobs') else ''}): the "
            "server may not apply the LoRA (check its --lora-modules and the adapter's weights)"]
