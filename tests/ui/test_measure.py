"""Measure Line and Measure Area on the map: the panel reads the figures."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt


def _click_path(qtbot: Any, canvas: Any, points: list[QPoint]) -> None:
    for point in points:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=points[-1])


def test_measure_line_shows_segments_and_total(qtbot: Any, window: Any) -> None:
    canvas, panel = window.canvas, window.measure_panel
    window.map_actions.measure_line.trigger()
    assert panel.isVisible() and canvas.map_tool.name == "measure_line"
    panel.ellipsoidal.setChecked(False)
    assert panel.length_unit.currentText() == "m"  # Maine West is in metres
    _click_path(qtbot, canvas, [QPoint(100, 100), QPoint(200, 100), QPoint(200, 200)])
    resolution = canvas.view.resolution
    assert panel.segments.count() == 2
    expected = 200 * resolution
    assert panel.total.text() == f"Total: {expected:,.1f} m"
    panel.length_unit.setCurrentText("ft")  # the figures follow the unit at once
    assert panel.total.text() == f"Total: {expected / 0.3048:,.1f} ft"
    panel.ellipsoidal.setChecked(True)
    ground = float(panel.total.text().split()[1].replace(",", ""))
    assert abs(ground - expected / 0.3048) / (expected / 0.3048) < 5e-4


def test_measure_area_and_esc_clears(qtbot: Any, window: Any) -> None:
    canvas, panel = window.canvas, window.measure_panel
    window.map_actions.measure_area.trigger()
    panel.ellipsoidal.setChecked(False)
    _click_path(
        qtbot, canvas, [QPoint(100, 100), QPoint(200, 100), QPoint(200, 200), QPoint(100, 200)]
    )
    side = 100 * canvas.view.resolution
    assert panel.area.text() == f"Area: {side * side:,.1f} m²"
    assert panel.total.text().startswith("Perimeter:")
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert panel.segments.count() == 0 and panel.total.text() == "Perimeter: 0.0 m"
