"""UI test fixtures: offscreen Qt, recorded message boxes and dialogs, small projects."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from shapely.geometry import LineString, Point, Polygon

import mapdesk  # noqa: F401  (registers the file reader with Project)
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project

#: Portland City Hall area in NAD83 / Maine West (EPSG:26984), metres.
PORTLAND_X, PORTLAND_Y = 892_630.0, 91_540.0


@dataclass
class MessageLog:
    """Message boxes shown during a test, instead of blocking on them."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Yes

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind is None or k == kind]


@pytest.fixture(autouse=True)
def user_settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test gets empty settings in a temporary folder, never the user's own."""
    folder = tmp_path_factory.mktemp("settings")
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    return folder


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> MessageLog:
    """Every QMessageBox static call is recorded (and answered) instead of shown."""
    log = MessageLog()

    def recorder(kind: str) -> Callable[..., Any]:
        def show(_parent: Any, title: str, text: str, *_args: Any, **_kwargs: Any) -> Any:
            log.shown.append((kind, title, text))
            return log.answer if kind == "question" else QMessageBox.StandardButton.Ok

        return show

    for kind in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind))
    return log


@dataclass
class DialogLog:
    """Modal dialogs opened with exec(); ``handlers[ClassName](dialog)`` gives the result."""

    opened: list[QDialog] = field(default_factory=list)
    handlers: dict[str, Callable[[Any], int]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [type(d).__name__ for d in self.opened]


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogLog:
    """QDialog.exec never blocks a test: it is recorded and answered by a handler."""
    log = DialogLog()

    def fake_exec(self: QDialog) -> int:
        log.opened.append(self)
        handler = log.handlers.get(type(self).__name__)
        if handler is None:
            self.reject()
            return int(QDialog.DialogCode.Rejected.value)
        return handler(self)

    monkeypatch.setattr(QDialog, "exec", fake_exec)
    return log


def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"station_id": ["F1", "F2", "P1"], "name": ["Central Fire", "Bramhall", "Police HQ"]},
        geometry=[
            Point(PORTLAND_X, PORTLAND_Y),
            Point(PORTLAND_X - 1500, PORTLAND_Y - 400),
            Point(PORTLAND_X + 800, PORTLAND_Y + 900),
        ],
        crs="EPSG:26984",
    )


def _districts() -> gpd.GeoDataFrame:
    x, y = PORTLAND_X, PORTLAND_Y
    return gpd.GeoDataFrame(
        {"district": ["West", "East"]},
        geometry=[
            Polygon([(x - 3000, y - 2000), (x, y - 2000), (x, y + 2000), (x - 3000, y + 2000)]),
            Polygon([(x, y - 2000), (x + 3000, y - 2000), (x + 3000, y + 2000), (x, y + 2000)]),
        ],
        crs="EPSG:26984",
    )


def _roads() -> gpd.GeoDataFrame:
    x, y = PORTLAND_X, PORTLAND_Y
    return gpd.GeoDataFrame(
        {"St_Name": ["Congress", "Forest"]},
        geometry=[
            LineString([(x - 2500, y - 500), (x + 2500, y + 500)]),
            LineString([(x - 500, y - 1800), (x + 300, y + 1800)]),
        ],
        crs="EPSG:26984",
    )


@pytest.fixture
def portland_xy() -> tuple[float, float]:
    """Portland City Hall in EPSG:26984 (43.657 N, 70.258 W)."""
    return PORTLAND_X, PORTLAND_Y


@pytest.fixture
def stations() -> gpd.GeoDataFrame:
    """Three stations (points) around Portland in EPSG:26984."""
    return _stations()


@pytest.fixture
def small_project() -> Project:
    """Stations over roads over districts, in EPSG:26984 around Portland."""
    project = Project(crs="EPSG:26984")
    project.add_layer(VectorLayer(_districts(), "Districts"))
    project.add_layer(VectorLayer(_roads(), "Roads"))
    project.add_layer(VectorLayer(_stations(), "Stations"))
    return project


def _shown_window(qtbot: Any, project: Project, name: str) -> Iterator[Any]:
    """The main window on ``project``, shown offscreen after its first render; closed after."""
    from mapdesk.ui.app import create_main_window

    win = create_main_window(project, name=name)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.canvas.rendered, timeout=20000):
        win.show()
    yield win
    win.close()


@pytest.fixture
def window(qtbot: Any, small_project: Project) -> Iterator[Any]:
    """The main window on the small project, shown offscreen, first render done."""
    yield from _shown_window(qtbot, small_project, "Test project")


@pytest.fixture
def window_on(qtbot: Any) -> Iterator[Callable[[Project, str], Any]]:
    """``window_on(project, name)``: the main window on any project, shown offscreen after
    its first render; every window opened is closed after the test."""
    opened: list[Iterator[Any]] = []

    def open_window(project: Project, name: str = "Test project") -> Any:
        shown = _shown_window(qtbot, project, name)
        opened.append(shown)
        return next(shown)

    yield open_window
    for shown in opened:
        next(shown, None)


@pytest.fixture
def demo_project() -> Project:
    """The Greater Portland demo; the test *fails* when its GeoPackage is missing.

    The GeoPackage is committed: a missing one is a broken checkout, and a
    skip would hide the acceptance test that runs on it.
    """
    from mapdesk.core.errors import DataSourceError
    from mapdesk.io.demo import open_demo_project

    try:
        return open_demo_project()
    except DataSourceError as exc:
        pytest.fail(f"The committed demo GeoPackage could not be opened: {exc}")


@pytest.fixture
def demo_window(qtbot: Any, demo_project: Project) -> Iterator[Any]:
    """The main window on the demo, shown offscreen, first render done; unsaved edits
    rolled back before it closes (the demo file is never written)."""
    for win in _shown_window(qtbot, demo_project, "Demo"):
        yield win
        drop_edits(win)


@pytest.fixture
def feature_pixel() -> Callable[..., tuple[float, float]]:
    """``feature_pixel(view, layer, map_crs, row)``: where a point feature is drawn."""
    from mapdesk.core.crs import transform_xy

    def locate(view: Any, layer: VectorLayer, map_crs: Any, row: int) -> tuple[float, float]:
        point = layer.data.geometry.iloc[row]
        if point.geom_type != "Point":
            point = point.representative_point()
        x, y = transform_xy([point.x], [point.y], layer.crs, map_crs)
        px, py = view.to_screen(x, y)
        return float(px[0]), float(py[0])

    return locate


@pytest.fixture
def wheel() -> Callable[[QWidget, QPointF, int], None]:
    """Send a mouse-wheel event (angle in eighths of a degree; 120 = one notch)."""

    def send(widget: QWidget, pos: QPointF, angle: int) -> None:
        event = QWheelEvent(
            pos,
            widget.mapToGlobal(pos),
            QPoint(0, 0),
            QPoint(0, angle),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(widget, event)

    return send


def double_click(canvas: Any, pos: QPoint) -> None:
    """A real left double-click event at ``pos`` (qtbot has none)."""
    event = QMouseEvent(
        QMouseEvent.Type.MouseButtonDblClick,
        QPointF(pos),
        QPointF(canvas.mapToGlobal(pos)),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(canvas, event)


def edit_in_window(window: Any, path: Path, layer_name: str) -> VectorLayer:
    """Open ``layer_name`` of ``path`` in the window, make it current and switch on editing."""
    from mapdesk.io.loader import load_layer

    layer = load_layer(str(path), layer_name)
    window.project.add_layer(layer)
    window.layer_panel.select_layer(layer)
    window.map_actions.toggle_editing.trigger()
    assert layer.is_editing
    return layer


def drop_edits(window: Any) -> None:
    """Roll back unsaved edits: they would make the window fixture's close ask (and stay open)."""
    for layer in window.project.layers:
        if layer.is_modified:
            layer.rollback()
