"""Fuzz GeoPackage: SQLite byte and page mutants, and SQL-level mutants of its tables (row 1)."""

from __future__ import annotations

import contextlib
import math
import sqlite3
from pathlib import Path

import pytest
from hypothesis import strategies as st

from tests.io.fuzz.harness import FuzzTarget, feed_byte_mutants, feed_examples, inputs_wanted
from tests.io.fuzz.seeds import stations, written

pytestmark = pytest.mark.reliability

MAIN = "fuzz.gpkg"
TABLE = "fuzz"  # pyogrio names the layer after the file
#: SQLite header fields: page size, versions, reserved bytes, page count, freelist,
#: schema cookie and format, encoding, user version, application id ("GPKG").
SQLITE_HEADER = [16, 18, 19, 20, 21, 28, 32, 36, 40, 44, 48, 56, 60, 64, 68, 92, 96]

junk = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -1, 4326, 26984, 99999, 2**31, math.nan, math.inf, -1e308, "", "GEOMETRY"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=40),
)
COLUMNS = {
    "gpkg_contents": ["table_name", "data_type", "identifier", "min_x", "max_y", "srs_id"],
    "gpkg_geometry_columns": [
        "table_name", "column_name", "geometry_type_name", "srs_id", "z", "m",
    ],
    "gpkg_spatial_ref_sys": ["srs_id", "organization_coordsys_id", "definition", "srs_name"],
    TABLE: ["fid", "name", "flow_gpm", "pressure", "tested", "geom"],
}  # fmt: skip
updates = st.sampled_from(sorted(COLUMNS)).flatmap(
    lambda table: st.tuples(
        st.just("update"), st.just(table), st.sampled_from(COLUMNS[table]), junk
    )
)
deletes = st.tuples(
    st.sampled_from(["delete", "drop"]),
    st.sampled_from([*COLUMNS, f"rtree_{TABLE}_geom", "gpkg_extensions"]),
    st.none(),
    st.none(),
)
#: A blob header byte set to a value: magic "GP", version, flags (envelope code
#: in bits 1-3, empty bit 4, byte order bit 0), srs id, envelope, then the WKB.
blob_patch = st.tuples(
    st.just("blob"),
    st.integers(0, 60),
    st.sampled_from([0, 1, 0x0B, 0x0F, 0x10, 0x7F, 0xFF]),
    st.integers(1, 6),
)
statement = st.one_of(updates, deletes, blob_patch)


def mutate_database(seed: bytes, steps: list[tuple[object, object, object, object]]) -> bytes:
    """The seed GeoPackage after ``steps`` run by sqlite3 (steps SQLite refuses are skipped)."""
    db = sqlite3.connect(":memory:")  # in memory: no fsync per input
    try:
        db.deserialize(seed)
        # The R-tree triggers call GDAL's SQL functions, which plain sqlite3 lacks.
        triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (trigger,) in triggers:
            db.execute(f'DROP TRIGGER "{trigger}"')
        for kind, first, second, value in steps:
            # SQLite may refuse a step (a constraint, a table an earlier step dropped).
            with contextlib.suppress(sqlite3.Error):
                _apply(db, str(kind), first, second, value)
        db.commit()
        return db.serialize()
    finally:
        db.close()


def _apply(db: sqlite3.Connection, kind: str, first: object, second: object, value: object) -> None:
    if kind == "update":
        db.execute(f'UPDATE "{first}" SET "{second}" = ?', (value,))
    elif kind == "delete":
        db.execute(f'DELETE FROM "{first}"')
    elif kind == "drop":
        db.execute(f'DROP TABLE "{first}"')
    else:  # a geometry blob's header byte
        offset, byte, fid = int(str(first)), int(str(second)), int(str(value))
        row = db.execute(f"SELECT geom FROM {TABLE} WHERE fid = ?", (fid,)).fetchone()
        if row and isinstance(row[0], bytes) and offset < len(row[0]):
            blob = bytearray(row[0])
            blob[offset] = byte
            db.execute(f"UPDATE {TABLE} SET geom = ? WHERE fid = ?", (bytes(blob), fid))


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Six hydrants with text, integer, real and date fields, in DELETE journal mode."""
    members = written(stations(), tmp_path_factory.mktemp("gpkg-seed"), MAIN)
    return members[MAIN]


def test_geopackage_survives_byte_page_and_sql_mutations(tmp_path: Path, seed: bytes) -> None:
    wanted = inputs_wanted()
    target = FuzzTarget(tmp_path, MAIN)
    steps = st.lists(statement, min_size=1, max_size=4)
    fed = feed_examples(target, steps, lambda s: {MAIN: mutate_database(seed, s)}, wanted * 2 // 5)
    feed_byte_mutants(target, [{MAIN: seed}], ".gpkg", wanted - fed, SQLITE_HEADER, seed=5)
    target.tally.record_and_check("GeoPackage fuzz (built seeds)", wanted)
