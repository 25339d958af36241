"""Keyboard navigation on the canvas, as in QGIS: arrows pan, +/-/PgUp/PgDn zoom."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

KEY_PANS = [
    # key, map units the centre moves per view width/height (a quarter view)
    (Qt.Key.Key_Left, (-0.25, 0.0)),
    (Qt.Key.Key_Right, (0.25, 0.0)),
    (Qt.Key.Key_Up, (0.0, 0.25)),
    (Qt.Key.Key_Down, (0.0, -0.25)),
]
KEY_ZOOMS = [
    (Qt.Key.Key_Plus, 2.0),
    (Qt.Key.Key_Equal, 2.0),  # "+" without Shift on a US keyboard
    (Qt.Key.Key_PageUp, 2.0),
    (Qt.Key.Key_Minus, 0.5),
    (Qt.Key.Key_PageDown, 0.5),
]


def _rendered_for_current_view(qtbot: Any, canvas: Any) -> None:
    with qtbot.waitSignal(
        canvas.rendered, timeout=10_000, check_params_cb=lambda s: s.view == canvas.view
    ):
        pass


@pytest.mark.parametrize(("key", "shift"), KEY_PANS)
def test_arrow_keys_pan_a_quarter_view_and_render_it(
    qtbot: Any, window: Any, key: Qt.Key, shift: tuple[float, float]
) -> None:
    canvas = window.canvas
    canvas.setFocus()
    before = canvas.view
    x0, y0, x1, y1 = before.extent
    qtbot.keyClick(canvas, key)
    after = canvas.view
    assert after.resolution == before.resolution
    assert after.center_x - before.center_x == pytest.approx(shift[0] * (x1 - x0))
    assert after.center_y - before.center_y == pytest.approx(shift[1] * (y1 - y0))
    _rendered_for_current_view(qtbot, canvas)
    assert canvas._image_view == after


@pytest.mark.parametrize(("key", "factor"), KEY_ZOOMS)
def test_zoom_keys_zoom_about_the_centre_and_render_it(
    qtbot: Any, window: Any, key: Qt.Key, factor: float
) -> None:
    canvas = window.canvas
    before = canvas.view
    qtbot.keyClick(canvas, key)
    after = canvas.view
    assert after.resolution == pytest.approx(before.resolution / factor)
    assert (after.center_x, after.center_y) == pytest.approx((before.center_x, before.center_y))
    _rendered_for_current_view(qtbot, canvas)


def test_keypad_plus_and_minus_zoom_too(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    before = canvas.view
    qtbot.keyClick(canvas, Qt.Key.Key_Plus, Qt.KeyboardModifier.KeypadModifier)
    assert canvas.view.resolution == pytest.approx(before.resolution / 2)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.KeypadModifier)
    assert canvas.view.resolution == pytest.approx(before.resolution)


def test_held_arrow_pans_on_every_repeat_and_renders_once(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    before = canvas.view
    renders: list[Any] = []
    canvas.rendered.connect(renders.append)
    for _ in range(4):
        qtbot.keyPress(canvas, Qt.Key.Key_Right)
    qtbot.keyRelease(canvas, Qt.Key.Key_Right)
    x0, _y0, x1, _y1 = before.extent
    assert canvas.view.center_x - before.center_x == pytest.approx(x1 - x0)  # 4 quarters
    _rendered_for_current_view(qtbot, canvas)
    assert len(renders) == 1  # the debounce folds the steps into one render


def test_keys_reach_the_canvas_in_the_main_window(qtbot: Any, window: Any) -> None:
    canvas = window.canvas
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus, timeout=2_000)
    before = canvas.view
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_PageUp)
    assert canvas.view.resolution == pytest.approx(before.resolution / 2)


def test_escape_clears_the_highlight(qtbot: Any, window: Any) -> None:
    from shapely.geometry import Point

    canvas = window.canvas
    canvas.set_highlight([Point(canvas.view.center_x, canvas.view.center_y)])
    assert canvas.highlight is not None
    before = canvas.view
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.highlight is None and canvas.view == before
