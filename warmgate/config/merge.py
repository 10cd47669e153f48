"""The one merge path: a `[tool.warmgate]` table, then the environment, then the command line,
each value checked by its setting's parser, then the whole validated once (`resolve`). A
configuration written as data (a shard's manifest) comes back through the same path."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from warmgate import __version__
from warmgate.config.schema import (
    BY_KEY,
    PATHS,
    SETTINGS,
    WARM_PERSONA,
    Decoding,
    GateConfig,
    ModelSpec,
    suite_label,
)
from warmgate.environment import getenv, is_off
from warmgate.errors import WarmgateError
from warmgate.framings import BELIEFS, CONTEXTS
from warmgate.scoring.registry import JUDGED


def _relative(table: dict[str, Any], root: Path) -> dict[str, Any]:
    """Paths in pyproject.toml are relative to its folder, not to the working directory."""

    def fix(p: Any) -> Any:
        if isinstance(p, str) and p and not Path(p).is_absolute() and (root / p).exists():
            return str(root / p)
        return p

    out = dict(table)
    if "base" in out:
        out["base"] = fix(out["base"])
    cand = out.get("candidate")
    if isinstance(cand, dict):
        out["candidate"] = {k: fix(v) if k in ("model", "adapter") else v for k, v in cand.items()}
    elif isinstance(cand, str):
        out["candidate"] = fix(cand)
    judge = out.get("judge")
    if isinstance(judge, dict) and isinstance(judge.get("calibration"), str) \
            and not Path(judge["calibration"]).is_absolute():
        out["judge"] = {**judge, "calibration": str(root / judge["calibration"])}
    if isinstance(out.get("suites"), list):
        out["suites"] = [fix(x) for x in out["suites"]]
    for key in PATHS:
        value = out.get(key, getattr(GateConfig(), key))
        if isinstance(value, str) and value and not is_off(value) and not Path(value).is_absolute():
            out[key] = str(root / value)
    return out


def resolve(table: dict[str, Any] | None, overrides: dict[str, Any] | None = None,
            where: str = "[tool.warmgate]", root: Path | None = None,
            flag_prefix: str = "--", environment: bool = True) -> GateConfig:
    """The one merge path: table (paths relative to `root`), environment, then `overrides`
    (raw command-line strings, relative to the working directory, named in errors as
    `flag_prefix` + key); every value parsed by its setting, the result validated as a whole."""
    if table is not None and not isinstance(table, dict):
        raise WarmgateError(f"{where}: [tool.warmgate] must be a table of settings, got "
                            f"{type(table).__name__} {table!r}")
    table = dict(table or {})
    unknown = sorted(set(table) - set(BY_KEY))
    if unknown:
        raise WarmgateError(f"{where}: unknown key(s) {', '.join(unknown)}; known: "
                            f"{', '.join(BY_KEY)}")
    raw = _relative(table, root) if root is not None else table
    sources = {k: where for k in raw}
    for x in SETTINGS if environment else ():
        if x.env and getenv(x.env) is not None:
            raw[x.key], sources[x.key] = getenv(x.env), f"environment variable {x.env}"
    parsed: dict[str, Any] = {}
    for key, value in raw.items():
        parsed[key] = BY_KEY[key].parse(value, f"{sources[key]}: {key}")
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        flag = f"{flag_prefix}{key.replace('_', '-')}"
        got = BY_KEY[key].parse(value, f"{flag}")
        parsed[key] = {**parsed.get(key, {}), **got} if key == "thresholds" else got
        sources[key] = flag
    return build(parsed, where)


def build(parsed: dict[str, Any], where: str = "[tool.warmgate]") -> GateConfig:
    """A GateConfig from parsed settings (the candidate's model defaults to the base)."""
    kw = dict(parsed)
    base = kw.pop("base", GateConfig().base.model)
    kw["base"] = ModelSpec(base)
    cand = kw.pop("candidate", None)
    if cand is None:
        kw["candidate"] = ModelSpec(base, persona=WARM_PERSONA)
    else:
        persona = WARM_PERSONA if cand.get("persona") == "warm" else cand.get("persona")
        kw["candidate"] = ModelSpec(cand.get("model") or base, cand.get("adapter"), persona)
    if "max_new_tokens" in kw:
        kw["decoding"] = Decoding(max_new_tokens=kw.pop("max_new_tokens"))
    cfg = replace(GateConfig(), **kw)
    validate(cfg, where)
    return cfg


def validate(cfg: GateConfig, where: str) -> None:
    """Checks across settings: at least one cell, thresholds that name real framings, a judge
    for a judge scorer."""
    if cfg.scorer in JUDGED and not cfg.judge:
        raise WarmgateError(f"{where}: scorer = {cfg.scorer!r} needs a judge: judge = \"MODEL\" "
                            "or judge = { model = \"...\", backend = \"openai\", options = {...} }")
    if not cfg.suites or not cfg.contexts or not cfg.beliefs:
        empty = [k for k in ("suites", "contexts", "beliefs") if not getattr(cfg, k)]
        raise WarmgateError(f"{where}: {', '.join(empty)} is empty: the run would have no cells "
                            "and could never fail; name at least one")
    _check_suite_names(cfg.suites, where)
    labels = {suite_label(x) for x in cfg.suites}
    for key in cfg.thresholds:
        parts = key.split("/")
        ok = (len(parts) == 1 and (key in CONTEXTS or key in BELIEFS or key in labels)) or (
            len(parts) == 2 and parts[0] in CONTEXTS and parts[1] in BELIEFS) or (
            len(parts) == 3 and parts[0] in labels and parts[1] in CONTEXTS
            and parts[2] in BELIEFS)
        if not ok:
            raise WarmgateError(
                f"{where}: thresholds key {key!r} names no framing of this run; write a context "
                f"({', '.join(CONTEXTS)}), a belief ({', '.join(BELIEFS)}), a suite, "
                "context/belief or suite/context/belief")


def _check_suite_names(suites: tuple[str, ...], where: str) -> None:
    """Results key a suite by its name (a file's stem): a suite listed twice, or two files
    with one stem, would merge into one suite with doubled rows; refused before generating."""
    seen: dict[str, str] = {}
    for x in suites:
        label = suite_label(x)
        if label not in seen:
            seen[label] = x
            continue
        first = seen[label]
        if first == x or (x.endswith(".jsonl") and first.endswith(".jsonl")
                          and Path(first).resolve() == Path(x).resolve()):
            raise WarmgateError(f"{where}: suites lists {x!r} twice; give each suite once")
        raise WarmgateError(
            f"{where}: suites {first!r} and {x!r} are both named {label!r} (a suite is named "
            "by its file name, so their rows would merge); rename one of the files")


# -- the configuration as data: what a shard's manifest carries, and the run's fingerprint --

def _plain(value: Any, root: Path) -> Any:
    """JSON-ready value; absolute paths inside the checkout become relative (runners differ)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name), root) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v, root) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, root) for v in value]
    if isinstance(value, str) and os.path.isabs(value):
        try:
            return Path(value).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return value
    return value


def to_data(cfg: GateConfig, root: Path | None = None) -> dict[str, Any]:
    """The configuration as plain JSON data, paths relative to `root` (default: the cwd)."""
    return _plain(cfg, root or Path.cwd())


def from_data(data: dict[str, Any], where: str = "shard manifest") -> GateConfig:
    """A configuration written by `to_data`, read back through the one merge path (each value
    parsed by its setting, the whole validated), as a `[tool.warmgate]` table would be."""
    if not isinstance(data, dict):
        raise WarmgateError(f"{where}: a configuration is a JSON object")
    known = {f.name for f in dataclasses.fields(GateConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise WarmgateError(f"{where}: unknown configuration field(s) {', '.join(unknown)}; "
                            "was it written by another warmgate version?")
    table = {k: v for k, v in data.items() if k in BY_KEY and v not in (None, "", {})}
    for spec_key in ("base", "candidate"):
        spec = data.get(spec_key)
        if isinstance(spec, dict):
            table[spec_key] = {k: v for k, v in spec.items() if v} if spec_key == "candidate" \
                else spec.get("model")
    decoding = data.get("decoding")
    if isinstance(decoding, dict):
        if {k: v for k, v in decoding.items() if k != "max_new_tokens"} != \
                {k: v for k, v in Decoding().to_dict().items() if k != "max_new_tokens"}:
            raise WarmgateError(f"{where}: decoding {decoding} sets more than max_new_tokens, "
                                "which no setting can; was it written by another warmgate version?")
        table["max_new_tokens"] = decoding.get("max_new_tokens", Decoding().max_new_tokens)
    return resolve(table, None, where, environment=False)


#: Fields that say where files go, not what is generated or how it is decided.
_NOT_FINGERPRINTED = ("report", "baselines", "batch_size")


def fingerprint(cfg: GateConfig, root: Path | None = None) -> str:
    """sha256 over everything that changes outputs or verdicts (not output folders)."""
    return data_fingerprint(to_data(cfg, root))


def data_fingerprint(config: dict[str, Any]) -> str:
    """`fingerprint` of a configuration already written as data (a shard's `config`)."""
    data = {k: v for k, v in config.items() if k not in _NOT_FINGERPRINTED}
    data["warmgate_version"] = __version__
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def from_mapping(table: dict[str, Any], where: str = "[tool.warmgate]",
                 root: Path | None = None) -> GateConfig:
    """`resolve` of a `[tool.warmgate]`-shaped mapping with no command line (tests, the API)."""
    return resolve(table, None, where, root)
