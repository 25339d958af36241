"""``self-check --gui``'s window check: the demo drawn in the real main window, or why not."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from mapdesk.core.errors import MapdeskError
from mapdesk.ui import startup_check
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.main_window import MainWindow
from mapdesk.ui.workers import report_exception


def test_the_demo_is_drawn_in_the_main_window(qtbot: QtBot) -> None:
    detail, problem = startup_check.check_main_window()
    assert problem == ""
    assert detail.startswith("Greater Portland demo: main window drew ")
    assert "of 14 layers" in detail


def failing_window(message: str) -> Any:
    """create_main_window, but the window reports an error in a message box once shown."""
    real = startup_check.create_main_window

    def create(*args: Any) -> MainWindow:
        window = real(*args)
        QTimer.singleShot(0, lambda: report_exception(MapdeskError(message), window))
        return window

    return create


def test_an_error_shown_in_a_message_box_fails_the_check_without_waiting_on_anyone(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        startup_check, "create_main_window", failing_window("Symbols.svg: the icon is damaged")
    )
    detail, problem = startup_check.check_main_window(timeout_s=30)
    assert detail == ""
    assert "Symbols.svg: the icon is damaged" in problem


def test_a_map_that_never_draws_fails_after_the_timeout(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MapCanvas, "_render_now", lambda self: None)  # drawing never starts
    detail, problem = startup_check.check_main_window(timeout_s=1.0)
    assert detail == ""
    assert problem == "the map was not drawn within 1 s"
