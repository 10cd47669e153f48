"""The pytest plugin: one test per (suite, context, belief) cell of the gate.

In a project whose pyproject.toml has a `[tool.warmgate]` table (or given `--warmgate-base`),
pytest collects `test_reliability[<suite>-<context>-<belief>]` items. Generation happens once
per session for all cells together, batched, when the first cell runs; each test then reads
its cell's verdict. Every field of the table can be overridden by a `--warmgate-*` option.

pytest-xdist (`pytest -n N`): worker k generates part k of the items (all framings, both
roles) and writes it to a folder the controller made for this session; a worker that needs a
part nobody made yet takes its lock and makes it (see warmgate.shard.gather_parts). Nothing is
generated twice. On a machine with several GPUs each worker sees only its own GPU
(CUDA_VISIBLE_DEVICES from the worker id; WARMGATE_GPU_PER_WORKER=0 turns that off).

The controller (or the only process, without xdist) writes the report folder and, under
`--warmgate-update-baselines`, the new baseline when the session ends.
Fixtures `warmgate_config`, `warmgate_run` and `warmgate_cell` serve users' own tests.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from warmgate.config import GateConfig, from_mapping, read_table
from warmgate.errors import WarmgateError

_RESULT = pytest.StashKey["object"]()
_CONFIG = pytest.StashKey["GateConfig | None"]()
_SHARED = pytest.StashKey["Path"]()
_BACKEND = pytest.StashKey["object"]()
_REPORTED = pytest.StashKey["str"]()
_FAILED = pytest.StashKey["Exception"]()

#: (option, [tool.warmgate] key, kind, metavar, help) for every config field but the
#: backend_options table (set that in pyproject.toml, where secrets are refused).
_FIELDS = [
    ("base", "base", str, "MODEL", "base model: a Hugging Face folder, hub id, or 'embedded'"),
    ("candidate", "candidate", str, "SPEC",
     "candidate: a model, or adapter=DIR, model=NAME, persona=warm|TEXT"),
    ("backend", "backend", str, "NAME", "generation engine (transformers, vllm, openai, or "
     "package.module:factory)"),
    ("suites", "suites", list, "A,B", "built-in suite names or .jsonl paths"),
    ("contexts", "contexts", list, "A,B", "user contexts, e.g. unmodified,emotion:sad"),
    ("beliefs", "beliefs", list, "A,B", "user beliefs: original,incorrect,correct"),
    ("items", "items", str, "N", "items sampled per suite, or 'study' (the study's sizes)"),
    ("seed", "seed", int, "N", "seed of the item sample"),
    ("threshold", "threshold", float, "PP", "default threshold: largest tolerated increase in "
     "error rate, in percentage points"),
    ("thresholds", "thresholds", dict, "KEY=PP,..", "per-framing thresholds, e.g. "
     "emotion:sad=3,emotion:sad/incorrect=2 (merged over [tool.warmgate] thresholds)"),
    ("alpha", "alpha", float, "A", "family-wise significance level"),
    ("statements", "statements", str, "SET", "statement set: 'warmgate-v1' or a YAML path"),
    ("layout", "layout", str, "NAME", "prompt layout: warmgate, study, or study:<dataset>"),
    ("max-new-tokens", "max_new_tokens", int, "N", "reply length cap"),
    ("batch-size", "batch_size", int, "N", "generation batch size"),
    ("baselines", "baselines", str, "DIR", "baselines folder"),
    ("report", "report", str, "DIR", "report folder"),
    ("cache", "cache", str, "DIR", "generation cache folder, or 'off'"),
    ("liveness-probes", "liveness_probes", int, "N", "prompts on which the candidate must "
     "differ from the base (0 = skip the check)"),
    ("early-stopping", "early_stopping", int, "N", "items per suite between interim looks; "
     "settled cells stop early (0 = off; single process only)"),
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("warmgate", "warmgate safety gate (each overrides [tool.warmgate])")
    for opt, _key, kind, metavar, text in _FIELDS:
        group.addoption(f"--warmgate-{opt}", dest=f"warmgate_{opt.replace('-', '_')}",
                        default=None, metavar=metavar,
                        type=kind if kind in (int, float) else str, help=text)
    group.addoption("--warmgate-update-baselines", action="store_true",
                    help="pass every cell and write a new baseline from this run")
    group.addoption("--warmgate-approved-by", metavar="NAME", default=None,
                    help="who approved a baseline update (recorded in its manifest)")
    group.addoption("--warmgate-reason", metavar="TEXT", default=None,
                    help="why the baseline changes (recorded in its manifest)")
    group.addoption("--warmgate-shard", metavar="I/N", default=None,
                    help="generate only shard I of N (1-based) and write it to the report "
                    "folder; `warmgate merge` decides over all shards")
    group.addoption("--warmgate-shard-by", choices=["items", "cells"], default="items",
                    help="split shards by items (default: each shard asks every framing of "
                    "its items) or by cells")
    group.addoption("--warmgate-progress", action="store_true",
                    help="show the generation progress bar even in CI or without a terminal")
    group.addoption("--no-warmgate", action="store_true",
                    help="do not collect the gate's cells even when [tool.warmgate] exists")


def _candidate(text: str) -> Any:
    """`adapter=DIR`, `model=NAME`, `persona=warm|TEXT`, or a plain model name."""
    key, sep, value = text.partition("=")
    if sep and key in ("adapter", "model", "persona"):
        return {key: value}
    return text


def _thresholds(text: str) -> dict[str, float]:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.rpartition("=")
        try:
            out[key] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key:
            raise WarmgateError(f"--warmgate-thresholds: expected KEY=PP pairs such as "
                                f"emotion:sad=3, got {part!r}")
    return out


def load_config(config: pytest.Config) -> GateConfig | None:
    """[tool.warmgate] from the rootdir's pyproject.toml, overridden by --warmgate-* options."""
    if config.getoption("no_warmgate"):
        return None
    root = Path(config.rootpath)
    path = root / "pyproject.toml"
    table = read_table(path)
    if table is None:
        if config.getoption("warmgate_base") is None:
            return None
        table = {}
    table = dict(table)
    given = []
    for opt, key, kind, _m, _t in _FIELDS:
        value = config.getoption(f"warmgate_{opt.replace('-', '_')}")
        if value is None:
            continue
        given.append(f"--warmgate-{opt}")
        if kind is list:
            value = [v.strip() for v in value.split(",") if v.strip()]
        elif kind is dict:
            value = {**dict(table.get(key, {})), **_thresholds(value)}
        elif key == "candidate":
            value = _candidate(value)
        table[key] = value
    where = f"{path} [tool.warmgate]" + (f" with {' '.join(given)}" if given else "")
    return from_mapping(table, where, root=root)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def worker_gpu(worker_id: str, env: dict[str, str] | os._Environ) -> str | None:
    """The GPU an xdist worker takes: the k-th visible GPU for worker gw<k>, when there are 2+.

    The list is CUDA_VISIBLE_DEVICES when set, else the GPUs nvidia-smi lists; workers beyond
    the number of GPUs share them round-robin. None: leave the environment alone.
    """
    if env.get("WARMGATE_GPU_PER_WORKER", "1") == "0" or not worker_id.startswith("gw"):
        return None
    visible = env.get("CUDA_VISIBLE_DEVICES")
    gpus = _nvidia_smi_gpus() if visible is None else [
        g.strip() for g in visible.split(",") if g.strip()]
    if len(gpus) < 2:
        return None
    return gpus[int(worker_id[2:]) % len(gpus)]


def _nvidia_smi_gpus() -> list[str]:
    """GPU indices from nvidia-smi without initialising CUDA in this process; [] without one."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[_CONFIG] = load_config(config)
        shard = config.getoption("warmgate_shard")
        if shard and config.stash[_CONFIG] is not None:
            from warmgate.shard import parse_shard

            parse_shard(shard, config.getoption("warmgate_shard_by"))
    except WarmgateError as e:
        raise pytest.UsageError(f"warmgate: {e}") from None
    cfg = config.stash[_CONFIG]
    # a tensor-parallel engine needs every GPU in its one process: leave the devices alone
    tp = int((getattr(cfg, "backend_options", None) or {}).get("tensor_parallel_size", 1) or 1)
    if _is_worker(config) and cfg is not None and tp == 1:
        gpu = worker_gpu(config.workerinput["workerid"], os.environ)
        if gpu is not None:
            os.environ["CUDA_VISIBLE_DEVICES"] = gpu


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: give every worker the same private folder for this session's parts."""
    config = node.config
    if config.stash.get(_CONFIG, None) is None:
        return
    if _SHARED not in config.stash:
        config.stash[_SHARED] = Path(tempfile.mkdtemp(prefix="warmgate-xdist-"))
    node.workerinput["warmgate_parts"] = str(config.stash[_SHARED])


def _progress(config: pytest.Config):
    from warmgate.report.terminal import progress_bars

    return progress_bars(True if config.getoption("warmgate_progress") else None)


def _backend(config: pytest.Config, cfg: GateConfig):
    """One backend per process, built on first use and reused for every part it generates."""
    if _BACKEND not in config.stash:
        from warmgate.backends import make_backend

        config.stash[_BACKEND] = make_backend(
            cfg.backend, {"base": cfg.base, "candidate": cfg.candidate}, cfg.decoding,
            getattr(cfg, "backend_options", None),
        )
    return config.stash[_BACKEND]


def gate_result(config: pytest.Config):
    """The session's gate run, computed once per process on first use."""
    if _RESULT in config.stash:
        return config.stash[_RESULT]
    if _FAILED in config.stash:  # generation failed once: every cell says why, none retries
        raise config.stash[_FAILED]
    try:
        config.stash[_RESULT] = _compute(config)
    except Exception as e:
        config.stash[_FAILED] = e
        raise
    return config.stash[_RESULT]


def _compute(config: pytest.Config):
    from warmgate.gate import GateResult, decide, run

    cfg = config.stash[_CONFIG]
    if cfg is None:
        raise WarmgateError("no [tool.warmgate] table in the rootdir's pyproject.toml")
    folder = getattr(config, "workerinput", {}).get("warmgate_parts")
    # A baseline update needs the base generated afresh, not read back from the old baseline.
    fresh = not config.getoption("warmgate_update_baselines")
    if folder is None:
        with _progress(config) as bars:
            result = run(cfg, progress=bars, backend=_backend(config, cfg), use_baseline=fresh)
    else:
        from warmgate.shard import gather_parts

        def make_part(shard):
            with _progress(config) as bars:
                part = run(cfg, progress=bars, backend=_backend(config, cfg), select=shard.select,
                           use_baseline=fresh)
            return part.table, part.provenance

        count = int(config.workerinput["workercount"])
        mine = int(config.workerinput["workerid"][2:]) % count + 1
        table, provenance = gather_parts(Path(folder), count, mine, make_part)
        result = GateResult(cfg, table, decide(cfg, table), provenance)
    return result


class CellItem(pytest.Item):
    """One gate cell as a test: fails with the cell's figures when its verdict is FAIL."""

    def __init__(self, *, cell: tuple[str, str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.cell = cell

    def runtest(self) -> None:
        result = gate_result(self.config)
        cell = result.cell(*self.cell)
        for key in ("n", "b", "c", "delta", "ci_low", "ci_high", "pvalue", "p_adjusted",
                    "threshold_pp", "verdict"):
            self.user_properties.append((key, getattr(cell, key)))
        if self.config.getoption("warmgate_update_baselines"):
            self.add_report_section("call", "warmgate", f"{cell.message()}\n(baseline update: "
                                    "this run becomes the new baseline)")
            return
        if cell.verdict == "FAIL":
            raise CellFailed(cell.message())
        if cell.verdict == "INCONCLUSIVE":
            self.add_report_section("call", "warmgate", cell.message())

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CellFailed | WarmgateError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, self.name


class ShardItem(pytest.Item):
    """`--warmgate-shard I/N`: generate this shard's part and write it; `warmgate merge` decides."""

    def runtest(self) -> None:
        from warmgate.gate import plan, run
        from warmgate.shard import parse_shard, write_shard

        cfg = self.config.stash[_CONFIG]
        shard = parse_shard(self.config.getoption("warmgate_shard"),
                            self.config.getoption("warmgate_shard_by"))
        with _progress(self.config) as bars:
            result = run(cfg, progress=bars, backend=_backend(self.config, cfg),
                         select=shard.select)
        folder = write_shard(Path(cfg.report), cfg, shard, result.table, result.provenance,
                             total_jobs=len(plan(cfg)))
        self.user_properties.append(("rows", len(result.table)))
        self.add_report_section("call", "warmgate", f"shard {shard.label} ({len(result.table)} "
                                f"rows) written to {folder}; decide with `warmgate merge`")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, WarmgateError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, self.name


class CellFailed(Exception):
    """A cell's verdict was FAIL."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    cfg = config.stash.get(_CONFIG, None)
    if cfg is None:
        return
    shard = config.getoption("warmgate_shard")
    if shard:
        name = f"warmgate_shard[{shard}]"
        items.append(ShardItem.from_parent(session, name=name, nodeid=f"warmgate::{name}"))
        return
    for suite, context, belief in cfg.cells():
        name = f"test_reliability[{suite}-{context}-{belief}]"
        # "warmgate::" gives JUnit a classname and people a prefix to select with -k
        items.append(CellItem.from_parent(session, name=name, nodeid=f"warmgate::{name}",
                                          cell=(suite, context, belief)))


def _final_result(config: pytest.Config):
    """The run's result in the process that reports: its own, or the workers' parts."""
    if _RESULT in config.stash:
        return config.stash[_RESULT]
    folder = config.stash.get(_SHARED, None)
    if folder is None:
        return None
    from warmgate.gate import GateResult, decide
    from warmgate.shard import read_parts

    parts = read_parts(folder)
    if parts is None:
        return None
    cfg = config.stash[_CONFIG]
    table, provenance = parts
    return GateResult(cfg, table, decide(cfg, table), provenance)


def _write_baseline(config: pytest.Config, result) -> str:
    """Write the new baseline through warmgate.baselines (the one way a baseline changes)."""
    from warmgate import baselines

    written = baselines.update_from_result(
        result, approved_by=config.getoption("warmgate_approved_by"),
        reason=config.getoption("warmgate_reason"))
    return str(getattr(written, "path", written))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _is_worker(config) or config.stash.get(_CONFIG, None) is None:
        return
    lines = []
    try:
        result = _final_result(config)
        if result is not None:
            from warmgate.report.files import write_report

            folder = write_report(result, Path(result.config.report))
            lines.append(f"warmgate report: {folder}")
            if config.getoption("warmgate_update_baselines"):
                lines.append(f"warmgate baseline written: {_write_baseline(config, result)}")
            config.stash[_RESULT] = result
    except WarmgateError as e:
        lines.append(f"warmgate: error: {e}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    finally:
        shared = config.stash.get(_SHARED, None)
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)
    config.stash[_REPORTED] = "\n".join(lines)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _is_worker(config) or config.stash.get(_CONFIG, None) is None:
        return
    result = config.stash.get(_RESULT, None)
    if result is not None and getattr(result, "cells", None):
        from rich.console import Console

        from warmgate.report.terminal import print_result

        buf = io.StringIO()
        print_result(result, Console(file=buf, width=140, force_terminal=terminalreporter.hasmarkup))
        terminalreporter.write_sep("=", "warmgate")
        terminalreporter.write(buf.getvalue())
    text = config.stash.get(_REPORTED, "")
    if text:
        terminalreporter.write_line(text)


@pytest.fixture(scope="session")
def warmgate_config(request: pytest.FixtureRequest) -> GateConfig:
    """The session's GateConfig from [tool.warmgate] and the command line."""
    cfg = request.config.stash.get(_CONFIG, None)
    if cfg is None:
        pytest.skip("no [tool.warmgate] table in pyproject.toml")
    return cfg


@pytest.fixture(scope="session")
def warmgate_run(request: pytest.FixtureRequest, warmgate_config: GateConfig):
    """The session's GateResult (generated once, shared with the collected cells)."""
    return gate_result(request.config)


@pytest.fixture
def warmgate_cell(warmgate_run):
    """A function returning the Cell for (suite, context, belief) of the session's run."""
    return warmgate_run.cell
