"""Fuzz CSV: byte mutants and generated tables with bad quoting, ragged rows and junk geometry."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import strategies as st

from tests.io.fuzz.harness import FuzzTarget, feed_byte_mutants, feed_examples, inputs_wanted
from tests.io.fuzz.seeds import CSV_SEED, CSV_WKT_SEED

pytestmark = pytest.mark.reliability

MAIN = "fuzz.csv"

HEADERS = [
    ["name", "longitude", "latitude"], ["id", "lon", "lat", "note"], ["x", "y"],
    ["Lat", "Lng", "Description"], ["wkt", "label"], ["id", "WKT", "geom", "WKT"],
    ["longitude", "longitude", "latitude"], ["", "", ""], ["a\"b", "lon", "lat"],
]  # fmt: skip
cells = st.one_of(
    st.sampled_from(
        [
            "-70.255", "43.657", "", "NaN", "inf", "-1e999", "1e308", "91", "-181", "0x1A",
            "43,657", "43.657.1", "POINT (-70.25 43.65)", "POINT (nan nan)", "POINT (",
            "POINT EMPTY", "LINESTRING (-70.26 43.656)", "POLYGON ((0 0, 1 1, 0 0))",
            "GEOMETRYCOLLECTION (POINT (1 2))",
            "MULTIPOINT ((1 2), (3", "POINT Z (1 2 3 4 5)", "SRID=4326;POINT (1 2)", "9" * 400,
            '"', '""', '"quoted, with comma"', "line\nbreak", "\x00", "\ufeff", "Œuvre", "\r",
        ]
    ),
    st.text(max_size=15),
)  # fmt: skip
tables = st.tuples(
    st.sampled_from(HEADERS),
    st.lists(st.lists(cells, min_size=0, max_size=6), min_size=0, max_size=8),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)


def build(table: tuple[list[str], list[list[str]], str, str, bool, str]) -> dict[str, bytes]:
    """The CSV text of a generated table: quoted or bare cells, ragged rows, one encoding."""
    header, rows, sep, newline, quote_all, encoding = table

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if quote_all else text

    lines = [sep.join(cell(c) for c in row) for row in [header, *rows]]
    return {MAIN: newline.join(lines).encode(encoding, errors="replace")}


def test_csv_survives_byte_mutations_and_junk_tables(tmp_path: Path) -> None:
    wanted = inputs_wanted()
    target = FuzzTarget(tmp_path, MAIN)
    fed = feed_examples(target, tables, build, wanted * 2 // 5)
    seeds = [{MAIN: CSV_SEED.encode()}, {MAIN: CSV_WKT_SEED.encode()}]
    feed_byte_mutants(target, seeds, ".csv", wanted - fed, [], seed=3)
    target.tally.record_and_check("CSV fuzz (built seeds)", wanted)
