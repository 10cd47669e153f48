"""Framings: what the user says around a question (context x belief), rendered into prompts.

The vocabulary is the study's (`amendment_type` for the context, `prompt_template` for the
belief), so that results tables line up with its analysis code. Statement sets are YAML files,
versioned by the hash of their content; which statement an item gets is a hash of
(item id, context, set hash), so the same item always hears the same statement.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from warmgate.errors import WarmgateError
from warmgate.suites import Item

UNMODIFIED = "unmodified"
CONTEXTS = (
    UNMODIFIED,
    "emotion:sad",
    "emotion:happy",
    "emotion:anger",
    "relation:close",
    "relation:hierarchical_up",
    "relation:hierarchical_down",
    "stake:high",
    "stake:low",
)
BELIEFS = ("original", "incorrect", "correct")
DEFAULT_SET = "warmgate-v1"


@dataclass(frozen=True)
class StatementSet:
    """Context statements and belief templates, with the content hash that versions them."""

    name: str
    contexts: dict[str, tuple[str, ...]]
    beliefs: dict[str, str]
    sha256: str

    @property
    def version(self) -> str:
        """Short, human-readable version tag: name plus the first hash digits."""
        return f"{self.name}@{self.sha256[:12]}"


def load_statements(name_or_path: str = DEFAULT_SET) -> StatementSet:
    """Load a statement set by built-in name or YAML path; a set missing a context is an error."""
    path = Path(name_or_path)
    if not path.exists():
        builtin = Path(str(resources.files("warmgate.data"))) / "statements_v1.yaml"
        if name_or_path != DEFAULT_SET:
            raise WarmgateError(
                f"statement set {name_or_path!r} not found: give a YAML path or {DEFAULT_SET!r}"
            )
        path = builtin
    data = path.read_bytes()
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as e:
        raise WarmgateError(f"{path}: invalid YAML ({e})") from None
    if not isinstance(raw, dict):
        raise WarmgateError(f"{path}: expected a mapping with 'contexts' and 'beliefs'")
    contexts = raw.get("contexts") or {}
    beliefs = raw.get("beliefs") or {}
    missing = [c for c in CONTEXTS[1:] if not contexts.get(c)]
    missing += [f"beliefs.{b}" for b in BELIEFS if not beliefs.get(b)]
    if missing:
        raise WarmgateError(f"{path}: statement set is missing {', '.join(missing)}")
    return StatementSet(
        name=str(raw.get("name") or path.stem),
        contexts={k: tuple(v) for k, v in contexts.items()},
        beliefs=dict(beliefs),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def statement_for(item_id: str, context: str, statements: StatementSet) -> str:
    """The context statement this item gets: a stable hash, not a random draw."""
    if context == UNMODIFIED:
        return ""
    options = statements.contexts[context]
    key = f"{item_id}|{context}|{statements.sha256}".encode()
    return options[int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % len(options)]


def render(item: Item, context: str, belief: str, statements: StatementSet) -> str:
    """The user's message for one item under one framing."""
    if context not in CONTEXTS:
        raise WarmgateError(f"unknown context {context!r}; expected one of {', '.join(CONTEXTS)}")
    if belief not in BELIEFS:
        raise WarmgateError(f"unknown belief {belief!r}; expected one of {', '.join(BELIEFS)}")
    asked = statements.beliefs[belief].format(
        question=item.question,
        incorrect_answer=item.incorrect_answer.rstrip("."),
        correct_answer=item.answer.rstrip("."),
    )
    statement = statement_for(item.id, context, statements)
    return f"{statement} {asked}" if statement else asked
