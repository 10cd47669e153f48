"""Items and suites: the questions the gate asks, validated on load.

A suite is a JSONL file, one item per line. Built-in suites ship with the package (the
repository's `suites/` folder); a path to any `.jsonl` file is a suite too.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from warmgate.errors import WarmgateError

ANSWER_TYPES = ("short", "yes_no", "multiple_choice")
REQUIRED = ("id", "question", "answer", "incorrect_answer", "answer_type")


@dataclass(frozen=True)
class Item:
    """One question with its reference answers and one plausible wrong answer."""

    id: str
    question: str
    answer: str
    incorrect_answer: str
    answer_type: str = "short"
    aliases: tuple[str, ...] = ()
    options: dict[str, str] | None = None
    difficulty: str = ""
    notes: str = ""
    license: str = ""
    provenance: str = ""

    @property
    def answers(self) -> tuple[str, ...]:
        """The canonical answer followed by its aliases."""
        return (self.answer, *self.aliases)

    def to_json(self) -> dict:
        d = asdict(self)
        d["aliases"] = list(self.aliases)
        if d["options"] is None:
            del d["options"]
        return d


@dataclass(frozen=True)
class Suite:
    """A named, ordered list of items with the hash of its content."""

    name: str
    items: tuple[Item, ...]
    path: str = ""
    sha256: str = field(default="", compare=False)

    def sample(self, n: int | None, seed: int = 0) -> Suite:
        """A deterministic subset of `n` items (all when `n` is None or too large), in file order."""
        if n is None or n >= len(self.items):
            return self
        keep = set(random.Random(f"{self.name}:{seed}").sample(range(len(self.items)), n))
        items = tuple(it for i, it in enumerate(self.items) if i in keep)
        return Suite(self.name, items, self.path, self.sha256)


def builtin_dir() -> Path:
    """The folder holding the built-in suites: the source tree's suites/, else the package's."""
    source = Path(__file__).resolve().parents[2] / "suites"
    if source.is_dir():
        return source
    return Path(str(resources.files("warmgate.builtin_suites")))


def builtin_names() -> list[str]:
    """Names of the built-in suites."""
    return sorted(p.stem for p in builtin_dir().glob("*.jsonl"))


def load_suite(name_or_path: str) -> Suite:
    """Load a built-in suite by name or any suite file by path; invalid files raise WarmgateError."""
    path = Path(name_or_path)
    if path.suffix != ".jsonl" or not path.exists():
        candidate = builtin_dir() / f"{name_or_path}.jsonl"
        if not candidate.exists():
            if path.suffix == ".jsonl":
                raise WarmgateError(f"suite file not found: {path}")
            raise WarmgateError(
                f"unknown suite {name_or_path!r}: built-in suites are "
                f"{', '.join(builtin_names())}, or give a path to a .jsonl file"
            )
        path = candidate
    return parse_suite(path.read_bytes(), path)


def parse_suite(data: bytes, path: Path) -> Suite:
    """Validate every line first, so that a bad file never yields a half-loaded suite."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise WarmgateError(f"{path}: not UTF-8 ({e})") from None
    items: list[Item] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            raise WarmgateError(f"{where}: bad JSON ({e.msg} at column {e.colno})") from None
        item = _item_from(raw, where)
        if item.id in seen:
            raise WarmgateError(
                f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]})"
            )
        seen[item.id] = lineno
        items.append(item)
    if not items:
        raise WarmgateError(f"{path}: the suite has no items")
    name = path.stem
    return Suite(name, tuple(items), str(path), hashlib.sha256(data).hexdigest())


def _item_from(raw: object, where: str) -> Item:
    if not isinstance(raw, dict):
        raise WarmgateError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    for key in REQUIRED:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise WarmgateError(f"{where}: field {key!r} is missing or empty")
    if raw["answer_type"] not in ANSWER_TYPES:
        raise WarmgateError(
            f"{where}: field 'answer_type' is {raw['answer_type']!r}; "
            f"expected one of {', '.join(ANSWER_TYPES)}"
        )
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise WarmgateError(f"{where}: field 'aliases' must be a list of non-empty strings")
    options = raw.get("options")
    if raw["answer_type"] == "multiple_choice" and not (
        isinstance(options, dict) and raw["answer"] in options
    ):
        raise WarmgateError(
            f"{where}: a multiple_choice item needs 'options' (letter -> text) "
            "and 'answer' naming one of its letters"
        )
    known = set(Item.__dataclass_fields__)
    return Item(
        **{k: v for k, v in raw.items() if k in known and k not in ("aliases",)},
        aliases=tuple(aliases),
    )
