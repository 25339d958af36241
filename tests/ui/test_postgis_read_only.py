"""Toggle Editing on a PostGIS table the role may not change: refused at once, not at Save."""

from __future__ import annotations

from typing import Any

import pytest

from mapdesk.core.layer import VectorLayer
from mapdesk.io.loader import load_layer
from tests.io.postgis.edit_tables import create_edit_table
from tests.support.postgis_server import ThrowAwayServer

pytestmark = pytest.mark.postgis
TIMEOUT = 20000


def toggle_editing_on(window: Any, address: str) -> VectorLayer:
    layer = load_layer(address, None)
    window.project.add_layer(layer)
    window.layer_panel.select_layer(layer)
    window.map_actions.toggle_editing.trigger()
    return layer


def test_a_read_only_table_is_refused_when_editing_starts(
    window: Any, qtbot: Any, messages: Any, city_uri: Any, analyst_password: str
) -> None:
    # The city's tables are read-only for the test's analyst role, as for a planner.
    layer = toggle_editing_on(window, city_uri("public.parcels"))
    qtbot.waitUntil(lambda: bool(messages.texts("information")), timeout=TIMEOUT)
    (text,) = messages.texts("information")
    assert text.startswith("public.parcels is read-only for your database role analyst")
    assert "no INSERT, UPDATE or DELETE privilege" in text
    assert not layer.is_editing
    assert not window.map_actions.toggle_editing.isChecked()
    assert not window.map_actions.save_edits.isEnabled()


def test_a_table_the_role_may_change_goes_into_edit_mode(
    window: Any,
    qtbot: Any,
    messages: Any,
    postgis_server: ThrowAwayServer,
    city_uri: Any,
    analyst_password: str,
) -> None:
    layer = toggle_editing_on(window, city_uri(create_edit_table(postgis_server)))
    qtbot.waitUntil(lambda: layer.is_editing, timeout=TIMEOUT)
    assert window.map_actions.toggle_editing.isChecked()
    assert messages.shown == []


def test_toggle_editing_pressed_again_during_the_check_asks_the_server_once(
    window: Any, qtbot: Any, messages: Any, city_uri: Any, analyst_password: str
) -> None:
    layer = toggle_editing_on(window, city_uri("public.parcels"))
    window.map_actions.toggle_editing.trigger()  # impatient: the answer is not back yet
    assert window.workers.wait()
    qtbot.waitUntil(lambda: bool(messages.texts("information")), timeout=TIMEOUT)
    qtbot.wait(50)  # a second check's answer would be delivered by now
    assert len(messages.texts("information")) == 1
    assert not layer.is_editing


def test_the_answer_for_a_layer_removed_meanwhile_is_dropped(
    window: Any, qtbot: Any, messages: Any, city_uri: Any, analyst_password: str
) -> None:
    layer = toggle_editing_on(window, city_uri("public.parcels"))
    window.project.remove_layer(layer)
    assert window.workers.wait()
    qtbot.wait(50)  # the answer is delivered, and dropped
    assert messages.shown == []
    assert not layer.is_editing
