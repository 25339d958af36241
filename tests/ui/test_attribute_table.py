"""The attribute table: open with F6, filter, sort, select both ways, copy, zoom to a row."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from shapely.geometry import Point

from mapdesk.core.layer import VectorLayer
from mapdesk.ui.models.attribute_table import AttributeTableModel

from .conftest import PORTLAND_X, PORTLAND_Y


@pytest.fixture
def incidents() -> VectorLayer:
    """FixIt-like reports with gaps, fids 101-106 (as a GeoPackage gives them)."""
    frame = gpd.GeoDataFrame(
        {
            "status": ["open", "closed", None, "open", "acknowledged", "closed"],
            "priority": [3, 1, 2, np.nan, 5, 4],
            "street": ["Congress St", "Forest Ave", "Fore St", "Brighton Ave", "", "Stevens Ave"],
        },
        geometry=[Point(PORTLAND_X + 100 * i, PORTLAND_Y + 50 * i) for i in range(6)],
        crs="EPSG:26984",
    ).set_index(pd.Index([101, 102, 103, 104, 105, 106], name="fid"))
    return VectorLayer(frame, "FixIt")


def cells(model: AttributeTableModel, column: str) -> list[str]:
    c = model.fields.index(column)
    return [model.data(model.index(r, c)) for r in range(model.rowCount())]


def test_model_passes_qt_model_checks(qtmodeltester: Any, incidents: VectorLayer) -> None:
    model = AttributeTableModel(incidents)
    qtmodeltester.check(model)
    model.set_filter("priority > 1")
    model.sort(1, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_cells_read_like_qgis(incidents: VectorLayer) -> None:
    model = AttributeTableModel(incidents)
    assert model.fields == ["status", "priority", "street"]
    assert cells(model, "status")[:3] == ["open", "closed", "NULL"]
    assert cells(model, "priority")[:4] == ["3", "1", "2", "NULL"]  # whole numbers as such
    assert model.headerData(0, Qt.Orientation.Vertical) == "101"  # the fid
    null = model.index(2, 0)
    assert model.data(null, Qt.ItemDataRole.FontRole).italic()
    number = model.index(0, 1)
    assert model.data(number, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_sorting_puts_nulls_last_both_ways(incidents: VectorLayer) -> None:
    model = AttributeTableModel(incidents)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert cells(model, "priority") == ["1", "2", "3", "4", "5", "NULL"]
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert cells(model, "priority") == ["5", "4", "3", "2", "1", "NULL"]
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert cells(model, "status") == ["acknowledged", "closed", "closed", "open", "open", "NULL"]


def test_filter_keeps_the_sort_and_refuses_bad_expressions(incidents: VectorLayer) -> None:
    model = AttributeTableModel(incidents)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert model.set_filter("status IN ('open', 'closed')") == 4
    assert cells(model, "priority") == ["4", "3", "1", "NULL"]
    from mapdesk.core.errors import ExpressionError

    with pytest.raises(ExpressionError):
        model.set_filter("priorty > 1")
    assert model.rowCount() == 4  # unchanged by the bad filter
    assert model.set_filter("") == 6


@pytest.fixture
def table_window(qtbot: Any, window: Any, incidents: VectorLayer) -> Any:
    window.project.add_layer(incidents)
    window.layer_panel.select_layer(incidents)
    window.map_actions.open_attribute_table.trigger()
    return window


def test_f6_opens_the_current_layers_table(qtbot: Any, table_window: Any) -> None:
    dock = table_window.attribute_table
    assert dock.isVisible() and dock.objectName() == "attributeTable"
    assert table_window.map_actions.open_attribute_table.shortcut().toString() == "F6"
    model = dock.model()
    assert model is not None and model.layer.name == "FixIt" and model.rowCount() == 6
    assert "6 of 6 features, 0 selected" in dock.count.text()


def test_selecting_rows_selects_features_and_back(qtbot: Any, table_window: Any) -> None:
    dock = table_window.attribute_table
    layer = dock.model().layer
    # Table -> map: click a row, shift-click another.
    view = dock.table
    view.selectRow(1)
    view.selectionModel().select(
        dock.model().index(3, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert layer.selected_fids == frozenset({102, 104})
    assert "2 selected" in dock.count.text()
    # Map -> table: select by expression elsewhere, the rows follow.
    layer.select_by_expression("status = 'closed'")
    assert dock.selected_rows() == [1, 5]
    # Sorted, the same features stay selected.
    dock.model().sort(1, Qt.SortOrder.DescendingOrder)
    assert sorted(dock.model().fid_at(r) for r in dock.selected_rows()) == [102, 106]
    assert layer.selected_fids == frozenset({102, 106})


def test_selected_only_and_filter_from_the_bar(qtbot: Any, table_window: Any) -> None:
    dock = table_window.attribute_table
    layer = dock.model().layer
    layer.select_by_expression("priority >= 3")
    dock.selected_only.setChecked(True)
    assert dock.model().rowCount() == 3
    dock.selected_only.setChecked(False)
    dock.filter_edit.setText("street LIKE '%Ave'")
    qtbot.keyClick(dock.filter_edit, Qt.Key.Key_Return)
    assert dock.model().rowCount() == 3
    assert "3 of 6 features" in dock.count.text()
    dock.filter_edit.setText("stret LIKE '%Ave'")
    qtbot.keyClick(dock.filter_edit, Qt.Key.Key_Return)
    assert dock.problem.isVisible() and 'did you mean "street"' in dock.problem.text()
    assert dock.model().rowCount() == 3  # the last good filter stays


def test_copy_puts_selected_cells_on_the_clipboard(qtbot: Any, table_window: Any) -> None:
    dock = table_window.attribute_table
    dock.table.selectRow(2)
    dock.copy_selection()
    assert QGuiApplication.clipboard().text() == "status\tpriority\tstreet\nNULL\t2\tFore St"


def test_double_clicking_a_row_header_zooms_to_the_feature(qtbot: Any, table_window: Any) -> None:
    canvas = table_window.canvas
    dock = table_window.attribute_table
    dock.feature_activated.emit(4)  # fid 105, at PORTLAND + (400, 200)
    xmin, ymin, xmax, ymax = canvas.view.extent
    assert xmin < PORTLAND_X + 400 < xmax and ymin < PORTLAND_Y + 200 < ymax
    assert xmax - xmin < 1000  # street scale, not the whole city


def test_statistics_of_a_column(qtbot: Any, table_window: Any, messages: Any) -> None:
    table_window.attribute_table.statistics_requested.emit(1)
    (text,) = messages.texts("information")
    assert "NULL: 1" in text and "Minimum: 1" in text and "Maximum: 5" in text
    assert "Mean: 3" in text


def test_removing_the_layer_closes_its_table(qtbot: Any, table_window: Any) -> None:
    layer = table_window.attribute_table.model().layer
    table_window.project.layers.remove(layer)
    assert table_window.attribute_table.model() is None
    assert not table_window.attribute_table.isVisible()


def test_field_calculator_adds_a_virtual_field_to_the_table(qtbot: Any, table_window: Any) -> None:
    dock = table_window.attribute_table
    dock.field_calculator_requested.emit()
    dialog = table_window.attribute_table_controller.calculator
    assert dialog is not None and dialog.isVisible()
    dialog.expression.setPlainText("priorty * 10")
    assert 'did you mean "priority"' in dialog.problem.text()
    dialog.expression.setPlainText("priority * 10")
    assert dialog.preview.text() == "First features: 30, 10, 20, NULL, 50"
    dialog.name.setText("priority")
    dialog.accept()
    assert "already has a field" in dialog.problem.text() and dialog.isVisible()
    dialog.name.setText("score")
    dialog.accept()
    model = dock.model()
    assert "score" in model.fields
    assert cells(model, "score")[:4] == ["30", "10", "20", "NULL"]
    # The same name again updates the virtual field.
    table_window.attribute_table_controller.open_field_calculator(model.layer)
    again = table_window.attribute_table_controller.calculator
    again.name.setText("score")
    again.expression.setPlainText("priority + 1")
    again.accept()
    assert cells(dock.model(), "score")[:4] == ["4", "2", "3", "NULL"]


def test_cells_become_edit_requests_only_when_editable(incidents: VectorLayer) -> None:
    model = AttributeTableModel(incidents)
    requests: list[tuple[Any, str, Any]] = []
    model.edit_requested.connect(lambda fid, field, value: requests.append((fid, field, value)))
    cell = model.index(1, model.fields.index("status"))
    assert not model.flags(cell) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(cell, "open")
    model.set_editable(True)  # edit mode (the editing work turns requests into commands)
    assert model.flags(cell) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(cell, "open")
    assert requests == [(102, "status", "open")]
    assert incidents.data.loc[102, "status"] == "closed"  # the model never writes the layer


def test_a_filter_the_data_no_longer_fits_is_cleared_not_fatal(
    qtbot: Any, table_window: Any
) -> None:
    from mapdesk.core.virtual_fields import add_virtual_field, update_virtual_field

    dock = table_window.attribute_table
    layer = dock.model().layer
    add_virtual_field(layer, "score", "priority * 10")
    dock.filter_edit.setText("score > 25")
    qtbot.keyClick(dock.filter_edit, Qt.Key.Key_Return)
    assert dock.model().rowCount() == 3
    with qtbot.waitSignal(table_window.canvas.rendered, timeout=10000):
        update_virtual_field(layer, "score", "'x' || priority")  # now text: the filter breaks
    assert layer.virtual_fields["score"] == "'x' || priority"
    assert dock.model().rowCount() == 6 and dock.filter_edit.text() == ""
    assert "no longer fits" in dock.problem.text()


def test_a_huge_scattered_selection_is_counted_not_highlighted(qtbot: Any, window: Any) -> None:
    rows = 20_000
    frame = gpd.GeoDataFrame(
        {"n": np.arange(rows)},
        geometry=[Point(PORTLAND_X + i % 100, PORTLAND_Y + i // 100) for i in range(rows)],
        crs="EPSG:26984",
    )
    layer = VectorLayer(frame, "Many")
    window.project.add_layer(layer)
    window.layer_panel.select_layer(layer)
    window.map_actions.open_attribute_table.trigger()
    dock = window.attribute_table
    layer.select_by_expression("n % 2 = 0")  # 10,000 runs of one row: too many to highlight
    assert dock.selected_rows() == []
    assert "10,000 selected (scattered" in dock.count.text()
    dock.selected_only.setChecked(True)
    assert dock.model().rowCount() == 10_000
    layer.select_by_expression("n < 500")  # one run: highlighted again
    assert dock.selected_rows() == list(range(500))
    assert "scattered" not in dock.count.text()


def test_a_big_table_sorts_in_a_worker_and_a_newer_filter_wins(
    qtbot: Any, incidents: VectorLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mapdesk.ui.models import attribute_table

    monkeypatch.setattr(attribute_table, "BACKGROUND_SORT_ROWS", 2)
    model = AttributeTableModel(incidents)
    before = list(model.rows)
    with qtbot.waitSignal(model.sorted, timeout=5000):
        model.sort(model.fields.index("priority"), Qt.SortOrder.DescendingOrder)
        assert list(model.rows) == before  # the UI did not wait for the sort
    priorities = incidents.data["priority"].to_numpy()[model.rows]
    assert list(priorities[:-1]) == [5, 4, 3, 2, 1] and np.isnan(priorities[-1])  # NULL last
    # A filter applied while a sort runs is not undone by the sort's late
    # result; the filtered rows are re-sorted in the worker too.
    model.sort(model.fields.index("priority"), Qt.SortOrder.AscendingOrder)
    with qtbot.waitSignal(model.sorted, timeout=5000):
        model.set_filter("priority >= 3")
        assert list(incidents.data["priority"].to_numpy()[model.rows]) == [3, 5, 4]  # as is
    shown = list(model.rows)
    qtbot.wait(300)
    assert list(model.rows) == shown and len(shown) == model.rowCount()
    assert list(incidents.data["priority"].to_numpy()[model.rows]) == [3, 4, 5]
    model.close()


def test_filtering_a_big_sorted_table_re_sorts_in_the_worker(
    qtbot: Any, incidents: VectorLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing a filter on a sorted million-row table never sorts on the UI thread."""
    import threading

    from mapdesk.ui.models import attribute_table

    monkeypatch.setattr(attribute_table, "BACKGROUND_SORT_ROWS", 2)
    real_sort, sorting_threads = attribute_table.sorted_rows, []

    def spy(*args: Any) -> Any:
        sorting_threads.append(threading.current_thread())
        return real_sort(*args)

    monkeypatch.setattr(attribute_table, "sorted_rows", spy)
    model = AttributeTableModel(incidents)
    with qtbot.waitSignal(model.sorted, timeout=5000):
        model.sort(model.fields.index("street"), Qt.SortOrder.DescendingOrder)
    sorting_threads.clear()
    with qtbot.waitSignal(model.sorted, timeout=5000):
        model.set_filter("status = 'open' OR status = 'closed'")
    assert cells(model, "street") == ["Stevens Ave", "Forest Ave", "Congress St", "Brighton Ave"]
    with qtbot.waitSignal(model.sorted, timeout=5000):
        model.set_selected_only(False)  # the same rows again: sorted again, off the UI too
    assert sorting_threads and threading.main_thread() not in sorting_threads
    model.close()
