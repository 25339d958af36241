"""The Incident Analysis panel on the demo: filters, time slider, counts and duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from PySide6.QtCore import QDate, Qt

from mapdesk.core.analysis.incident_places import OUTSIDE
from mapdesk.core.analysis.incidents import IncidentFields, IncidentFilter, incident_dates
from mapdesk.ui.controllers.incident_analysis import IncidentAnalysisController
from mapdesk.ui.views.incident_panel import IncidentPanel

NOW = pd.Timestamp("2026-11-01T12:00Z")


@pytest.fixture
def analysis(qtbot: Any, demo_window: Any) -> Iterator[tuple[IncidentPanel, Any]]:
    """The panel docked in the demo window, its controller, first analysis done."""
    panel = IncidentPanel(demo_window)
    demo_window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    controller = IncidentAnalysisController(
        panel,
        demo_window.project,
        demo_window.canvas,
        demo_window.workers,
        demo_window.status,
        demo_window,
    )
    controller.now = NOW
    qtbot.waitUntil(lambda: controller.answer is not None, timeout=20000)
    yield panel, controller
    controller.shutdown()


def _wait_for_new_answer(qtbot: Any, controller: Any) -> Any:
    old = controller.answer
    qtbot.waitUntil(
        lambda: controller.answer is not old and controller.answer is not None, timeout=20000
    )
    return controller.answer


def _table(table: Any) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_the_fixit_layer_is_chosen_and_everything_passes_at_first(analysis: Any) -> None:
    panel, controller = analysis
    assert panel.objectName() == "incidentPanel" and panel.windowTitle() == "Incident Analysis"
    assert panel.toggleViewAction().text() == "Incident Analysis"
    assert controller.layer.name == "FixIt incidents"
    assert panel.layer_combo.currentText() == "FixIt incidents"
    assert len(controller.answer.rows) == 5000
    assert panel.statuses.checked_values() == {"closed", "open", "acknowledged"}
    assert "Reports: 5,000   Open: 156" in panel.statistics.text()
    assert "5,000 of 5,000" in panel.summary.text()


def test_filter_changes_counts(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    layer = controller.layer
    panel.statuses.set_checked(frozenset({"open", "acknowledged"}))
    answer = _wait_for_new_answer(qtbot, controller)
    assert len(answer.rows) == answer.statistics.count == answer.statistics.open_count == 156
    panel.categories.set_checked(frozenset({"Pothole"}))
    answer = _wait_for_new_answer(qtbot, controller)
    expected = IncidentFilter(
        categories=frozenset({"Pothole"}), statuses=frozenset({"open", "acknowledged"})
    ).rows(layer.data, IncidentFields.of(layer.data))
    assert answer.rows.tolist() == expected.tolist()
    assert f"{len(expected):,} of 5,000" in panel.summary.text()
    assert [row[0] for row in _table(panel.category_table)] == ["Pothole"]
    panel.statuses.set_checked(frozenset({"open", "acknowledged", "closed"}))
    panel.start_date.setDate(QDate(2026, 1, 1))
    panel.end_date.setDate(QDate(2026, 1, 31))
    answer = _wait_for_new_answer(qtbot, controller)
    january = IncidentFilter(
        categories=frozenset({"Pothole"}), start="2026-01-01", end="2026-02-01"
    ).rows(layer.data, IncidentFields.of(layer.data))
    assert answer.rows.tolist() == january.tolist() and 0 < len(january) < len(expected) + 200


def _step_fids(layer: Any, step: Any) -> list[Any]:
    dates = incident_dates(layer.data["requested_datetime"])
    return layer.data.index[(dates >= step.start) & (dates < step.end)].tolist()


def _shown_fids(layer: Any) -> list[Any] | None:
    rows = layer.shown_rows()
    return None if rows is None else layer.data.index[rows].tolist()


def test_time_slider_steps_change_what_the_map_draws(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    layer, canvas = controller.layer, controller._canvas
    layer.selection.apply([1, 2])  # the user's own selection is left alone throughout
    assert panel.show_on_map.isChecked()  # on by default
    assert _shown_fids(layer) is None  # every report passes: nothing hidden
    panel.step_unit.setCurrentIndex(panel.step_unit.findData("month"))
    answer = _wait_for_new_answer(qtbot, controller)
    assert len(answer.steps) == 24 and panel.slider.maximum() == 23
    panel.time_group.setChecked(True)
    shown = []
    for position in (0, 5):
        step = answer.steps[position]
        with qtbot.waitSignal(canvas.rendered, timeout=10000) as drawn:
            panel.slider.setValue(position)
        expected = _step_fids(layer, step)
        assert _shown_fids(layer) == expected
        [snapshot] = [s for s in drawn.args[0].layers if s.layer is layer]
        assert layer.data.index[snapshot.shown].tolist() == expected  # what the canvas drew
        assert panel.step_label.text() == f"{step.label}: {len(expected):,} reports"
        assert layer.display_filter.reason == f"Incident Analysis time slider: {step.label}"
        assert layer.selected_fids == {1, 2}
        shown.append(frozenset(expected))
    assert shown[0] != shown[1] and not shown[0] & shown[1]
    panel.play_button.setChecked(True)  # Play animates the map, step by step
    assert panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: panel.slider.value() == 6, timeout=5000)
    assert _shown_fids(layer) == _step_fids(layer, answer.steps[6])
    panel.play_button.setChecked(False)
    panel.time_group.setChecked(False)
    assert _shown_fids(layer) is None and layer.selected_fids == {1, 2}


def test_the_map_draws_only_reports_passing_the_filter(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    layer = controller.layer
    panel.statuses.set_checked(frozenset({"open"}))
    answer = _wait_for_new_answer(qtbot, controller)
    assert len(layer.shown_rows()) == 77 and layer.shown_rows().tolist() == answer.rows.tolist()
    assert layer.display_filter.reason == "Incident Analysis filter"
    panel.show_on_map.setChecked(False)  # every report on the map again
    assert layer.shown_rows() is None
    panel.show_on_map.setChecked(True)
    assert len(layer.shown_rows()) == 77
    panel.select_shown.click()  # the shown reports become the selection on request
    assert layer.selection.count == 77


def test_closing_the_panel_or_removing_the_layer_shows_every_report(
    qtbot: Any, demo_window: Any, analysis: Any
) -> None:
    panel, controller = analysis
    layer = controller.layer
    panel.statuses.set_checked(frozenset({"open"}))
    _wait_for_new_answer(qtbot, controller)
    assert layer.display_filter.active
    panel.close()
    assert not layer.display_filter.active
    panel.show()
    assert len(layer.shown_rows()) == 77
    demo_window.project.remove_layer(layer)
    assert not layer.display_filter.active and controller.layer is not layer


def test_show_all_features_in_the_layer_panel_unticks_the_box(qtbot: Any, analysis: Any) -> None:
    from mapdesk.ui.controllers.layer_panel import show_all_features

    panel, controller = analysis
    layer = controller.layer
    panel.time_group.setChecked(True)
    assert layer.display_filter.active
    show_all_features(layer)
    assert not panel.show_on_map.isChecked() and not layer.display_filter.active
    panel.slider.setValue(3)  # the next step does not put the filter back
    assert not layer.display_filter.active


def test_shutdown_gives_the_map_every_report_back(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    panel.time_group.setChecked(True)
    assert controller.layer.display_filter.active
    controller.shutdown()
    assert not controller.layer.display_filter.active


def test_counts_per_polygon_table_adds_up(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    panel.polygon_combo.setCurrentText("Police boundaries")
    answer = _wait_for_new_answer(qtbot, controller)
    assert panel.label_combo.currentText() == "DsplayName"
    rows = _table(panel.counts_table)
    assert rows[-1][0] == OUTSIDE
    assert sum(int(r[1]) for r in rows) == 5000
    assert sum(int(r[1]) for r in rows[:-1]) == 5000 - answer.counts[-1].count
    assert rows[0][0] == "Portland Police Department"
    assert [bar[1] for bar in panel.chart.bars] == [int(r[1]) for r in rows]
    panel.statuses.set_checked(frozenset({"open"}))
    _wait_for_new_answer(qtbot, controller)
    assert sum(int(r[1]) for r in _table(panel.counts_table)) == 77


def test_a_duplicates_row_selects_and_zooms_to_its_reports(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    layer, canvas = controller.layer, controller._canvas
    groups = controller.answer.duplicates
    assert panel.duplicates.count() == len(groups) > 0
    before = canvas.view.extent
    panel.duplicates.setCurrentRow(1)
    assert layer.selected_fids == set(groups[1].fids)
    assert canvas.view.extent != before
    xmin, _ymin, xmax, _ymax = canvas.view.extent
    assert xmax - xmin < 2000  # zoomed in to the pair, not the city
    panel.distance.setValue(1.0)
    answer = _wait_for_new_answer(qtbot, controller)
    assert len(answer.duplicates) < len(groups) and panel.duplicates.count() == len(
        answer.duplicates
    )


def test_stale_answers_are_dropped(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    controller.analyse()
    first = controller._generation
    panel.statuses.set_checked(frozenset({"closed"}))
    controller.analyse()  # a newer question before the first answer arrives
    answer = _wait_for_new_answer(qtbot, controller)
    assert answer.generation == controller._generation > first
    assert answer.statistics.count == 4844


def test_a_closed_panel_analyses_when_it_is_shown_again(qtbot: Any, analysis: Any) -> None:
    panel, controller = analysis
    panel.hide()
    panel.statuses.set_checked(frozenset({"open"}))
    controller.analyse()
    old = controller.answer
    assert controller._waiting and controller.answer is old
    panel.show()
    answer = _wait_for_new_answer(qtbot, controller)
    assert answer.statistics.count == 77


def test_density_view_draws_the_reports_as_a_heatmap_and_gives_their_style_back(
    qtbot: Any, analysis: tuple[IncidentPanel, Any]
) -> None:
    from mapdesk.core.heatmap import Heatmap

    panel, controller = analysis
    layer = controller.layer
    before = layer.symbology  # the city's status colours
    assert panel.density_view.isEnabled() and not panel.density_view.isChecked()
    panel.density_view.click()
    assert layer.symbology == Heatmap()
    assert controller.parent_widget().legend_panel.entries()[0] == f"{layer.name} — heatmap"
    panel.density_view.click()
    assert layer.symbology is before  # exactly what it had, not a rebuilt copy


def test_density_view_follows_styles_chosen_meanwhile(
    qtbot: Any, analysis: tuple[IncidentPanel, Any], demo_window: Any
) -> None:
    from mapdesk.core.heatmap import Heatmap
    from mapdesk.core.symbology import SingleSymbol

    panel, controller = analysis
    layer = controller.layer
    before = layer.symbology
    panel.density_view.click()
    layer.symbology = Heatmap(radius=15.0)  # the user tunes the heatmap in the dialog
    assert panel.density_view.isChecked()
    panel.density_view.click()
    assert layer.symbology is before
    panel.density_view.click()
    assert layer.symbology == Heatmap(radius=15.0)  # the tuned heatmap comes back
    mine = SingleSymbol()
    layer.symbology = mine  # the user picks another style while the view is on
    assert not panel.density_view.isChecked()
    assert layer.symbology is mine  # not clobbered
    dialog = demo_window.styles.open_dialog(layer)  # a heatmap chosen in the dialog...
    dialog.kind.setCurrentIndex(dialog.kind.findData("heatmap"))
    dialog.accept()
    assert panel.density_view.isChecked()  # ...ticks the box
    panel.density_view.click()
    assert layer.symbology is mine  # and unticking goes back to the style before it


def test_an_edit_keeps_the_filter_the_time_slider_and_what_the_map_shows(
    qtbot: Any, analysis: tuple[IncidentPanel, Any]
) -> None:
    # Triage: the open reports of 2026, a month at a time; closing one in the
    # attribute table must not send the panel and the map back to every report.
    panel, controller = analysis
    layer = controller.layer
    panel.statuses.set_checked(frozenset({"open", "acknowledged"}))
    panel.start_date.setDate(QDate(2026, 1, 1))
    panel.step_unit.setCurrentIndex(panel.step_unit.findData("month"))
    answer = _wait_for_new_answer(qtbot, controller)
    panel.time_group.setChecked(True)
    panel.slider.setValue(len(answer.steps) - 1)
    before = _shown_fids(layer)
    assert before  # some open reports that month
    layer.start_editing()
    try:
        layer.change_attribute_value(before[0], "status", "closed")
        assert _shown_fids(layer) == before  # the map waits for the panel's new count
        _wait_for_new_answer(qtbot, controller)
        assert panel.statuses.checked_values() == {"open", "acknowledged"}
        assert panel.start_date.date() == QDate(2026, 1, 1)
        assert panel.time_group.isChecked() and panel.slider.value() == len(answer.steps) - 1
        assert _shown_fids(layer) == before[1:]  # the closed one leaves the map
    finally:
        layer.rollback(stop_editing=True)
