"""The import rule of the README's map: models and services import downward only
(ops ← pricing ← offers ← signing, budgets ← api), at module level or inside a function; views,
admin, commands and `config/` may combine apps. A higher app is reached through a signal."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEVEL = {"ops": 0, "pricing": 1, "offers": 2, "signing": 3, "budgets": 3, "api": 4}
# Modules that may combine apps: what a person or an operator reaches (pages, the admin, commands).
COMBINE = ("views", "candidate_views", "admin", "management", "urls", "pages", "site")


def imported(path: Path) -> list[tuple[int, str]]:
    """Every import in the file, wherever it is (a function's too), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_models_and_services_import_downward_only() -> None:
    upward = []
    for app, level in LEVEL.items():
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or any(part.removesuffix(".py") in COMBINE for part in parts):
                continue
            for line, module in imported(path):
                other = module.split(".")[0]
                if other in LEVEL and other != app and LEVEL[other] >= level:
                    upward.append(f"{'/'.join(parts)}:{line} imports {module}")
    assert upward == []


def test_no_two_apps_import_each_other_at_module_level() -> None:
    edges: set[tuple[str, str]] = set()
    for app in LEVEL:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.parse(path.read_text()).body:
                modules = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom) and node.module
                    else [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                edges |= {(app, m.split(".")[0]) for m in modules if m.split(".")[0] in LEVEL}
    circles = sorted((a, b) for a, b in edges if a < b and (b, a) in edges)
    assert circles == []
