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


def test_saving_edits_to_the_shapefile_forgets_the_encoding_it_was_read_with(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    from mapdesk.io.loader import load_layer

    path = write_shapefile(tmp_path, "cp1251", "wrong")
    layer = load_layer(str(path), None, encoding="cp1251")
    window.project.add_layer(layer)
    window.layer_panel.select_layer(layer)
    window.map_actions.toggle_editing.trigger()
    first = layer.data.index[0]
    layer.change_attribute_value(first, "name", "Москва, Тверская улица")
    window.map_actions.save_edits.trigger()
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=20000)

    # The file is now UTF-8 with a .cpg saying so: reading it as Windows-1251
    # again (Refresh, a reopened project) would garble every value.
    assert path.with_suffix(".cpg").read_text().strip() == "UTF-8"
    assert layer.origin is not None and layer.origin.encoding is None
    window.map_actions.toggle_editing.trigger()
    window.map_actions.refresh_layer.trigger()
    qtbot.waitUntil(lambda: "refreshed" in window.status.currentMessage(), timeout=20000)
    assert list(layer.data["name"]) == ["Москва, Тверская улица", *TEXTS["cp1251"][1:]]
