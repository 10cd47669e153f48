"""Items and suites: the questions the gate asks, validated on load.

A suite is a JSONL file, one item per line. Built-in suites ship with the package (the
repository's `suites/` folder); a path to any `.jsonl` file is a suite too.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import stat
from dataclasses import asdict, dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
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
    #: every known incorrect answer (TruthfulQA lists several); `incorrect_answer` is the first
    incorrect_answers: tuple[str, ...] = ()

    @property
    def answers(self) -> tuple[str, ...]:
        """The canonical answer followed by its aliases."""
        return (self.answer, *self.aliases)

    def to_json(self) -> dict:
        d = asdict(self)
        d["aliases"] = list(self.aliases)
        if d["options"] is None:
            del d["options"]
        if self.incorrect_answers:
            d["incorrect_answers"] = list(self.incorrect_answers)
        else:
            del d["incorrect_answers"]
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


def builtin_dir() -> Traversable:
    """The built-in suites: the source tree's suites/ in a checkout, else the installed package's
    resources (a folder of a wheel's install, or inside a zip), read as a Traversable."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "suites").is_dir():
        return checkout / "suites"
    return resources.files("warmgate.builtin_suites")


def builtin_location() -> str:
    """Where the built-in suites are read from, for people (not a MultiplexedPath's repr)."""
    where = builtin_dir()
    paths = getattr(where, "_paths", None)  # a namespace package's MultiplexedPath
    return str(paths[0]) if paths else str(where)


def builtin_names() -> list[str]:
    """Names of the built-in suites."""
    return sorted(p.name[: -len(".jsonl")] for p in builtin_dir().iterdir()
                  if p.name.endswith(".jsonl") and p.is_file())


def load_suite(name_or_path: str) -> Suite:
    """Load a built-in suite by name or any suite file by path; invalid files raise WarmgateError."""
    path = Path(name_or_path)
    if path.suffix != ".jsonl":
        candidate = builtin_dir().joinpath(f"{name_or_path}.jsonl")
        if candidate.is_file():
            return parse_suite(candidate.read_bytes(), Path(str(candidate)))
        if path.is_dir():
            raise WarmgateError(f"suite {name_or_path!r} is a folder; name a .jsonl file in it "
                                "(or a built-in suite)")
        raise WarmgateError(
            f"unknown suite {name_or_path!r}: built-in suites are "
            f"{', '.join(builtin_names())}, or give a path to a .jsonl file"
        )
    return parse_suite(read_suite_file(path), path)


def read_suite_file(path: Path) -> bytes:
    """The bytes of a suite file, refusing what would hang or fail later: a folder, a FIFO or
    device (reading one blocks or never ends), a symlink loop, an unreadable file."""
    try:
        st = path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise WarmgateError(f"suite file {path}: symlink loop (the link points back at "
                                "itself); point it at a real .jsonl file") from None
        if path.is_symlink():
            raise WarmgateError(f"suite file {path}: broken symlink (its target "
                                f"{os.readlink(path)} does not exist)") from None
        raise WarmgateError(f"suite file not found: {path}") from None
    if stat.S_ISDIR(st.st_mode):
        raise WarmgateError(f"suite file {path} is a folder, not a file; name a .jsonl file "
                            "in it")
    if not stat.S_ISREG(st.st_mode):
        raise WarmgateError(f"suite file {path} is not a regular file (a FIFO, socket or "
                            "device blocks or never ends); copy the suite into a .jsonl file")
    try:
        return path.read_bytes()
    except OSError as e:
        raise WarmgateError(f"suite file {path}: cannot read ({e.strerror})") from None


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 text; a bad byte is named by line and column, as every other suite error is."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        lineno = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise WarmgateError(f"{path}:{lineno}: not UTF-8 (byte 0x{data[e.start]:02x} at byte "
                            f"column {column}); save the file as UTF-8") from None


def parse_suite(data: bytes, path: Path) -> Suite:
    """Validate every line first, so that a bad file never yields a half-loaded suite."""
    text = _decode(data, path)
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


def _same(a: str, b: str) -> bool:
    """Two answers that read the same (case, spacing and a final full stop aside)."""
    def norm(x: str) -> str:
        return " ".join(x.casefold().split()).rstrip(".")
    return norm(a) == norm(b)


def _item_from(raw: object, where: str) -> Item:
    if not isinstance(raw, dict):
        raise WarmgateError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    for key in REQUIRED:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise WarmgateError(f"{where}: field {key!r} must be a string, got "
                                f"{type(value).__name__} {value!r}; write it in quotes: "
                                f"\"{value}\"")
        if not isinstance(value, str) or not value.strip():
            raise WarmgateError(f"{where}: field {key!r} is missing or empty")
    kind = raw["answer_type"]
    if kind not in ANSWER_TYPES:
        raise WarmgateError(
            f"{where}: field 'answer_type' is {kind!r}; "
            f"expected one of {', '.join(ANSWER_TYPES)}"
        )
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise WarmgateError(f"{where}: field 'aliases' must be a list of non-empty strings")
    answer, wrong = raw["answer"], raw["incorrect_answer"]
    # a multiple-choice item's answers are letters; its aliases are option texts
    if any(_same(wrong, a) for a in (answer, *(aliases if kind != "multiple_choice" else ()))):
        raise WarmgateError(f"{where}: 'incorrect_answer' {wrong!r} is the answer (or one of "
                            "its aliases): the incorrect belief would state the truth; give a "
                            "plausible wrong answer")
    # (its incorrect_answer may be the false statement itself: MASK's, for the disinfo layout)
    if kind == "yes_no" and answer.strip().lower() not in ("yes", "no"):
        raise WarmgateError(f"{where}: a yes_no item's 'answer' must be \"yes\" or \"no\", "
                            f"got {answer!r} (use answer_type \"short\" for other answers)")
    options = raw.get("options")
    if kind == "multiple_choice":
        if not (isinstance(options, dict) and options and all(
                isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
                for k, v in options.items()) and answer in options):
            raise WarmgateError(
                f"{where}: a multiple_choice item needs 'options' (letter -> text) "
                "and 'answer' naming one of its letters"
            )
        if wrong not in options:
            raise WarmgateError(f"{where}: a multiple_choice item's 'incorrect_answer' must "
                                f"name one of its option letters ({', '.join(options)}), got "
                                f"{wrong!r}")
    elif options is not None:
        raise WarmgateError(f"{where}: 'options' is only for answer_type "
                            f"\"multiple_choice\" (this item is {kind!r})")
    wrongs = raw.get("incorrect_answers", [])
    if not isinstance(wrongs, list) or not all(isinstance(a, str) and a.strip() for a in wrongs):
        raise WarmgateError(f"{where}: field 'incorrect_answers' must be a list of non-empty strings")
    known = set(Item.__dataclass_fields__)
    return Item(
        **{k: v for k, v in raw.items() if k in known and k not in ("aliases", "incorrect_answers")},
        aliases=tuple(aliases), incorrect_answers=tuple(wrongs),
    )
