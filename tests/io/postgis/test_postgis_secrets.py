"""Passwords: taken from the keyring, and never in a project file, log, message or export."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest

from mapdesk import Project
from mapdesk.cli import main
from mapdesk.core.errors import DataSourceError
from mapdesk.io.registry import list_layers, read_layer
from tests.support.postgis_server import ANALYST, DATABASE, ThrowAwayServer, free_port

pytestmark = pytest.mark.postgis


def with_password(uri: str, password: str) -> str:
    return uri.replace(f"{ANALYST}@", f"{ANALYST}:{password}@", 1)


def test_the_keyring_password_logs_in(city_uri: Any, analyst_password: str) -> None:
    assert len(read_layer(city_uri("public.parcels")).frame) == 3


def test_without_a_password_the_message_names_the_database(
    city_uri: Any, postgis_server: ThrowAwayServer
) -> None:
    with pytest.raises(DataSourceError) as caught:
        list_layers(city_uri())
    message = str(caught.value)
    assert f"{ANALYST}@127.0.0.1:{postgis_server.port}/{DATABASE}" in message
    assert "password" in message  # libpq: "no password supplied"


def test_a_wrong_password_is_not_repeated(city_uri: Any, postgis_server: ThrowAwayServer) -> None:
    with pytest.raises(DataSourceError) as caught:
        read_layer(with_password(city_uri("public.parcels"), "Wr0ngHorse"))
    assert "password authentication failed" in str(caught.value)
    assert "Wr0ngHorse" not in str(caught.value)


@pytest.mark.parametrize(
    ("place", "named"),
    [
        ("127.0.0.1:{free}/city", ["127.0.0.1", "city"]),
        ("no-such-host.invalid:5432/city", ["no-such-host.invalid", "city"]),
        ("127.0.0.1:{port}/no_such_db", ["127.0.0.1", "no_such_db"]),
    ],
)
def test_a_bad_server_or_database_is_named_without_the_password(
    place: str, named: list[str], postgis_server: ThrowAwayServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = postgis_server.password
    where = place.format(free=free_port(), port=postgis_server.port)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DataSourceError) as caught:
        read_layer(f"postgresql://{ANALYST}:{secret}@{where}?table=public.parcels")
    message = str(caught.value)
    assert all(part in message for part in named), message
    assert message.startswith("PostgreSQL ")
    assert secret not in message and secret not in caplog.text


def test_a_saved_project_keeps_the_address_but_not_the_password(
    city_uri: Any,
    postgis_server: ThrowAwayServer,
    memory_keyring: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = postgis_server.password
    caplog.set_level(logging.DEBUG)
    project = Project()
    project.add_layer(with_password(city_uri("public.parcels"), secret))
    saved = tmp_path / "shared.mapdesk"
    project.save(saved)
    text = saved.read_text(encoding="utf-8")
    assert secret not in text
    [entry] = json.loads(text)["layers"]
    assert entry["path"] == city_uri("public.parcels")

    # Reopened with the password in the keyring: the layer is back, read from the server.
    memory_keyring.set_password(
        "mapdesk-postgresql", f"{ANALYST}@127.0.0.1:{postgis_server.port}", secret
    )
    reopened = Project.open(saved)
    [layer] = list(reopened.layers)
    assert layer.unavailable is None and len(layer.data) == 3
    assert layer.name == "public.parcels"

    # Without it the layer waits, flagged, with a reason that names the database.
    memory_keyring.passwords.clear()
    [waiting] = list(Project.open(saved).layers)
    assert waiting.unavailable is not None and DATABASE in waiting.unavailable
    waiting_copy = tmp_path / "again.mapdesk"
    Project.open(saved).save(waiting_copy)
    assert json.loads(waiting_copy.read_text())["layers"][0]["path"] == entry["path"]
    for produced in tmp_path.rglob("*"):
        if produced.is_file():
            assert secret.encode() not in produced.read_bytes(), produced
    assert secret not in caplog.text


def test_the_cli_shows_no_password(
    city_uri: Any,
    postgis_server: ThrowAwayServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = postgis_server.password
    assert main(["info", with_password(city_uri(), secret)]) == 0
    shown = capsys.readouterr()
    assert "public.parcels" in shown.out and "Layer: utilities.hydrants" in shown.out
    assert shown.out.startswith(city_uri() + ":")
    assert secret not in shown.out + shown.err

    assert main(["info", "--json", with_password(city_uri("public.parcels"), secret)]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["layers"][0]["feature_count"] == 3
    assert described["layers"][0]["crs"]["epsg"] == 26984

    exported = tmp_path / "parcels.gpkg"
    source = with_password(city_uri("public.parcels"), secret)
    assert main(["export", "vector", source, "-o", str(exported)]) == 0
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    assert secret.encode() not in exported.read_bytes()

    assert main(["info", with_password(city_uri(), "Wr0ngHorse")]) != 0
    failed = capsys.readouterr().err
    assert "password authentication failed" in failed and "Wr0ngHorse" not in failed


def test_a_port_with_nothing_listening_fails_fast_and_clearly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with pytest.raises(DataSourceError, match=rf"127\.0\.0\.1:{port}/city: .*refused"):
            list_layers(f"postgresql://{ANALYST}:pw@127.0.0.1:{port}/city")


def test_exports_of_a_project_with_a_postgis_layer_hold_no_password(
    city_uri: Any, postgis_server: ThrowAwayServer, tmp_path: Path
) -> None:
    from mapdesk.export.qgis import export_qgis_project

    secret = postgis_server.password
    project = Project()
    project.add_layer(with_password(city_uri("utilities.hydrants"), secret))
    result = export_qgis_project(project, tmp_path / "shared.qgs")
    assert result.layers == ()
    assert "PostGIS layers are not written to QGIS projects yet" in result.warnings[0]
    assert secret not in (tmp_path / "shared.qgs").read_text(encoding="utf-8")
