"""The house plan holds: no import cycle in the package (lazy imports included), no module over
400 lines, and `warmgate run` offers the settings pytest offers (one schema)."""

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


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_over_400_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path


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
