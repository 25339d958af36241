"""Layer ▸ Add PostGIS Layer… and Layer ▸ Upload to PostGIS… against the real test server."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from mapdesk.io.registry import read_layer
from mapdesk.ui.dialogs.postgis_browser import PostgisLayerDialog
from mapdesk.ui.dialogs.postgis_connection import ConnectionBox
from mapdesk.ui.dialogs.postgis_upload import PostgisUploadDialog
from tests.support.postgis_fixtures import MemoryKeyring
from tests.support.postgis_server import ANALYST, DATABASE, ThrowAwayServer

pytestmark = pytest.mark.postgis
TIMEOUT = 20000
ACCEPTED = int(QDialog.DialogCode.Accepted.value)


def fill(box: ConnectionBox, server: ThrowAwayServer, password: str, save: bool) -> None:
    box.name.setText("City test")
    box.host.setText("127.0.0.1")
    box.port.setValue(server.port)
    box.database.setText(DATABASE)
    box.user.setText(ANALYST)
    box.password.setText(password)
    box.save_password.setChecked(save)


def all_text_under(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_tables_are_browsed_and_added_and_the_password_stays_in_the_keyring(
    window: Any,
    qtbot: Any,
    dialogs: Any,
    postgis_server: ThrowAwayServer,
    memory_keyring: MemoryKeyring,
    user_settings: Path,
    tmp_path: Path,
) -> None:
    listed: dict[str, list[str]] = {}

    def browse(dialog: PostgisLayerDialog) -> int:
        fill(dialog.connection_box, postgis_server, postgis_server.password, save=True)
        qtbot.mouseClick(dialog.connection_box.save_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.tables.topLevelItemCount() > 0, timeout=TIMEOUT)
        for i in range(dialog.tables.topLevelItemCount()):
            item = dialog.tables.topLevelItem(i)
            assert item is not None
            listed[f"{item.text(0)}.{item.text(1)}"] = [item.text(c) for c in range(6)]
        dialog.select_tables(["public.parcels", "utilities.hydrants"])
        assert dialog.add_button.isEnabled()
        return ACCEPTED

    dialogs.handlers["PostgisLayerDialog"] = browse
    assert window.postgis.add_action.shortcut().toString() == "Ctrl+Shift+D"
    window.postgis.add_action.trigger()
    qtbot.waitUntil(lambda: len(window.project.layers) == 5, timeout=TIMEOUT)

    parcels = listed["public.parcels"]
    assert parcels[2:4] == ["geom", "MultiPolygon"] and "26984" in parcels[4]
    assert parcels[5] == "3"  # PostgreSQL's estimate after ANALYZE
    assert listed["utilities.hydrants"][4].startswith("EPSG:4326")
    names = {layer.name for layer in window.project.layers}
    assert {"public.parcels", "utilities.hydrants"} <= names
    assert memory_keyring.passwords  # "Save password" put it in the keyring...
    for layer in [x for x in window.project.layers if x.origin is None]:
        window.project.remove_layer(layer)  # the test's in-memory layers cannot be saved
    project_file = tmp_path / "shared.mapdesk"
    window.project.save(project_file)
    # ...and nowhere else: not the settings (which keep the connection), not the project.
    settings_text = all_text_under(user_settings)
    assert "City%20test" in settings_text and f"port={postgis_server.port}" in settings_text
    assert postgis_server.password not in settings_text
    assert postgis_server.password not in project_file.read_text()
    assert "public.parcels" in project_file.read_text()


def test_test_connection_says_what_failed_without_the_password(
    qtbot: Any, postgis_server: ThrowAwayServer, memory_keyring: MemoryKeyring
) -> None:
    box = ConnectionBox(None)
    qtbot.addWidget(box)
    fill(box, postgis_server, "Wr0ng-Horse-9", save=False)
    box.test()
    assert "password authentication failed" in box.status.text()
    assert "Wr0ng-Horse-9" not in box.status.text()
    assert not memory_keyring.passwords  # not ticked: kept for the session only
    box.password.setText(postgis_server.password)
    box.test()
    assert box.status.text().startswith("Connected to") and "PostGIS 3" in box.status.text()


def _upload_handler(server: ThrowAwayServer, schema: str, table: str) -> Any:
    def answer(dialog: PostgisUploadDialog) -> int:
        fill(dialog.connection_box, server, server.password, save=False)
        dialog.schema.setText(schema)
        dialog.table.setText(table)
        return ACCEPTED

    return answer


def _exists(server: ThrowAwayServer, table: str) -> bool:
    with psycopg.connect(**server.admin_settings(), autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    return bool(row and row[0])


def test_the_current_layer_is_uploaded_in_a_worker(
    window: Any,
    qtbot: Any,
    dialogs: Any,
    postgis_server: ThrowAwayServer,
    upload_schema: str,
    memory_keyring: MemoryKeyring,
) -> None:
    stations = next(x for x in window.project.layers if x.name == "Stations")
    window.layer_panel.select_layer(stations)
    dialogs.handlers["PostgisUploadDialog"] = _upload_handler(
        postgis_server, upload_schema, "stations_gui"
    )
    window.postgis.upload_action.trigger()
    qtbot.waitUntil(lambda: window.postgis.last_upload is not None, timeout=TIMEOUT)
    assert window.postgis.last_upload.rows == 3
    assert "Uploaded 3 features" in window.status.currentMessage()
    back = read_layer(window.postgis.last_upload.uri).frame
    assert sorted(back["name"]) == ["Bramhall", "Central Fire", "Police HQ"]
    assert back.crs.to_epsg() == 26984


def test_a_cancelled_upload_leaves_no_table(
    window: Any,
    qtbot: Any,
    dialogs: Any,
    postgis_server: ThrowAwayServer,
    upload_schema: str,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mapdesk.ui.controllers import postgis

    started, release = threading.Event(), threading.Event()
    real = postgis.upload_layer

    def held(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(postgis, "upload_layer", held)
    stations = next(x for x in window.project.layers if x.name == "Stations")
    window.layer_panel.select_layer(stations)
    dialogs.handlers["PostgisUploadDialog"] = _upload_handler(
        postgis_server, upload_schema, "stations_cancelled"
    )
    window.postgis.upload_action.trigger()
    assert started.wait(10)
    window.status.cancel_button.click()
    release.set()
    assert window.workers.wait(TIMEOUT)
    assert window.postgis.last_upload is None
    assert "cancelled" in window.status.currentMessage()
    assert not _exists(postgis_server, f"{upload_schema}.stations_cancelled")
