"""Exports read back equal to the layer, except for what the pre-export check announced.

Hypothesis makes layers with every kind of field (names that clash once cut to
ten bytes, long and accented text, 64-bit IDs, NULLs everywhere) and writes
each to every format. What mapdesk reads back must equal the layer with only
the announced changes applied (``ExportPlan.prepared`` plus what the format
itself does and the check says: KML's placemark name, FlatGeobuf's dates as
midnight date-times): zero unannounced differences.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import string
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from mapdesk.export.check_names import KML_STRUCTURE
from mapdesk.export.formats import FORMATS
from mapdesk.export.vector import export_vector, plan_export
from mapdesk.io.csv_reader import typed_column
from mapdesk.io.loader import load_layer

#: Names pandas or mapdesk's reader keep for themselves (not the export's business).
RESERVED = {"geometry", "fid", "ogc_fid"}

KINDS = ("int32", "int64", "real", "bool", "text", "datetime", "date")

names = st.one_of(
    st.text(alphabet=string.ascii_letters + "_é", min_size=1, max_size=16),
    # Names formats keep for themselves: KML's placemark fields, CSV's geometry column.
    st.sampled_from(["name", "Name", "description", "begin", "Visibility", "id", "WKT", "icon"]),
).filter(lambda n: n[0] != "_" and n.lower() not in RESERVED)
texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        st.sampled_from(" \t\r\n\x00\x07"),  # white space formats trim, NUL, a control
    ),
    max_size=300,
)


def values(kind: str) -> st.SearchStrategy[Any]:
    present = {
        "int32": st.integers(-(2**31), 2**31 - 1),
        "int64": st.integers(-(2**63), 2**63 - 1),
        "real": st.floats(allow_nan=False, width=64),
        "bool": st.booleans(),
        "text": texts,
        "datetime": st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
        "date": st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    }[kind]
    return st.one_of(st.none(), present)


@st.composite
def layers(draw: st.DrawFn, family: str | None = None) -> gpd.GeoDataFrame:
    fields = draw(
        st.lists(
            st.tuples(names, st.sampled_from(KINDS)),
            min_size=1,
            max_size=5,
            unique_by=lambda f: f[0],  # names may differ only in case
        )
    )
    rows = draw(st.integers(1, 5))
    columns = {
        name: _column(kind, draw(st.lists(values(kind), min_size=rows, max_size=rows)))
        for name, kind in fields
    }
    kind = family or draw(st.sampled_from(["points", "lines", "polygons"]))
    geometry = [draw(_geometry(kind)) for _ in range(rows)]
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:26919")


def _column(kind: str, items: list[Any]) -> Any:
    if kind == "int32":
        return pd.array(items, dtype="Int32")
    if kind == "int64":
        return pd.array(items, dtype="Int64")
    if kind == "real":
        return pd.array([np.nan if v is None else v for v in items], dtype="float64")
    if kind == "bool":
        return pd.array(items, dtype="boolean")
    if kind == "datetime":
        return pd.to_datetime(pd.Series(items, dtype=object)).astype("datetime64[us]")
    return pd.Series(items, dtype=object)


def _geometry(kind: str) -> st.SearchStrategy[Any]:
    x = st.floats(390_000, 406_000)
    y = st.floats(4_827_000, 4_843_000)
    if kind == "points":
        return st.builds(Point, x, y)
    if kind == "lines":
        return st.builds(lambda a, b, c, d: LineString([(a, b), (c, d)]), x, y, x, y)
    return st.builds(
        lambda a, b, w, h: Polygon([(a, b), (a + w, b), (a + w, b + h), (a, b + h)]),
        x,
        y,
        st.floats(1, 500),
        st.floats(1, 500),
    )


# ------------------------------------------------------------------ comparing


def canonical(value: Any) -> Any:
    """A value as information, whatever type a format read it back as."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("number", value)
    if isinstance(value, float):
        exact = value.is_integer() and abs(value) <= 2**53
        return ("number", int(value) if exact else value)
    if isinstance(value, dt.datetime):
        return ("text", value.replace(tzinfo=None).isoformat())
    if isinstance(value, dt.date):
        return ("text", value.isoformat())
    return ("text", str(value))


def expected_frame(frame: gpd.GeoDataFrame, suffix: str) -> gpd.GeoDataFrame:
    """The layer as the announced export changes it, in the CRS it is written in."""
    moved, plan = plan_export(frame, Path(f"layer{suffix}"))
    out = plan.prepared(moved)
    if suffix == ".csv":  # announced: texts that all look like numbers read as numbers
        for name in plan.read_as_numbers:
            written = plan.renames.get(name, name)
            texts = ["" if pd.isna(v) else str(v) for v in out[written]]
            out[written] = typed_column(texts).to_numpy()
    if suffix == ".kml":
        read_back = plan.read_back_names.items()
        out = out.rename(columns={plan.renames.get(k, k): v for k, v in read_back})
    return out


def rows_of(frame: gpd.GeoDataFrame, fields: list[str]) -> list[tuple[Any, ...]]:
    geometries = shapely.normalize(np.asarray(frame.geometry.array, dtype=object))
    rows = []
    for index in range(len(frame)):
        cells = tuple(canonical(frame[name].iloc[index]) for name in fields)
        rows.append((geometries[index], cells))
    return rows


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})T00:00:00$")


def _days(row: tuple[Any, tuple[Any, ...]]) -> tuple[Any, tuple[Any, ...]]:
    def day(cell: Any) -> Any:
        if isinstance(cell, tuple) and cell[0] == "text" and (m := _MIDNIGHT.match(cell[1])):
            return ("text", m.group(1))
        return cell

    return row[0], tuple(day(cell) for cell in row[1])


def assert_same(expected: gpd.GeoDataFrame, back: gpd.GeoDataFrame, suffix: str) -> None:
    fields = [c for c in expected.columns if c != expected.geometry.name]
    extra = set(back.columns) - set(fields) - {back.geometry.name}
    if suffix == ".kml":
        extra = {name for name in extra if name.lower() not in KML_STRUCTURE}
    assert not extra, f"unannounced fields {extra}"
    assert len(back) == len(expected)
    assert back.crs == expected.crs
    want, got = rows_of(expected, fields), rows_of(back, fields)
    if suffix in (".fgb", ".geojson"):  # announced: dates may come back at midnight
        want, got = [_days(row) for row in want], [_days(row) for row in got]
    if suffix == ".fgb":  # FlatGeobuf stores features in its spatial index's order
        want.sort(key=lambda r: (r[0].wkb, repr(r[1])))
        got.sort(key=lambda r: (r[0].wkb, repr(r[1])))
    tolerance = 1e-7 if suffix == ".kml" else 1e-6
    for (want_geometry, want_cells), (got_geometry, got_cells) in zip(want, got, strict=True):
        assert shapely.equals_exact(want_geometry, got_geometry, tolerance=tolerance)
        assert got_cells == want_cells


def assert_announced(frame: gpd.GeoDataFrame, suffix: str) -> None:
    """Every field the export changes (name or any value) is named by an issue of the check."""
    moved, plan = plan_export(frame, Path(f"layer{suffix}"))
    prepared = plan.prepared(moved)
    announced = {issue.field for issue in plan.issues}
    for name in moved.columns:
        if name == moved.geometry.name:
            continue
        if name in plan.dropped:
            assert name in announced, f"'{name}' left out unannounced"
            continue
        written = plan.renames.get(name, name)
        before = [canonical(v) for v in moved[name]]
        after = [canonical(v) for v in prepared[written]]
        if written != name or before != after:
            assert name in announced, f"'{name}' changes unannounced: {before} -> {after}"


@pytest.mark.parametrize("suffix", sorted(FORMATS))
@settings(
    max_examples=int(os.environ.get("MAPDESK_EXPORT_EXAMPLES", "15")),
    # The same examples on every machine: a CI run must not fail on a draw
    # no other run has seen (set MAPDESK_EXPORT_EXAMPLES higher to search).
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=layers())
def test_export_reads_back_with_only_announced_changes(
    tmp_path: Path, suffix: str, frame: gpd.GeoDataFrame
) -> None:
    path = tmp_path / f"export{suffix}"
    result = export_vector(frame, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = load_layer(str(path), None).data
    assert result.features == len(frame)
    assert_same(expected_frame(frame, suffix), back, suffix)
    assert_announced(frame, suffix)
    if suffix == ".gpkg":  # beyond these three, GeoPackage holds every value as it is
        allowed = ("not case-sensitive", "whole milliseconds", "NUL characters")
        assert all(any(a in i.message for a in allowed) for i in result.plan.issues)


@pytest.mark.parametrize("suffix", [".gpkg", ".fgb", ".geojson"])
def test_date_times_before_1970_keep_their_fraction_of_a_second(
    tmp_path: Path, suffix: str
) -> None:
    """GDAL's Arrow writer rounds 1969-01-01 00:00:59.001 up to 00:01:00; the
    export must write what the layer holds (found by the property test above)."""
    stamps = pd.to_datetime(
        ["1969-01-01 00:00:59.001", "1969-07-20 20:17:40.5", "2026-11-26 09:30:00.0"]
    )
    frame = gpd.GeoDataFrame(
        {"DateUpdate": stamps}, geometry=[Point(390_000, 4_827_000)] * 3, crs="EPSG:26919"
    )
    target = tmp_path / f"early{suffix}"
    export_vector(frame, target)
    back = load_layer(str(target), None).data["DateUpdate"]
    if back.dt.tz is not None:
        back = back.dt.tz_localize(None)
    assert list(back) == list(stamps)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_dates_before_1677_export_too(tmp_path: Path, suffix: str) -> None:
    """Deeds and founding dates predate what nanoseconds can count (1677-09-21)."""
    stamps = pd.Series(
        np.array(["1600-05-01T00:00:00", "1632-01-01T12:30:00.250"], dtype="datetime64[ms]")
    )
    frame = gpd.GeoDataFrame(
        {"Recorded": stamps}, geometry=[Point(390_000, 4_827_000)] * 2, crs="EPSG:26919"
    )
    target = tmp_path / f"deeds{suffix}"
    export_vector(frame, target)
    back = load_layer(str(target), None).data["Recorded"]
    if back.dt.tz is not None:
        back = back.dt.tz_localize(None)
    assert [str(v) for v in back] == ["1600-05-01 00:00:00", "1632-01-01 12:30:00.250000"]


@pytest.mark.parametrize("suffix", [".geojson", ".shp", ".kml"])
def test_infinite_decimals_are_written_as_no_value_in_a_number_field(
    tmp_path: Path, suffix: str
) -> None:
    """A decimal field holding NULL, 0.0 and infinity, beside a date-time before
    1970 with a fraction of a second (which makes GDAL's classic writer do the
    writing): the infinity is announced and written as no value, and the field
    stays a number field, never the text '0.0' (found by the property test above)."""
    frame = gpd.GeoDataFrame(
        {
            "DateUpdate": pd.to_datetime([None, None, "1969-01-01 00:00:00.001"]),
            "Depth": [np.nan, 0.0, np.inf],
        },
        geometry=[Point(390_000, 4_827_000)] * 3,
        crs="EPSG:26919",
    )
    target = tmp_path / f"manholes{suffix}"
    result = export_vector(frame, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = load_layer(str(target), None).data["Depth"]
    assert pd.api.types.is_float_dtype(back.dtype)
    assert [None if pd.isna(v) else v for v in back] == [None, 0.0, None]
    messages = [issue.message for issue in result.plan.issues if issue.field == "Depth"]
    assert any("1 infinite number written as no value" in m for m in messages), messages


@pytest.mark.parametrize("suffix", [".fgb", ".gpkg"])
def test_roads_sharing_a_bounding_box_export(tmp_path: Path, suffix: str) -> None:
    """Two streets crossing corner to corner of a block have the same bounds, and
    FlatGeobuf stores features in its index's order, which does not keep ties in
    file order. The check of the written file matched features by bounds alone
    and refused the demo's road centrelines."""
    streets, names = [], []
    for block in range(300):
        x, y = 390_000 + 100 * (block % 20), 4_827_000 + 100 * (block // 20)
        streets += [LineString([(x, y), (x + 90, y + 90)]), LineString([(x, y + 90), (x + 90, y)])]
        names += [f"{block} north-east", f"{block} south-east"]
    order = np.random.default_rng(7).permutation(len(streets))
    frame = gpd.GeoDataFrame(
        {"FullName": [names[i] for i in order]},
        geometry=[streets[i] for i in order],
        crs="EPSG:26919",
    )
    target = tmp_path / f"crossings{suffix}"
    export_vector(frame, target)
    back = load_layer(str(target), None).data
    by_name = dict(zip(back["FullName"], back.geometry, strict=True))
    assert all(by_name[name].equals(street) for name, street in zip(names, streets, strict=True))
