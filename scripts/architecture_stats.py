"""Figures for docs/architecture.md's before/after table, read from the source with ``ast``.

    python scripts/architecture_stats.py [--json] [SRC]

Counts modules and lines, the longest functions, the modules outside the storage layer
that import SQLAlchemy, and the places that parse a search query, build a ``PaperFilter``,
build ``Settings`` or build a core (and who calls the one loader and factory).
"""

from __future__ import annotations

import argparse
import ast
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "paperwire"
STORAGE = ("db/", "store/")  # the storage layer: the one place SQL may live
CALLS = {
    "parse a query": {"parse_query"},
    "build a PaperFilter by hand": {"PaperFilter"},
    "call the one parameter parser": {"from_params"},
    "build Settings": {"Settings"},
    "read the settings through the one loader": {"load_settings"},
    "build a core": {"Paperwire"},
    "call the one core factory": {"make_paperwire"},
}
DEFINED_IN = {"parse_query": "search/query.py", "PaperFilter": "models.py"}


@dataclass
class Figures:
    modules: int = 0
    lines: int = 0
    longest_functions: list[tuple[str, int]] = field(default_factory=list)
    sql_outside_storage: list[str] = field(default_factory=list)
    places: dict[str, list[str]] = field(default_factory=dict)


def python_files(src: Path) -> Iterator[tuple[str, ast.Module, int]]:
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src).as_posix()
        if "/migrations/" in f"/{relative}":
            continue
        text = path.read_text()
        yield relative, ast.parse(text), len(text.splitlines())


def imports_sqlalchemy(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlalchemy" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            return True
    return False


def called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def measure(src: Path) -> Figures:
    figures = Figures(places={kind: [] for kind in CALLS})
    functions: list[tuple[str, int]] = []
    for relative, tree, lines in python_files(src):
        figures.modules += 1
        figures.lines += lines
        if imports_sqlalchemy(tree) and not relative.startswith(STORAGE):
            figures.sql_outside_storage.append(relative)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append((f"{relative}:{node.lineno} {node.name}", node.end_lineno - node.lineno + 1))
            elif isinstance(node, ast.Call):
                name = called_name(node)
                for kind, names in CALLS.items():
                    if name in names and DEFINED_IN.get(name) != relative:
                        figures.places[kind].append(f"{relative}:{node.lineno}")
    figures.longest_functions = sorted(functions, key=lambda item: -item[1])[:5]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", nargs="?", type=Path, default=SRC)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(args.src)
    if args.json:
        print(json.dumps(asdict(figures), indent=2))
        return
    print(f"modules {figures.modules}, lines {figures.lines}")
    print("longest functions: " + ", ".join(f"{name} ({length})" for name, length in figures.longest_functions))
    print(f"modules outside storage importing SQLAlchemy: {len(figures.sql_outside_storage)}")
    for kind, places in figures.places.items():
        print(f"places that {kind}: {len(places)}  {' '.join(places)}")


if __name__ == "__main__":
    main()
