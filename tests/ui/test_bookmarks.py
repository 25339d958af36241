"""Spatial bookmarks in the window: Ctrl+B names the view, the panel goes back to it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog


def test_bookmark_the_view_then_come_back_rename_and_delete(
    qtbot: Any, window: Any, dialogs: Any
) -> None:
    def name_it(dialog: QInputDialog) -> int:
        assert dialog.textValue() == "Bookmark 1"
        dialog.setTextValue("Congress Square")
        dialog.accept()
        return int(QDialog.DialogCode.Accepted.value)

    dialogs.handlers["QInputDialog"] = name_it
    assert window.map_actions.new_bookmark.shortcut().toString() == "Ctrl+B"
    saved_extent = window.canvas.view.extent
    window.map_actions.new_bookmark.trigger()
    [bookmark] = window.project.bookmarks
    assert bookmark.name == "Congress Square" and bookmark.extent == saved_extent
    assert window.bookmarks_panel.isVisible()
    panel_list = window.bookmarks_panel.list
    assert [panel_list.item(r).text() for r in range(panel_list.count())] == ["Congress Square"]

    window.canvas.pan_by(400, -250)
    window.canvas.zoom_by(3.0)
    assert window.canvas.view.extent != pytest.approx(saved_extent)
    panel_list.itemActivated.emit(panel_list.item(0))  # double-click / Enter
    # The bookmarked ground, whole, filling the map one way (the panel that
    # opened made the map narrower than when the bookmark was made).
    xmin, ymin, xmax, ymax = window.canvas.view.extent
    bx0, by0, bx1, by1 = saved_extent
    tolerance = (bx1 - bx0) * 1e-6
    assert xmin <= bx0 + tolerance and ymin <= by0 + tolerance
    assert xmax >= bx1 - tolerance and ymax >= by1 - tolerance
    fills_width = (xmax - xmin) == pytest.approx(bx1 - bx0, rel=1e-6)
    assert fills_width or (ymax - ymin) == pytest.approx(by1 - by0, rel=1e-6)

    panel_list.item(0).setText("Monument Square")  # edited in place
    assert window.project.bookmarks[0].name == "Monument Square"
    panel_list.item(0).setText("   ")  # an empty name puts the old one back
    assert panel_list.item(0).text() == "Monument Square"

    panel_list.setCurrentRow(0)
    qtbot.keyClick(panel_list, Qt.Key.Key_Delete)
    assert list(window.project.bookmarks) == [] and panel_list.count() == 0
