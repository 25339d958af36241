"""CrsDialog: search by name or code, free text, leave unknown."""

from __future__ import annotations

from typing import Any

from mapdesk.core.crs import parse_crs
from mapdesk.ui.dialogs.crs_dialog import CrsDialog


def test_search_maine_west_finds_26984(qtbot: Any) -> None:
    dialog = CrsDialog()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.search, "maine west")
    qtbot.waitUntil(lambda: "EPSG:26984" in dialog.result_codes(), timeout=3000)
    names = [
        dialog.results.topLevelItem(i).text(1) for i in range(dialog.results.topLevelItemCount())
    ]
    assert "NAD83 / Maine West" in names


def test_search_by_code_and_accept(qtbot: Any) -> None:
    dialog = CrsDialog()
    qtbot.addWidget(dialog)
    dialog.search.setText("26919")
    dialog.run_search()
    assert dialog.result_codes()[0] == "EPSG:26919"
    dialog.accept()
    assert dialog.chosen_crs is not None and dialog.chosen_crs.to_epsg() == 26919


def test_free_text_wkt_and_bad_text(qtbot: Any) -> None:
    dialog = CrsDialog()
    qtbot.addWidget(dialog)
    dialog.text.setPlainText("not a crs at all")
    dialog.accept()
    assert dialog.result() != CrsDialog.DialogCode.Accepted
    assert "not a coordinate reference system" in dialog.summary.text()
    dialog.text.setPlainText(parse_crs(3857).to_wkt())
    dialog.accept()
    assert dialog.chosen_crs is not None and dialog.chosen_crs.to_epsg() == 3857


def test_leave_unknown(qtbot: Any) -> None:
    dialog = CrsDialog(allow_unknown=True)
    qtbot.addWidget(dialog)
    assert dialog.unknown_button is not None
    dialog.unknown_button.click()
    assert dialog.left_unknown and dialog.chosen_crs is None


def test_set_project_crs_action(window: Any, dialogs: Any) -> None:
    def choose(dialog: CrsDialog) -> int:
        dialog.search.setText("web mercator")
        dialog.run_search()
        dialog.text.setPlainText("EPSG:3857")
        dialog.accept()
        return 1

    dialogs.handlers["CrsDialog"] = choose
    window.map_actions.set_project_crs.trigger()
    assert window.project.crs.to_epsg() == 3857
    assert window.status.crs_button.text() == "EPSG:3857"


def test_searching_never_swaps_the_current_crs_for_a_look_alike(qtbot: Any) -> None:
    dialog = CrsDialog(current=parse_crs(26984))
    qtbot.addWidget(dialog)
    dialog.search.setText("maine west")  # NAD27 / Maine West is listed too
    dialog.run_search()
    assert "EPSG:26784" in dialog.result_codes()
    assert dialog.results.currentItem().text(0) == "EPSG:26984"
    dialog.accept()
    assert dialog.chosen_crs is not None and dialog.chosen_crs.to_epsg() == 26984
