"""The plugin's one session object: the config, the backend, the run's result, the report.

Every hook and fixture reads this object (kept in `config.stash`); generation happens once per
process, when the first cell runs. Without xdist the process runs the gate itself; an xdist
worker generates its part and reads the others' (`warmgate.shard.gather_parts`); the process
that reports (the controller, or the only one) ends with `gate.conclude` on the whole table.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from warmgate.config import GateConfig
from warmgate.errors import WarmgateError
from warmgate.options import overrides
from warmgate.preflight import ENVIRONMENT_ERRORS, environment_note
from warmgate.pytest_plugin.xdist import is_worker, worker_input, worker_part
from warmgate.run import Run, read_settings

SESSION = pytest.StashKey["WarmgateSession"]()


def load_config(config: pytest.Config) -> GateConfig | None:
    """[tool.warmgate] from the rootdir's pyproject.toml, overridden by --warmgate-* options
    (through the front door's one reading, `warmgate.run.read_settings`)."""
    if config.getoption("no_warmgate"):
        return None
    root = Path(config.rootpath)
    path = root / "pyproject.toml"
    given = overrides(lambda name: config.getoption(name), "warmgate_")
    flags = " ".join(f"--warmgate-{k.replace('_', '-')}" for k in given)
    where = f"{path} [tool.warmgate]" + (f" with {flags}" if flags else "")
    return read_settings(path, given, where=where, flag_prefix="--warmgate-", needs_base=True,
                         root=root)


@dataclass
class WarmgateSession:
    """What one pytest process knows about the gate."""

    pytest_config: pytest.Config
    run: Run | None
    shared: Path | None = None  # the controller's folder for xdist parts
    result: Any = None
    failure: Exception | None = None
    backend: Any = None
    report_lines: list[str] = field(default_factory=list)

    @property
    def updating(self) -> bool:
        return bool(self.pytest_config.getoption("warmgate_update_baselines"))

    def progress(self):
        from warmgate.report.terminal import progress_bars

        return progress_bars(True if self.pytest_config.getoption("warmgate_progress") else None)

    def make_backend(self):
        """One backend per process, built on first use and reused for every part it makes."""
        if self.backend is None:
            self.backend = self.run.make_backend()
        return self.backend

    def parts_folder(self) -> Path:
        """The controller's private folder for this session's parts (made once)."""
        if self.shared is None:
            self.shared = Path(tempfile.mkdtemp(prefix="warmgate-xdist-"))
        return self.shared

    def gate_result(self):
        """The session's gate run, computed once per process on first use."""
        if self.result is not None:
            return self.result
        if self.failure is not None:  # generation failed once: every cell says why
            raise self.failure
        try:
            self.result = self._compute()
        except Exception as e:
            self.failure = e
            raise
        return self.result

    def _compute(self):
        from warmgate.gate import conclude, run

        if self.run is None:
            raise WarmgateError("no [tool.warmgate] table in the rootdir's pyproject.toml")
        folder = worker_input(self.pytest_config).get("warmgate_parts")
        fresh = not self.updating  # an update needs the base generated afresh
        if folder is None:
            with self.progress() as bars:
                return run(self.run, progress=bars, backend=self.make_backend(),
                           use_baseline=fresh)
        from warmgate.shard import gather_parts

        def make_part(shard):
            with self.progress() as bars:
                part = run(self.run, progress=bars, backend=self.make_backend(),
                           select=shard.select, use_baseline=fresh)
            return part.table, part.provenance

        mine, count = worker_part(self.pytest_config)
        table, provenance = gather_parts(Path(folder), count, mine, make_part)
        return conclude(self.run, table, provenance)

    def final_result(self):
        """The run's result in the process that reports: its own, or the workers' parts."""
        if self.result is not None:
            return self.result
        if self.shared is None:
            return None
        from warmgate.gate import conclude
        from warmgate.shard import read_parts

        parts = read_parts(self.shared)
        if parts is None:
            return None
        return conclude(self.run, *parts)

    def finish(self, session: pytest.Session) -> None:
        """Write the report (and under an update the baseline); remove the parts folder."""
        if is_worker(self.pytest_config):
            if self.failure is not None:  # the controller sets the session's exit code from it
                self.pytest_config.workeroutput["warmgate_failure"] = [
                    isinstance(self.failure, (WarmgateError, *ENVIRONMENT_ERRORS)),
                    str(self.failure)]
            return
        if self.run is None:
            return
        report_error = None
        try:
            result = self.final_result()
            if result is not None:
                from warmgate.report.files import write_report

                folder = write_report(result, result.run.report)
                self.report_lines.append(f"warmgate report: {folder}")
                if self.updating:
                    self.report_lines.append(f"warmgate baseline written: {self._write(result)}")
                self.result = result
        except WarmgateError as e:
            report_error = e
            self.report_lines.append(f"warmgate: error: {e}")
        except ENVIRONMENT_ERRORS as e:  # the tests' outcomes (the verdict) stand
            self.report_lines.append(
                f"warmgate: error: {environment_note('write the report or baseline', e)}")
        finally:
            if isinstance(self.failure, (WarmgateError, *ENVIRONMENT_ERRORS)):
                self.report_lines.append(f"warmgate: error: {self.failure}")
            status = exit_status(self.failure, report_error)
            if status is not None:
                session.exitstatus = status
            if self.shared is not None:
                shutil.rmtree(self.shared, ignore_errors=True)

    def worker_failed(self, workeroutput: dict) -> None:
        """xdist controller: a worker's generation failed; this session's exit code says how."""
        if self.failure is None and "warmgate_failure" in workeroutput:
            bad_input, message = workeroutput["warmgate_failure"]
            self.failure = WarmgateError(message) if bad_input else RuntimeError(message)

    def _write(self, result) -> str:
        from warmgate.gate import update_baseline

        written = update_baseline(
            result, approved_by=self.pytest_config.getoption("warmgate_approved_by"),
            reason=self.pytest_config.getoption("warmgate_reason"))
        return str(written.path)


def exit_status(failure: BaseException | None, report_error: BaseException | None
                ) -> pytest.ExitCode | None:
    """Where warmgate sets the session's exit status over the tests' own (the verdicts are the
    tests' outcomes: `GateResult.fails_build`). Bad input found while generating is a usage
    error, and so is a fault of the machine (a file or folder it needs); a crash of warmgate is
    an internal one: none may read as exit 1, the code of a cell that failed. A report or
    baseline that could not be written for bad input fails the session."""
    if isinstance(failure, (WarmgateError, *ENVIRONMENT_ERRORS)):
        return pytest.ExitCode.USAGE_ERROR
    if failure is not None:
        return pytest.ExitCode.INTERNAL_ERROR
    if report_error is not None:
        return pytest.ExitCode.TESTS_FAILED
    return None


def session_of(config: pytest.Config) -> WarmgateSession:
    """This process's session object."""
    return config.stash[SESSION]
