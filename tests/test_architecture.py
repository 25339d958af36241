"""Rules of DESIGN.md that import-linter cannot express, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mapdesk"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sources(*parts: str) -> list[Path]:
    return [p for part in parts for p in sorted((PACKAGE / part).rglob("*.py"))]


def test_render_and_export_never_use_qt_widgets() -> None:
    # Headless PNG/PDF export from the CLI must work without a widget stack.
    files = _sources("render", "export")
    assert files, "render package not found"
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in files
        if any(m.startswith("PySide6.QtWidgets") for m in _imported_modules(p))
    ]
    assert offenders == []


def test_no_eval_or_exec_anywhere() -> None:
    # User text (filters, file contents) must never reach Python's evaluator.
    offenders = []
    for path in _sources("."):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"eval", "exec"}:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            is_pd_eval = isinstance(node, ast.Attribute) and node.attr == "eval"
            if is_pd_eval and getattr(node.value, "id", None) == "pd":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
