"""Add PostGIS Layer…: loading only the map's view, or a filter, of a table (the real server)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from mapdesk.core.errors import ExpressionError
from mapdesk.core.expression import matches, parse
from mapdesk.core.project import Project
from mapdesk.io.postgis.uri import Bbox
from mapdesk.io.registry import read_layer
from mapdesk.ui import loading
from mapdesk.ui.dialogs.postgis_browser import PostgisLayerDialog
from mapdesk.ui.dialogs.postgis_part import TablePart
from tests.support.postgis_fixtures import MemoryKeyring
from tests.support.postgis_server import ANALYST, ThrowAwayServer
from tests.ui.conftest import PORTLAND_X, PORTLAND_Y
from tests.ui.test_postgis_gui import all_text_under, fill

pytestmark = pytest.mark.postgis
TIMEOUT = 20000
ACCEPTED = int(QDialog.DialogCode.Accepted.value)
REJECTED = int(QDialog.DialogCode.Rejected.value)
GRID = "uploads.view_grid"
SIDE = 10  # a 10 x 10 grid of points, 400 m apart, centred on City Hall


@pytest.fixture(scope="module")
def view_grid(postgis_server: ThrowAwayServer, upload_schema: str) -> str:
    """``uploads.view_grid``: 100 points over the small project's city, with attributes."""
    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as conn:
        conn.execute(
            f"""
            DROP TABLE IF EXISTS {GRID};
            CREATE TABLE {GRID} (id integer PRIMARY KEY, units integer, ward text,
                                 geom geometry(Point, 26984));
            INSERT INTO {GRID}
            SELECT i * {SIDE} + j + 1, (i * 3 + j) % 7,
                   CASE WHEN i >= {SIDE // 2} THEN 'East' ELSE 'West' END,
                   ST_SetSRID(ST_MakePoint({PORTLAND_X} - 1800 + 400 * i,
                                           {PORTLAND_Y} - 1800 + 400 * j), 26984)
            FROM generate_series(0, {SIDE - 1}) AS i, generate_series(0, {SIDE - 1}) AS j;
            CREATE INDEX ON {GRID} USING gist (geom);
            GRANT SELECT ON {GRID} TO {ANALYST};
            ANALYZE {GRID};
            """  # type: ignore[arg-type]  # a fixed script, no user text
        )
    return GRID


def add_postgis_layer(
    window: Any,
    dialogs: Any,
    answer: Callable[[PostgisLayerDialog], int],
) -> None:
    """Layer ▸ Add PostGIS Layer… answered by ``answer``; its failed asserts fail the test
    (the action's slot would otherwise report them in a message box and go on)."""
    errors: list[BaseException] = []

    def checked(dialog: PostgisLayerDialog) -> int:
        try:
            return answer(dialog)
        except Exception as exc:
            errors.append(exc)
            return REJECTED

    dialogs.handlers["PostgisLayerDialog"] = checked
    window.postgis.add_action.trigger()
    if errors:
        raise errors[0]


def browse(
    qtbot: Any, server: ThrowAwayServer, choose: Callable[[PostgisLayerDialog], int]
) -> Callable[[PostgisLayerDialog], int]:
    """A dialog handler: connect, list, select the grid, then ``choose`` the part."""

    def answer(dialog: PostgisLayerDialog) -> int:
        fill(dialog.connection_box, server, server.password, save=True)
        qtbot.mouseClick(dialog.connection_box.save_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.tables.topLevelItemCount() > 0, timeout=TIMEOUT)
        dialog.select_tables([GRID])
        return choose(dialog)

    return answer


@pytest.fixture
def add_grid(
    window: Any, qtbot: Any, dialogs: Any, postgis_server: ThrowAwayServer, view_grid: str
) -> Callable[[Callable[[PostgisLayerDialog], int]], None]:
    """``add_grid(choose)``: Add PostGIS Layer… on the grid, its part chosen by ``choose``."""
    return lambda choose: add_postgis_layer(window, dialogs, browse(qtbot, postgis_server, choose))


def added(window: Any, qtbot: Any, name: str) -> Any:
    qtbot.waitUntil(lambda: name in [x.name for x in window.project.layers], timeout=TIMEOUT)
    return next(x for x in window.project.layers if x.name == name)


def test_in_view_loads_what_the_core_read_of_the_views_bbox_gives(
    window: Any, qtbot: Any, add_grid: Any, analyst_password: str, city_uri: Any
) -> None:
    # The canvas over the south-west quarter of the city.
    quarter = (PORTLAND_X - 2000, PORTLAND_Y - 2000, PORTLAND_X, PORTLAND_Y)
    window.canvas.set_view(window.canvas.view.fitted(quarter, margin=0.0))

    def in_view(dialog: PostgisLayerDialog) -> int:
        assert dialog.part_box.in_view.isEnabled()
        dialog.part_box.in_view.click()
        assert dialog.add_button.isEnabled()
        return ACCEPTED

    add_grid(in_view)
    layer = added(window, qtbot, f"{GRID} (in view)")

    view = Bbox(*window.canvas.view.extent, "EPSG:26984")
    expected = read_layer(city_uri(GRID, bbox=str(view))).frame
    whole = read_layer(city_uri(GRID)).frame
    assert 0 < len(expected) < len(whole) == SIDE * SIDE
    assert sorted(layer.data.index) == sorted(expected.index)
    assert layer.origin.path.endswith(f"&bbox={view}")
    assert "Added 1 layer from uploads.view_grid (in view)" in window.status.currentMessage()


def test_a_filter_loads_what_the_evaluator_selects_and_the_choice_is_remembered(
    window: Any, qtbot: Any, dialogs: Any, add_grid: Any, analyst_password: str, city_uri: Any
) -> None:
    expression = "\"units\" >= 3 AND ward = 'East'"

    def filtered(dialog: PostgisLayerDialog) -> int:
        assert dialog.part_box.whole.isChecked()  # a new session starts with the whole table
        dialog.part_box.filtered.click()
        qtbot.keyClicks(dialog.part_box.where, expression)
        qtbot.waitUntil(dialog.add_button.isEnabled, timeout=TIMEOUT)  # fields read, checked
        fields = [dialog.part_box.fields.itemText(i) for i in range(dialog.part_box.fields.count())]
        assert {"units", "ward"} <= set(fields)  # offered for the expression
        return ACCEPTED

    add_grid(filtered)
    layer = added(window, qtbot, f"{GRID} (filtered)")

    whole = read_layer(city_uri(GRID)).frame
    expected = whole[matches(expression, whole)]
    assert 0 < len(expected) < len(whole)
    assert sorted(layer.data.index) == sorted(expected.index)

    seen: list[TablePart] = []

    def reopened(dialog: PostgisLayerDialog) -> int:
        seen.append(dialog.part())
        return REJECTED

    add_postgis_layer(window, dialogs, reopened)
    assert seen == [TablePart(in_view=False, filtered=True, where=expression)]


def test_an_invalid_filter_disables_add_with_the_parsers_message(
    qtbot: Any, dialogs: Any, add_grid: Any, memory_keyring: MemoryKeyring
) -> None:
    def typo(dialog: PostgisLayerDialog) -> int:
        box = dialog.part_box
        box.filtered.click()
        qtbot.keyClicks(box.where, '"units" >')
        with pytest.raises(ExpressionError) as parsed:
            parse('"units" >')
        assert not dialog.add_button.isEnabled()
        assert box.problem.text() == str(parsed.value) and "^" in box.problem.text()
        box.where.setText('"unitz" > 2')  # valid syntax, but the table has no such field
        qtbot.waitUntil(lambda: "Unknown field" in box.problem.text(), timeout=TIMEOUT)
        assert 'Unknown field "unitz"' in box.problem.text()
        assert not dialog.add_button.isEnabled()
        box.where.setText('"units" > 2')
        qtbot.waitUntil(dialog.add_button.isEnabled, timeout=TIMEOUT)
        assert box.problem.text() == ""
        return REJECTED

    add_grid(typo)
    assert dialogs.names() == ["PostgisLayerDialog"]


def test_in_view_is_disabled_with_a_tip_when_the_map_shows_nothing(window: Any) -> None:
    for layer in window.project.layers:
        layer.visible = False
    view = window.postgis.map_view()
    assert view.bbox is None and "shows nothing" in view.why_not
    dialog = PostgisLayerDialog(None, window, view, TablePart(in_view=True))
    assert not dialog.part_box.in_view.isEnabled()
    assert dialog.part_box.in_view.toolTip() == view.why_not
    assert dialog.part_box.whole.isChecked()


def test_the_saved_project_reopens_the_same_part_without_the_password(
    window: Any,
    qtbot: Any,
    add_grid: Any,
    postgis_server: ThrowAwayServer,
    memory_keyring: MemoryKeyring,
    user_settings: Path,
    tmp_path: Path,
) -> None:
    east = (PORTLAND_X, PORTLAND_Y - 2000, PORTLAND_X + 2000, PORTLAND_Y + 2000)
    window.canvas.set_view(window.canvas.view.fitted(east, margin=0.0))

    def both(dialog: PostgisLayerDialog) -> int:
        dialog.part_box.in_view.click()
        dialog.part_box.filtered.click()
        dialog.part_box.where.setText('"units" < 4')
        qtbot.waitUntil(dialog.add_button.isEnabled, timeout=TIMEOUT)
        return ACCEPTED

    add_grid(both)
    layer = added(window, qtbot, f"{GRID} (in view, filtered)")
    for other in [x for x in window.project.layers if x.origin is None]:
        window.project.remove_layer(other)  # the test's in-memory layers cannot be saved
    project_file = tmp_path / "partial.mapdesk"
    window.project.save(project_file)

    [reopened] = list(Project.open(project_file).layers)
    assert reopened.name == layer.name
    assert reopened.origin.path == layer.origin.path
    assert sorted(reopened.data.index) == sorted(layer.data.index)
    assert 0 < len(layer.data) < SIDE * SIDE
    assert postgis_server.password not in project_file.read_text()
    assert postgis_server.password not in all_text_under(user_settings)


def test_a_partial_load_shows_progress_and_cancel_drops_it(
    window: Any,
    qtbot: Any,
    add_grid: Any,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, release = threading.Event(), threading.Event()
    real = loading.read_user_layer

    def held(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "read_user_layer", held)

    def in_view(dialog: PostgisLayerDialog) -> int:
        dialog.part_box.in_view.click()
        return ACCEPTED

    before = [x.name for x in window.project.layers]
    add_grid(in_view)
    assert started.wait(10)
    status = window.status
    qtbot.waitUntil(lambda: "view_grid (in view)" in status.task_label.text(), timeout=TIMEOUT)
    assert not status.task_progress.isHidden() and not status.cancel_button.isHidden()
    status.cancel_button.click()
    release.set()
    assert window.workers.wait(TIMEOUT)
    qtbot.wait(50)  # any late result would arrive now
    assert [x.name for x in window.project.layers] == before
    assert status.currentMessage() == "Loading uploads.view_grid (in view) was cancelled"
