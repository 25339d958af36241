"""A shapefile whose text encoding is uncertain: the user chooses from previews, or adds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mapdesk.ui.dialogs.text_encoding import TextEncodingDialog
from tests.io.test_dbf_encodings import TEXTS, write_shapefile


def _names(window: Any) -> list[str]:
    return [layer.name for layer in window.project.layers]


def test_choosing_an_encoding_adds_the_layer_with_its_text(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path
) -> None:
    path = write_shapefile(tmp_path, "cp1251", "wrong")
    shown: dict[str, Any] = {}

    def choose(dialog: TextEncodingDialog) -> int:
        shown["title"] = dialog.windowTitle()
        shown["header"] = dialog.table.horizontalHeaderItem(0).text()
        shown["first"] = dialog.table.item(0, 0).text()
        dialog.combo.setCurrentIndex(dialog.combo.findData("cp1251"))
        dialog.accept()
        return 1

    dialogs.handlers["TextEncodingDialog"] = choose
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: "roads" in _names(window), timeout=20000)

    assert shown["title"] == "Choose the text encoding of roads.dbf"
    assert shown["header"] == "Windows-1251"
    assert shown["first"] == TEXTS["cp1251"][0]
    layer = window.project.layers.by_name("roads")
    assert list(layer.data["name"]) == TEXTS["cp1251"]
    assert layer.origin.encoding == "cp1251"


def test_cancel_adds_nothing(qtbot: Any, window: Any, dialogs: Any, tmp_path: Path) -> None:
    path = write_shapefile(tmp_path, "cp1252", "wrong")
    before = _names(window)
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: dialogs.names() == ["TextEncodingDialog"], timeout=20000)
    qtbot.waitUntil(lambda: not window.layer_loader.busy, timeout=5000)
    assert _names(window) == before
    assert "roads.shp was not added" in window.status.currentMessage()
