"""The fast layer read (ADBC's driver, streams in parallel) gives what the session's reader gives.

The session's binary-COPY reader is the reference: every type, NULLs, keyed
and keyless tables, a box, and a large table split into page ranges read at
once must come out equal, frame, types and row versions. The streams share
one snapshot: rows another editor updates during a load are read once, as
they were when it began. A read the driver cannot do is done by the session.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pytest

from mapdesk.core.editing.versions import row_versions
from mapdesk.io.postgis import arrow_read
from mapdesk.io.postgis.where import in_box
from mapdesk.io.registry import read_layer
from tests.io.postgis.two_readers import assert_same_read, read_by_both
from tests.support.postgis_server import ThrowAwayServer

pytestmark = pytest.mark.postgis

_ROWS = 3_000


@pytest.fixture
def in_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table counts as large, and is read by three streams."""
    monkeypatch.setattr(arrow_read, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(arrow_read, "stream_count", lambda: 3)


@pytest.mark.parametrize(
    "table",
    [
        "public.parcels",  # numeric, jsonb, timestamptz, NULLs, a NULL geometry
        "utilities.hydrants",  # a bigint key, WGS 84
        "public.trails",  # no key: numbered 1..n
        "public.survey_marks",  # an untyped geometry column
        "public.address_points",  # 5,000 rows
        "public.planned_sites",  # empty
    ],
)
def test_the_fast_read_equals_the_sessions_read(
    city_uri: Any, analyst_password: str, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=arrow_read.__name__):
        fast, reference = read_by_both(city_uri(table))
    assert not caplog.records  # the driver did the read, not the fallback
    assert_same_read(fast, reference)


def test_every_type_reads_the_same(every_type: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=arrow_read.__name__):
        fast, reference = read_by_both(every_type)
    assert not caplog.records
    assert_same_read(fast, reference)
    assert pd.isna(fast["stamp"].loc[3])  # infinity: pandas cannot hold it


@pytest.mark.usefixtures("in_parallel")
@pytest.mark.parametrize("table", ["public.address_points", "public.trails", "public.parcels"])
def test_streams_in_parallel_read_what_one_stream_reads(
    city_uri: Any, analyst_password: str, table: str
) -> None:
    fast, reference = read_by_both(city_uri(table))
    assert_same_read(fast, reference)


def test_a_box_reads_the_same(city_uri: Any, analyst_password: str) -> None:
    fast, reference = read_by_both(
        city_uri("public.address_points"), lambda plan: in_box("geom", (100, 0, 900, 5000), 26984)
    )
    assert 0 < len(fast) < 5_000
    assert_same_read(fast, reference)


@pytest.fixture
def busy_table(postgis_server: ThrowAwayServer, upload_schema: str, city_uri: Any) -> str:
    """uploads.busy_parcels: 3,000 keyed rows, each with its own value."""
    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as conn:
        conn.execute(
            "DROP TABLE IF EXISTS uploads.busy_parcels;"
            "CREATE TABLE uploads.busy_parcels (id integer PRIMARY KEY, owner text,"
            " geom geometry(Point, 26984));"
            "INSERT INTO uploads.busy_parcels SELECT n, 'owner ' || n,"
            f" ST_SetSRID(ST_MakePoint(n, n), 26984) FROM generate_series(1, {_ROWS}) n;"
            "GRANT SELECT ON uploads.busy_parcels TO analyst"
        )
    return str(city_uri(f"{upload_schema}.busy_parcels"))


@pytest.mark.usefixtures("in_parallel")
def test_rows_updated_during_a_parallel_read_are_read_once_as_they_were(
    busy_table: str, analyst_password: str, postgis_server: ThrowAwayServer, monkeypatch: Any
) -> None:
    # Another editor rewrites the first 500 rows (their new versions land on the
    # last pages, another stream's range) after the read began, before any stream ran.
    fetch, done, lock = arrow_read._Streams._fetch, [], threading.Lock()

    def edited_meanwhile(*args: Any) -> Any:
        with lock:
            if not done:
                with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as other:
                    other.execute("UPDATE uploads.busy_parcels SET owner = 'moved' WHERE id <= 500")
                done.append(True)
        return fetch(*args)

    monkeypatch.setattr(arrow_read._Streams, "_fetch", edited_meanwhile)
    frame = read_layer(busy_table).frame
    assert done
    assert len(frame) == _ROWS and frame.index.is_unique
    assert frame["owner"].loc[1] == "owner 1" and "moved" not in set(frame["owner"])
    monkeypatch.undo()
    assert (read_layer(busy_table).frame["owner"] == "moved").sum() == 500


def test_a_read_the_driver_cannot_do_is_done_by_the_session(
    city_uri: Any, analyst_password: str, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> Any:
        raise OSError(f"driver failed, password={analyst_password}")

    monkeypatch.setattr(arrow_read._Streams, "_fetch", broken)
    with caplog.at_level(logging.WARNING, logger=arrow_read.__name__):
        frame = read_layer(city_uri("public.address_points")).frame
    assert len(frame) == 5_000 and row_versions(frame) is not None
    assert "reading through the session" in caplog.text
    assert analyst_password not in caplog.text


def test_text_columns_are_joined_with_64_bit_offsets() -> None:
    # One column of a big table may hold more than 2 GiB of text: joining its
    # chunks (to sort by key, to make one frame) needs 64-bit offsets.
    chunked = pa.table({"fid": [2, 1], "owner": ["b", "a"]})
    wide = arrow_read._large(pa.concat_tables([chunked, chunked]))
    assert wide.schema.field("owner").type == pa.large_string()
    assert wide.column("owner").to_pylist() == ["b", "a", "b", "a"]
    assert wide.schema.field("fid").type == pa.int64()


def test_row_versions_are_read_from_the_drivers_4_byte_xids() -> None:
    raw = pa.array([(7).to_bytes(4, "big"), (2**32 - 1).to_bytes(4, "big"), (9).to_bytes(4, "big")])
    sliced = pa.chunked_array([raw.slice(1), raw.slice(0, 1)])
    assert arrow_read._xids(sliced).tolist() == [2**32 - 1, 9, 7]
