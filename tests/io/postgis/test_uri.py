"""postgresql:// layer addresses: parsing, writing back, and never writing a password."""

from __future__ import annotations

import pytest

from mapdesk.core.data_uri import without_password
from mapdesk.core.errors import DataSourceError
from mapdesk.io.postgis import PgConnection, PostgisUri, TableName, is_postgis_uri
from mapdesk.io.postgis.connection import scrub
from mapdesk.io.postgis.passwords import keyring_key


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://editor@gis.portland.local:5432/city?table=public.parcels",
        "postgresql://editor@gis/city?table=utilities.hydrants&geometry=geom&sslmode=require",
        "postgresql:///city?table=public.parcels&service=gis_prod",
        "postgresql://editor@%2Fvar%2Frun%2FPostgreSQL:5433/city",
        "postgresql://editor@[::1]:5432/city?table=parcels",
        "postgresql://o%27brien@gis/city%20gis?table=public.Odd+Name",
    ],
)
def test_a_uri_survives_parse_and_format(text: str) -> None:
    parsed = PostgisUri.parse(text)
    assert PostgisUri.parse(parsed.format()) == parsed
    assert parsed.format() == PostgisUri.parse(parsed.format()).format()


def test_the_parts_are_read() -> None:
    uri = PostgisUri.parse(
        "postgresql://editor@gis.portland.local:5433/city?table=utilities.hydrants"
        "&geometry=geom&sslmode=verify-full"
    )
    assert uri.connection == PgConnection(
        host="gis.portland.local", port=5433, dbname="city", user="editor", sslmode="verify-full"
    )
    assert uri.table == TableName("utilities", "hydrants")
    assert uri.geometry == "geom"


def test_a_socket_folder_keeps_its_case() -> None:
    uri = PostgisUri.parse("postgresql://editor@%2Fvar%2Frun%2FPostgreSQL/city")
    assert uri.connection.host == "/var/run/PostgreSQL"


def test_a_table_without_schema_is_looked_for_everywhere() -> None:
    assert PostgisUri.parse("postgres://gis/city?table=parcels").table == TableName(None, "parcels")


def test_a_password_is_used_but_never_written_back() -> None:
    uri = PostgisUri.parse("postgresql://editor:Tr0ub4dor%26@gis/city?table=public.parcels")
    assert uri.password == "Tr0ub4dor&"
    assert "Tr0ub4dor" not in uri.format()
    assert "Tr0ub4dor" not in repr(uri)
    assert uri.format() == "postgresql://editor@gis/city?table=public.parcels"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("postgresql://editor:secret@gis:99999/city", "port"),
        ("postgresql://editor:secret@gis:port/city", "port"),
        ("postgresql://editor:secret@gis/city?sslmode=sometimes", "SSL mode"),
        ("postgresql://editor:secret@gis/city?tabel=parcels", "unknown setting tabel"),
        ("postgresql://editor:secret@gis/city?table=.parcels", "schema.table"),
    ],
)
def test_a_malformed_uri_is_refused_without_showing_the_password(text: str, complaint: str) -> None:
    with pytest.raises(DataSourceError, match=complaint) as caught:
        PostgisUri.parse(text)
    assert "secret" not in str(caught.value)
    assert "editor@gis" in str(caught.value)


def test_only_postgresql_addresses_are_postgis() -> None:
    assert is_postgis_uri("postgresql://gis/city")
    assert is_postgis_uri("POSTGRES://gis/city")
    assert not is_postgis_uri("https://gis/city")
    assert not is_postgis_uri("/data/postgresql/parcels.gpkg")


def test_core_drops_a_password_from_any_address() -> None:
    assert without_password("postgresql://ed:pw@gis/city") == "postgresql://ed@gis/city"
    assert without_password("postgresql://ed@gis/city") == "postgresql://ed@gis/city"
    assert without_password("postgresql://:pw@gis/city") == "postgresql://gis/city"


def test_scrub_removes_passwords_in_every_spelling() -> None:
    text = "password=hunter2 host=gis; postgresql://ed:hunter2@gis/city; password = 'a b'"
    assert "hunter2" not in scrub(text)
    assert "a b" not in scrub(text)
    assert "xyzzy" not in scrub("failed: xyzzy was wrong", "xyzzy")


def test_the_keyring_key_is_per_server_and_user() -> None:
    a = PgConnection(host="gis", port=5432, dbname="city", user="editor")
    b = PgConnection(host="gis", dbname="archive", user="editor")
    assert keyring_key(a) == keyring_key(b) == "editor@gis:5432"
    assert keyring_key(PgConnection(service="gis_prod", user="ed")) == "ed@service:gis_prod"
