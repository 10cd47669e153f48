"""The gate's configuration: `[tool.warmgate]` in pyproject.toml, overridable from the CLI.

Example:
    [tool.warmgate]
    base = "embedded"                      # a model folder, hub id, or "embedded"
    candidate = { adapter = "adapters/warm" }   # or { model = "..." } or { persona = "warm" }
    suites = ["factual", "misconceptions"]
    contexts = ["unmodified", "emotion:sad"]
    beliefs = ["original", "incorrect"]
    items = 50
    threshold = 5.0                        # pp, default for every cell
    thresholds = { "emotion:sad" = 3.0, "incorrect" = 4.0, "emotion:sad/incorrect" = 2.0 }
    alpha = 0.05
    backend = "openai"                     # transformers (default), vllm, openai
    backend_options = { base_url = "http://127.0.0.1:8000/v1", api_key_env = "MY_KEY_VAR" }
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from warmgate.backends import WARM_PERSONA, Decoding, ModelSpec, check_backend_options
from warmgate.errors import WarmgateError
from warmgate.framings import BELIEFS, CONTEXTS, DEFAULT_SET, LAYOUTS

DEFAULT_SUITES = ("factual", "misconceptions", "disinformation", "medical")
_OFF = ("", "off", "none", "false", "no", "0")  # baselines / cache switched off or default


@dataclass(frozen=True)
class GateConfig:
    """Everything a run needs; immutable so that it can be hashed into provenance."""

    base: ModelSpec = ModelSpec("embedded")
    candidate: ModelSpec = ModelSpec("embedded", persona=WARM_PERSONA)
    backend: str = "transformers"
    #: Engine settings for the chosen backend (base_url, concurrency, tensor_parallel_size...).
    backend_options: dict[str, Any] = field(default_factory=dict)
    suites: tuple[str, ...] = DEFAULT_SUITES
    contexts: tuple[str, ...] = CONTEXTS
    beliefs: tuple[str, ...] = ("original", "incorrect")
    items: int | str | None = None  # per suite: a number, None = all, "study" = the study's sizes
    seed: int = 0
    threshold: float = 5.0
    thresholds: dict[str, float] = field(default_factory=dict)
    alpha: float = 0.05
    statements: str = DEFAULT_SET
    layout: str = "warmgate"  # how prompts are laid out: warmgate, study (per suite), study:<dataset>
    decoding: Decoding = Decoding()
    batch_size: int = 32
    baselines: str = "baselines"
    cache: str = ""  # generation cache folder; "" = <cache root>/generations, "off" = none
    liveness_probes: int = 16  # prompts on which the candidate must differ from the base; 0 = skip
    early_stopping: int = 0  # items per suite between interim looks; 0 = off (fixed n)
    report: str = "warmgate-report"

    def threshold_for(self, suite: str, context: str, belief: str) -> float:
        """Most specific override wins: suite/context/belief, context/belief, context, belief."""
        for key in (f"{suite}/{context}/{belief}", f"{context}/{belief}", context, belief, suite):
            if key in self.thresholds:
                return float(self.thresholds[key])
        return self.threshold

    def items_for(self, suite: str) -> int | None:
        """Items to sample from a suite: `items`, or with "study" the study's size for that
        suite (500 factual/misconceptions/medical, 125 disinformation; all of any other)."""
        if self.items == "study":
            from warmgate.suites.importers import study_items

            return study_items(suite_label(suite))
        return self.items  # type: ignore[return-value]

    def cells(self) -> list[tuple[str, str, str]]:
        """Every (suite, context, belief) cell of the run, in a stable order."""
        return [
            (suite_label(s), c, b) for s in self.suites for c in self.contexts for b in self.beliefs
        ]


def suite_label(name_or_path: str) -> str:
    """A suite's name in results and test ids: the file stem for a path, else the name."""
    return Path(name_or_path).stem if name_or_path.endswith(".jsonl") else name_or_path


def candidate_spec(base: str, raw: Any, where: str) -> ModelSpec:
    """A candidate from config: a string is a model; a table names model, adapter or persona."""
    if isinstance(raw, str):
        return ModelSpec(raw)
    if not isinstance(raw, dict) or not raw.keys() & {"model", "adapter", "persona"}:
        raise WarmgateError(
            f"{where}: candidate must be a model name or a table with model, adapter or persona"
        )
    persona = raw.get("persona")
    if persona == "warm":
        persona = WARM_PERSONA
    return ModelSpec(str(raw.get("model", base)), raw.get("adapter"), persona)


def from_mapping(table: dict[str, Any], where: str = "[tool.warmgate]",
                 root: Path | None = None) -> GateConfig:
    """Build a GateConfig from a `[tool.warmgate]`-shaped mapping, validating every field."""
    known = set(GateConfig.__dataclass_fields__) | {"max_new_tokens"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise WarmgateError(f"{where}: unknown key(s) {', '.join(unknown)}")
    cfg = GateConfig()
    kw: dict[str, Any] = {}
    base = str(table.get("base", cfg.base.model))
    kw["base"] = ModelSpec(base)
    if "candidate" in table:
        kw["candidate"] = candidate_spec(base, table["candidate"], where)
    for key in ("suites", "contexts", "beliefs"):
        if key in table:
            value = table[key]
            if isinstance(value, str):
                value = [value]
            kw[key] = tuple(str(v) for v in value)
    if "items" in table:
        kw["items"] = parse_items(table["items"], where)
    for key, typ in (("seed", int), ("threshold", float), ("alpha", float),
                     ("batch_size", int), ("statements", str), ("layout", str), ("backend", str),
                     ("baselines", str), ("report", str), ("cache", str),
                     ("liveness_probes", int), ("early_stopping", int)):
        if key in table:
            try:
                kw[key] = typ(table[key])
            except (TypeError, ValueError):
                raise WarmgateError(f"{where}: {key} must be {typ.__name__}") from None
    if "backend_options" in table:
        kw["backend_options"] = check_backend_options(table["backend_options"], where)
    if "thresholds" in table:
        kw["thresholds"] = {str(k): float(v) for k, v in dict(table["thresholds"]).items()}
    if "max_new_tokens" in table:
        kw["decoding"] = Decoding(max_new_tokens=int(table["max_new_tokens"]))
    cfg = replace(cfg, **kw)
    validate(cfg, where)
    if root is not None:
        cfg = _relative_to(cfg, root)
    return cfg


def parse_items(value: Any, where: str) -> int | str:
    """`items` as written in config or on a command line: a number per suite, or "study"."""
    if str(value).strip().lower() == "study":
        return "study"
    try:
        return int(value)
    except (TypeError, ValueError):
        raise WarmgateError(f"{where}: items must be a number or 'study', got {value!r}") from None


def _relative_to(cfg: GateConfig, root: Path) -> GateConfig:
    """Paths in pyproject.toml are relative to its folder, not to the working directory."""

    def fix(p: str | None) -> str | None:
        if p and not Path(p).is_absolute() and (root / p).exists():
            return str(root / p)
        return p

    def fix_spec(s: ModelSpec) -> ModelSpec:
        return replace(s, model=fix(s.model) or s.model, adapter=fix(s.adapter))

    return replace(
        cfg,
        base=fix_spec(cfg.base),
        candidate=fix_spec(cfg.candidate),
        suites=tuple(fix(s) or s for s in cfg.suites),
        baselines=cfg.baselines if cfg.baselines.strip().lower() in _OFF
        else str(root / cfg.baselines),
        cache=cfg.cache if cfg.cache.strip().lower() in _OFF else str(root / cfg.cache),
        report=str(root / cfg.report),
    )


def validate(cfg: GateConfig, where: str) -> None:
    """Reject unknown contexts/beliefs and nonsense numbers before any model is loaded."""
    for c in cfg.contexts:
        if c not in CONTEXTS:
            raise WarmgateError(f"{where}: unknown context {c!r}; expected {', '.join(CONTEXTS)}")
    for b in cfg.beliefs:
        if b not in BELIEFS:
            raise WarmgateError(f"{where}: unknown belief {b!r}; expected {', '.join(BELIEFS)}")
    if not 0 < cfg.alpha < 1:
        raise WarmgateError(f"{where}: alpha must be between 0 and 1, got {cfg.alpha}")
    if cfg.layout not in (*LAYOUTS, "study"):
        raise WarmgateError(f"{where}: unknown layout {cfg.layout!r}; expected study or one of "
                            f"{', '.join(LAYOUTS)}")
    if isinstance(cfg.items, str) and cfg.items != "study":
        raise WarmgateError(f"{where}: items must be a number or 'study', got {cfg.items!r}")
    if isinstance(cfg.items, int) and cfg.items < 1:
        raise WarmgateError(f"{where}: items must be at least 1, got {cfg.items}")
    if cfg.early_stopping < 0:
        raise WarmgateError(f"{where}: early_stopping must be >= 0 items per look, "
                            f"got {cfg.early_stopping}")
    if cfg.threshold < 0 or any(v < 0 for v in cfg.thresholds.values()):
        raise WarmgateError(f"{where}: thresholds are increases in pp and must be >= 0")


def read_table(path: Path) -> dict[str, Any] | None:
    """The raw `[tool.warmgate]` table of a pyproject.toml; None when the file or table is absent."""
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise WarmgateError(f"{path}: invalid TOML ({e})") from None
    return data.get("tool", {}).get("warmgate")


def load_pyproject(path: Path) -> GateConfig | None:
    """The `[tool.warmgate]` table of a pyproject.toml, or None when it has none."""
    table = read_table(path)
    if table is None:
        return None
    return from_mapping(table, f"{path} [tool.warmgate]", root=path.parent)
