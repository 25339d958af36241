"""Recovering a PostGIS layer's unsaved edits at start-up, in the window.

The crash is simulated as tests/ui/test_editing.py does for files: another
mapdesk journaled edits and died before saving (its pid counts as dead).
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from mapdesk.core.editing import journal as journal_module
from mapdesk.core.editing.journal import EditJournal
from mapdesk.core.layer import LayerOrigin, VectorLayer
from mapdesk.io.loader import load_layer
from tests.io.postgis.edit_tables import create_edit_table, table_rows
from tests.support.postgis_fixtures import MemoryKeyring
from tests.support.postgis_server import ThrowAwayServer, free_port

from .conftest import _stations

Button = QMessageBox.StandardButton
TIMEOUT = 20000


def _crash_with_edits(layer: VectorLayer, field: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another mapdesk changed ``field`` of features 1 and 2 of ``layer``, journaled, and died."""
    layer.start_editing()
    journal = EditJournal()
    journal.follow(layer)
    layer.change_attribute_value(1, field, "mine 1")
    layer.change_attribute_value(2, field, "mine 2")
    journal.close()
    monkeypatch.setattr(journal_module, "_running", lambda _pid: False)


@pytest.mark.postgis
def test_a_postgis_layers_edits_are_recovered_and_a_change_made_meanwhile_is_a_conflict(
    qtbot: Any,
    window: Any,
    messages: Any,
    dialogs: Any,
    postgis_server: ThrowAwayServer,
    city_uri: Any,
    analyst_password: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = create_edit_table(postgis_server)
    _crash_with_edits(load_layer(city_uri(table), None), "owner", monkeypatch)
    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as conn:
        conn.execute(f"UPDATE {table} SET owner = 'theirs', units = 7 WHERE asset_id = 1")

    messages.answer = Button.Yes
    assert window.editing.offer_recovery() == 1
    [question] = messages.texts("question")
    assert f"{table} (on 127.0.0.1:{postgis_server.port}/city): 2 features edited" in question
    qtbot.waitUntil(lambda: table in [lyr.name for lyr in window.project.layers], timeout=TIMEOUT)
    layer = window.layer_panel.current_layer()
    assert layer.name == table and layer.is_editing and layer.data.at[1, "owner"] == "mine 1"

    dialogs.handlers["SaveConflictsDialog"] = lambda _d: int(QDialog.DialogCode.Accepted.value)
    window.map_actions.save_edits.trigger()  # a conflict; "keep mine" (the default); saved
    qtbot.waitUntil(lambda: not layer.is_modified, timeout=TIMEOUT)
    assert dialogs.names() == ["SaveConflictsDialog"]
    assert [c.fid for c in dialogs.opened[0].conflicts] == [1]  # not 2: nobody else touched it
    rows = table_rows(postgis_server, table)
    assert [(r[2], r[3]) for r in rows[:2]] == [("mine 1", 7), ("mine 2", 2)]
    assert EditJournal().pending() == []


def test_edits_of_a_server_that_cannot_be_reached_are_kept_for_next_time(
    qtbot: Any,
    window: Any,
    messages: Any,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nobody = f"postgresql://analyst@127.0.0.1:{free_port()}/city?table=public.stations"
    origin = LayerOrigin(nobody, "public.stations", "PostGIS", "postgis")
    _crash_with_edits(VectorLayer(_stations(), "stations", origin=origin), "name", monkeypatch)

    messages.answer = Button.Yes
    assert window.editing.offer_recovery() == 1  # tried in a worker: the window stays usable
    qtbot.waitUntil(lambda: bool(messages.texts("warning")), timeout=TIMEOUT)
    [warning] = messages.texts("warning")
    assert "PostgreSQL analyst@127.0.0.1" in warning  # why: the server is named
    assert "stations (public.stations on 127.0.0.1" in warning  # which edits
    assert "offers them again when you next switch on editing" in warning
    [pending] = EditJournal().pending()  # not discarded
    assert pending.features == 2
    assert "stations" not in [layer.name for layer in window.project.layers]
