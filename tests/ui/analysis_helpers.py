"""Shared by the Radio Coverage and Boundary QA UI tests: run, wait, click a panel row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt


def wait_for(qtbot: Any, window: Any, ready: Any, timeout: int = 60000) -> None:
    """Wait until ``ready()`` and every worker has reported back."""
    qtbot.waitUntil(ready, timeout=timeout)
    qtbot.waitUntil(lambda: window.workers.active_count == 0, timeout=timeout)


def export_to(qtbot: Any, window: Any, panel: Any, monkeypatch: Any, target: Path) -> None:
    """The panel's Export… to ``target`` (chosen in the file dialog); wait for its report."""
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *_a, **_k: (str(target), "")
    )
    panel.export_button.click()
    wait_for(qtbot, window, lambda: target.with_suffix(".json").exists())


def click_row(qtbot: Any, panel: Any, key: Any) -> None:
    """A real left click on the panel's row with ``key`` (scrolled into view)."""
    item = panel.item_with_key(key)
    assert item is not None, f"no row {key} in {panel.texts()}"
    panel.tree.scrollToItem(item)
    rect = panel.tree.visualItemRect(item)
    where = QPoint(rect.left() + 8, rect.center().y())  # in the first column, seen
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=where)


def result_layer_names(window: Any) -> list[str]:
    return [layer.name for layer in window.project.layers]
