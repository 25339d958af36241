"""Core and io must work with Qt absent: DESIGN.md's one rule, checked at run time."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import mapdesk.core
import mapdesk.io

BLOCKER = Path(__file__).resolve().parents[1] / "support" / "block_qt"


def _modules(package: object) -> list[str]:
    path = package.__path__  # type: ignore[attr-defined]
    prefix = package.__name__ + "."  # type: ignore[attr-defined]
    return [m.name for m in pkgutil.walk_packages(path, prefix)]


def test_core_and_io_import_with_pyside_blocked() -> None:
    modules = _modules(mapdesk.core) + _modules(mapdesk.io)
    assert "mapdesk.core.project" in modules and "mapdesk.io.registry" in modules
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "assert 'PySide6' not in sys.modules\n"
    env = {**os.environ, "PYTHONPATH": str(BLOCKER)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_blocker_really_blocks_qt() -> None:
    env = {**os.environ, "PYTHONPATH": str(BLOCKER)}
    result = subprocess.run(
        [sys.executable, "-c", "import PySide6.QtCore"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "blocked" in result.stderr
