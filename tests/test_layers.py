"""The house's imports run one way.

    command -> flows -> (stages, the run's pictures) -> (backends, renderers with the safety gate,
    listening, words) -> schemas -> core (config, errors, output store, atomic writes, processes)

Every import of every module is read with `ast` (lazy imports inside functions too) and judged by
the parts of the importer and of what it imports (MAY_IMPORT): a part imports itself and the parts
below it, except that the command reaches stages and pictures only through the flow. Sideways
imports between parts of one level are refused, except the few named in SIDEWAYS: an audio model
hears the song (backends -> listening's audio reader) and the chooser ranks options with a model's
base types (words -> backends.base). No import reaches up, so the parts
form no circle.

`test_the_guard_catches_the_old_house` runs the same judge over the imports of the tree before its
parts had folders of their own (tests/data/layout_before.json), to show that it fails where it should.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("songflow", "flows", "stages", "schemas", "backends", "renderers")

# Each part's modules, by dotted prefix (the longest prefix wins), and its level: 0 is the top.
PARTS = {
    "songflow.command": "command",
    "flows": "flows",
    "stages": "stages",
    "songflow.pictures": "pictures",
    "backends": "backends",
    "renderers": "renderers",
    "songflow.listening": "listening",
    "songflow.words": "words",
    "schemas": "schemas",
    "songflow.core": "core",
    "songflow": "core",  # the package's own __init__: a docstring and the version
}
# What each part may import besides itself. A part reaches the parts below it, but the command
# stands above the flow: it runs stages and draws the run's pictures only through it.
BELOW_STAGES = {"backends", "renderers", "listening", "words", "schemas", "core"}
MAY_IMPORT = {
    "command": {"flows", "backends", "renderers", "listening", "words", "schemas", "core"},
    "flows": {"stages", "pictures"} | BELOW_STAGES,
    "stages": BELOW_STAGES,
    "pictures": BELOW_STAGES,
    "backends": {"schemas", "core"},
    "renderers": {"schemas", "core"},
    "listening": {"schemas", "core"},
    "words": {"schemas", "core"},
    "schemas": {"core"},
    "core": set(),
}
# Sideways imports between parts of one level that are fine: (importer's part, imported part, the
# module it is limited to, by the end of its dotted name): an audio model hears the song, and the
# chooser ranks options with a model's base types.
SIDEWAYS = {("backends", "listening", "audio"), ("words", "backends", "backends.base")}


def part_of(module: str, parts: dict[str, str] = PARTS) -> str | None:
    """The part a dotted module name belongs to, by its longest listed prefix."""
    best = None
    for prefix, part in parts.items():
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return parts[best] if best is not None else None


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    return {module_name(p, root): p for package in PACKAGES for p in sorted((root / package).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports, anywhere in its body (`from a import b` names module
    a.b when that is a module, else a)."""
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source for alias in node.names]
        else:
            continue
        out.update(t for t in targets if t.split(".")[0] in PACKAGES)
    return out


def import_map(root: Path = ROOT) -> dict[str, list[str]]:
    """{module: sorted project modules it imports} for the tree at `root`."""
    found = modules(root)
    return {name: sorted(imports_of(name, path, set(found))) for name, path in found.items()}


def allowed(importer: str, target: str, parts: dict[str, str] = PARTS) -> bool:
    a, b = part_of(importer, parts), part_of(target, parts)
    if a == b or b in MAY_IMPORT[a]:
        return True
    return any(
        (a, b) == (importer, imported) and (target == module or target.endswith("." + module))
        for importer, imported, module in SIDEWAYS
    )


def violations(graph: dict[str, list[str]], parts: dict[str, str] = PARTS) -> list[str]:
    """'importer → imported' for every import against the layers."""
    return [f"{m} → {t}" for m, targets in sorted(graph.items()) for t in targets if not allowed(m, t, parts)]


def part_cycles(graph: dict[str, list[str]], parts: dict[str, str] = PARTS) -> list[list[str]]:
    """Circles among the parts (each found once, from its first part in sorted order)."""
    edges: dict[str, set[str]] = {}
    for m, targets in graph.items():
        for t in targets:
            a, b = part_of(m, parts), part_of(t, parts)
            if a != b:
                edges.setdefault(a, set()).add(b)
    cycles = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt == start:
                cycles.append(path + [start])
            elif nxt not in path and nxt > start:
                walk(start, nxt, path + [nxt])

    for start in sorted(edges):
        walk(start, start, [start])
    return cycles


def test_every_module_belongs_to_a_part():
    strays = [m for m in modules() if part_of(m) is None]
    assert not strays, f"modules outside every part: {strays}"


def test_imports_run_one_way():
    graph = import_map()
    assert len(graph) > 60  # the walk found the tree
    bad = violations(graph)
    assert not bad, "imports against the layers:\n" + "\n".join(bad)
    assert not part_cycles(graph)


def test_nothing_imports_the_command():
    graph = import_map()
    users = [f"{m} → {t}" for m, ts in graph.items() for t in ts if part_of(t) == "command" and part_of(m) != "command"]
    assert not users


def test_listening_hears_without_stages_flows_or_the_model_registry():
    graph = import_map()
    reached = {t for m, ts in graph.items() if part_of(m) == "listening" for t in ts}
    assert not [t for t in reached if part_of(t) in ("stages", "flows", "command") or t == "backends"], reached


def test_the_guard_catches_the_old_house():
    """The imports of the tree as it stood before the move, each old module mapped to the part it
    went to: the judge must name the imports that ran against the grain there."""
    before = json.loads((ROOT / "tests/data/layout_before.json").read_text())
    parts, graph = before["parts"], before["imports"]
    assert all(part_of(m, parts) for m in graph)
    bad = violations(graph, parts)
    for expected in ("songflow.cli → stages.analyze", "backends → songflow.safety", "backends → songflow.beats", "backends → renderers"):
        assert expected in bad, bad
    assert "flows.song → songflow.progress" in bad  # the flow reported to the command's display
    assert ["command", "flows", "command"] in part_cycles(graph, parts)  # ... and the command started the flow


def test_the_judge_reads_relative_and_lazy_imports(tmp_path):
    (tmp_path / "backends").mkdir()
    (tmp_path / "backends/__init__.py").write_text("from .base import X\n\ndef f():\n    from renderers import y\n")
    (tmp_path / "backends/base.py").write_text("X = 1\n")
    (tmp_path / "renderers").mkdir()
    (tmp_path / "renderers/__init__.py").write_text("y = 2\n")
    graph = import_map(tmp_path)
    assert graph["backends"] == ["backends.base", "renderers"]
    assert violations(graph) == ["backends → renderers"]
