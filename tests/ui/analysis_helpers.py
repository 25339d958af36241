"""Shared by the Radio Coverage and Boundary QA UI tests: run, wait, click a panel row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt


def wait_for(qtbot: Any, window: Any, ready: Any, timeout: int = 60000) -> None:
    """Wait until ``ready()`` and every worker has reported back."""
    qtbot.waitUntil(ready, timeout=timeout)
    qtbot.waitUntil(lambda: window.workers.active_count == 0, timeout=timeout)


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
