"""The house plan holds: no import cycle between modules or between packages (lazy imports
included), no module over 300 lines, one front door (only it, the settings schema and the
CLI/pytest adapters import `GateConfig`; one TOML read, one merge path), and `warmgate run`
offers the settings pytest offers (one schema)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "warmgate"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every warmgate module `path` imports, at any depth of the file (lazy imports too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith("warmgate"):
                out.add(name)
    return out


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        # a package's __init__ is reached through its submodules; ignore "imports its parent"
        graph[name] = {m for m in _imports(path, modules) if m != name and not name.startswith(m + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package() -> None:
    assert find_cycle(import_graph()) is None


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph folded onto warmgate's top-level packages and modules (`warmgate.config`,
    `warmgate.framings`, ...): an edge when any module of one imports any module of another."""
    def top(name: str) -> str:
        return ".".join(name.split(".")[:2])

    out: dict[str, set[str]] = {}
    for name, deps in graph.items():
        out.setdefault(top(name), set()).update(top(d) for d in deps if top(d) != top(name))
    return out


def test_the_package_graph_folds_modules_onto_their_packages() -> None:
    graph = {"warmgate.a.x": {"warmgate.b.y"}, "warmgate.b.y": {"warmgate.a.z"},
             "warmgate.a.z": set()}
    assert find_cycle(package_graph(graph)) == ["warmgate.a", "warmgate.b", "warmgate.a"]


def test_no_import_cycle_between_packages() -> None:
    assert find_cycle(package_graph(import_graph())) is None


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_over_300_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 300, path


#: Who may import GateConfig: the schema that defines it, the front door, and the adapters that
#: turn a command line or a pytest session into settings. Stages take the Run's parts.
GATECONFIG_IMPORTERS = ("warmgate.config", "warmgate.run", "warmgate.cli", "warmgate.pytest_plugin")


def _imported_names(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every `from warmgate... import name` in a file, lazy ones included."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("warmgate"):
            out |= {(node.module, a.name) for a in node.names}
    return out


def test_gateconfig_is_imported_only_by_the_front_door_the_schema_and_the_adapters() -> None:
    offenders = sorted(
        _module_name(p) for p in PACKAGE.rglob("*.py")
        if any(name == "GateConfig" for _, name in _imported_names(p))
        and not _module_name(p).startswith(GATECONFIG_IMPORTERS))
    assert offenders == [], f"stages take the Run's parts, not GateConfig: {offenders}"


def _calls(path: Path, names: set[str]) -> list[str]:
    """Where a file calls one of `names` (as a bare name or an attribute)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) \
                else ""
            if called in names:
                out.append(f"{_module_name(path)}:{node.lineno}")
    return out


def test_one_toml_read_and_one_merge_path() -> None:
    """`pyproject.toml` is parsed in one place and settings are merged in one place; every door
    (CLI, pytest, merge, baseline and cache commands) goes through `warmgate.run.read_settings`."""
    files = list(PACKAGE.rglob("*.py"))
    toml = [c for p in files for c in _calls(p, {"loads", "load"})
            if "tomllib" in p.read_text(encoding="utf-8")]
    assert [c.split(":")[0] for c in toml] == ["warmgate.config.pyproject"]
    readers = {c.split(":")[0] for p in files for c in _calls(p, {"read_table"})
               if ("warmgate.config.pyproject", "read_table") in _imported_names(p)}
    assert readers == {"warmgate.run"}
    mergers = {c.split(":")[0] for p in files for c in _calls(p, {"resolve"})
               if ("warmgate.config.merge", "resolve") in _imported_names(p)
               or _module_name(p) == "warmgate.config.merge"}
    assert mergers <= {"warmgate.run", "warmgate.config.merge"}, mergers


def test_cli_and_pytest_offer_the_same_settings(pytestconfig) -> None:
    from warmgate.cli import build_parser

    parser = build_parser()
    run = next(a for a in parser._subparsers._group_actions[0].choices["run"]._actions
               if a.dest == "setting_alpha")
    assert run.option_strings == ["--alpha"]
    cli = {a.dest.removeprefix("setting_")
           for a in parser._subparsers._group_actions[0].choices["run"]._actions
           if a.dest.startswith("setting_")}
    from warmgate.config import SETTINGS

    flags = {x.key for x in SETTINGS if x.flag}
    assert cli == flags
    for key in flags:
        assert pytestconfig.getoption(f"warmgate_{key}", default="absent") != "absent", key


def test_reply_identity_is_defined_in_one_module():
    """Cache, baseline matching, Ray pools and shard merges read `warmgate.identity`; no other
    module lists which provenance fields decide a reply (two such lists drifted apart once)."""
    identity = {"backend_version", "torch_version", "model_fingerprint", "adapter_fingerprint",
                "persona_sha256", "dtype", "device", "decoding"}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "identity.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # a list of names, or a name -> description table (a dict literal whose values
            # are computed is a backend emitting its provenance, not a definition)
            if isinstance(node, ast.Dict) and all(isinstance(v, ast.Constant) for v in node.values):
                elts = node.keys
            elif isinstance(node, ast.Tuple | ast.List | ast.Set):
                elts = node.elts
            else:
                continue
            names = {e.value for e in elts if isinstance(e, ast.Constant)}
            if len(names & identity) >= 4:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert offenders == [], f"these list reply-identity fields; use warmgate.identity: {offenders}"
