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

from mapdesk.export.check import KML_PLACEMARK_FIELDS
from mapdesk.export.formats import FORMATS
from mapdesk.export.vector import export_vector, plan_export
from mapdesk.io.loader import load_layer

#: Fields a KML reader adds to every placemark (not the layer's).
KML_STRUCTURE = {
    "id",
    "Name",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
}
RESERVED = {n.lower() for n in KML_STRUCTURE | {"geometry", "fid", "wkt", "ogc_fid"}}

KINDS = ("int32", "int64", "real", "bool", "text", "datetime", "date")

names = st.text(alphabet=string.ascii_lowercase + "_é", min_size=1, max_size=16).filter(
    lambda n: n[0] != "_" and n.lower() not in RESERVED
)
texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        st.sampled_from(" \t\r\n"),  # the white space formats trim or rewrite
    ),
    max_size=300,
)


def values(kind: str) -> st.SearchStrategy[Any]:
    present = {
        "int32": st.integers(-(2**31), 2**31 - 1),
        "int64": st.integers(-(2**63), 2**63 - 1),
        "real": st.floats(allow_nan=False, allow_infinity=False, width=64),
        "bool": st.booleans(),
        "text": texts,
        "datetime": st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)).map(
            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
        ),
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
            unique_by=lambda f: f[0].lower(),
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
        return pd.to_datetime(pd.Series(items, dtype=object)).astype("datetime64[ms]")
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
    if suffix == ".kml":
        out = out.rename(columns=KML_PLACEMARK_FIELDS)
        fields = [c for c in out.columns if c != out.geometry.name]
        if out[fields].isna().all().all():  # announced: no values, no fields
            out = out.drop(columns=fields)
    if suffix == ".fgb":
        for name in out.columns:
            if (
                name != out.geometry.name
                and all(
                    isinstance(v, dt.date) and not isinstance(v, dt.datetime)
                    for v in out[name].dropna()
                )
                and out[name].notna().any()
            ):
                out[name] = out[name].map(
                    lambda v: None if v is None else dt.datetime.combine(v, dt.time())
                )
    return out


def rows_of(frame: gpd.GeoDataFrame, fields: list[str]) -> list[tuple[Any, ...]]:
    geometries = shapely.normalize(np.asarray(frame.geometry.array, dtype=object))
    rows = []
    for index in range(len(frame)):
        cells = tuple(canonical(frame[name].iloc[index]) for name in fields)
        rows.append((geometries[index], cells))
    return rows


def assert_same(expected: gpd.GeoDataFrame, back: gpd.GeoDataFrame, suffix: str) -> None:
    fields = [c for c in expected.columns if c != expected.geometry.name]
    extra = set(back.columns) - set(fields) - {back.geometry.name}
    if suffix == ".kml":
        extra -= KML_STRUCTURE
    assert not extra, f"unannounced fields {extra}"
    assert len(back) == len(expected)
    assert back.crs == expected.crs
    want, got = rows_of(expected, fields), rows_of(back, fields)
    if suffix == ".fgb":  # FlatGeobuf stores features in its spatial index's order
        want.sort(key=lambda r: (r[0].wkb, repr(r[1])))
        got.sort(key=lambda r: (r[0].wkb, repr(r[1])))
    tolerance = 1e-7 if suffix == ".kml" else 1e-6
    for (want_geometry, want_cells), (got_geometry, got_cells) in zip(want, got, strict=True):
        assert shapely.equals_exact(want_geometry, got_geometry, tolerance=tolerance)
        assert got_cells == want_cells


@pytest.mark.parametrize("suffix", sorted(FORMATS))
@settings(
    max_examples=int(os.environ.get("MAPDESK_EXPORT_EXAMPLES", "15")),
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
    if suffix == ".gpkg":
        assert not result.plan.issues  # GeoPackage holds everything: nothing to announce
