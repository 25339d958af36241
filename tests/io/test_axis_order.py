"""RELIABILITY.md row 8: axis order and CRS through every export and import path.

Known places (Portland City Hall, Paris, Helsinki, Wellington...) are
projected into twelve CRSs, exported by mapdesk's own writer in every format
and read back through the reader sandbox (the path Add Layer and the CLI
take); back in WGS 84 they must land where they started.

The twelve CRSs, and why each:

- EPSG:4326, EPSG:4269: WGS 84 and NAD83, both latitude-first in EPSG's
  definition (the GDAL 3 trap); NAD83 is what state and federal data use.
- OGC:CRS84: WGS 84 declared longitude-first, as GeoJSON and GeoParquet mean it.
- EPSG:3857: web tiles, the city's basemaps.
- EPSG:26919, EPSG:6348, EPSG:32619: UTM 19N on NAD83, NAD83(2011) and WGS 84,
  the zone Portland lies in.
- EPSG:26984, EPSG:26848: NAD83 / Maine West in metres (the project default)
  and in US survey feet (the units trap).
- EPSG:3879, EPSG:2193, EPSG:3035: projected CRSs whose EPSG axis order is
  northing first (gdal#1974), each with places in its area of use.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from mapdesk.cli import main
from mapdesk.core.crs import WGS84, parse_crs, transform_xy
from mapdesk.core.errors import DataSourceError
from mapdesk.export.vector import export_vector
from mapdesk.io.loader import load_user_layer
from mapdesk.io.registry import read_layer
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

#: Control points, longitude first.
PLACES = {
    "Portland City Hall": (-70.2568, 43.6591),
    "Portland Head Light": (-70.2079, 43.6231),
    "Maine State House": (-69.7817, 44.3072),
    "Paris": (2.3522, 48.8566),
    "Helsinki": (24.9384, 60.1699),
    "Vantaa": (24.9633, 60.3172),
    "Wellington": (174.7762, -41.2865),
    "Auckland": (174.7633, -36.8485),
}
MAINE = ("Portland City Hall", "Portland Head Light", "Maine State House")
WORLD = (*MAINE, "Paris", "Helsinki", "Wellington")
#: Each CRS with control points inside its area of use.
CRS_PLACES = {
    "EPSG:4326": WORLD,
    "EPSG:4269": MAINE,
    "OGC:CRS84": WORLD,
    "EPSG:3857": WORLD,
    "EPSG:26919": MAINE,
    "EPSG:6348": MAINE,
    "EPSG:32619": MAINE,
    "EPSG:26984": MAINE,
    "EPSG:26848": MAINE,
    "EPSG:3879": ("Helsinki", "Vantaa"),
    "EPSG:2193": ("Wellington", "Auckland"),
    "EPSG:3035": ("Paris", "Helsinki"),
}
FORMATS = (".gpkg", ".shp", ".geojson", ".kml", ".fgb", ".parquet", ".csv")
TOLERANCE_DEG = 1e-9
#: PROJ 9.5's inverse Lambert azimuthal equal-area (EPSG:3035) is itself good
#: to 3.4e-9° (0.4 mm), in memory, before any file is written; the files add
#: nothing to that (see ``test_files_add_no_error_to_the_projection``).
PROJECTION_TOLERANCE_DEG = {"EPSG:3035": 5e-9}


def _places_in(code: str) -> gpd.GeoDataFrame:
    names = CRS_PLACES[code]
    lon, lat = np.array([PLACES[n] for n in names]).T
    x, y = transform_xy(lon, lat, WGS84, parse_crs(code))
    return gpd.GeoDataFrame({"site": list(names)}, geometry=shapely.points(x, y), crs=code)


def _lonlat(frame: gpd.GeoDataFrame, names: tuple[str, ...]) -> np.ndarray:
    """The frame's points for ``names`` (files may reorder them), as lon/lat."""
    ordered = frame.set_index("site").loc[list(names)]
    xs, ys = shapely.get_x(ordered.geometry.array), shapely.get_y(ordered.geometry.array)
    lon, lat = transform_xy(xs, ys, ordered.crs, WGS84)
    return np.column_stack([lon, lat])


def _expected(names: tuple[str, ...]) -> np.ndarray:
    return np.array([PLACES[n] for n in names])


def test_control_points_survive_every_crs_and_format(tmp_path: Path) -> None:
    errors: dict[tuple[str, str], float] = {}
    failed: list[str] = []
    for code, names in CRS_PLACES.items():
        frame = _places_in(code)
        for suffix in FORMATS:
            folder = tmp_path / f"{code.replace(':', '_')}{suffix.replace('.', '_')}"
            folder.mkdir()
            path = folder / f"places{suffix}"
            try:
                export_vector(frame, path)
                read = load_user_layer(str(path), None).data
                errors[code, suffix] = float(np.abs(_lonlat(read, names) - _expected(names)).max())
            except Exception as exc:  # counted and named below, never hidden
                failed.append(f"{code} {suffix}: {type(exc).__name__}: {exc}")
    too_far = {
        key: err
        for key, err in errors.items()
        if not err <= PROJECTION_TOLERANCE_DEG.get(key[0], TOLERANCE_DEG)
    }
    worst = max(errors.values(), default=float("nan"))
    record(
        8,
        "12 CRSs x 7 formats: export, read in the sandbox, back to WGS 84",
        inputs=len(CRS_PLACES) * len(FORMATS),
        loaded=len(errors),
        crashes=0,
        unhandled=len(failed),
        source_changes=0,
        axis_swaps=len(too_far),
        worst_error_deg=worst,
    )
    assert failed == []
    assert too_far == {}
    assert len(errors) == 84


def test_files_add_no_error_to_the_projection(tmp_path: Path) -> None:
    # Projected coordinates come back bit for bit (GeoJSON with 17 digits, CSV
    # WKT in full): any error left is the projection's, not the file's.
    frame = _places_in("EPSG:3035")
    written = shapely.get_coordinates(frame.geometry.array)
    for suffix in (".gpkg", ".shp", ".geojson", ".fgb", ".parquet", ".csv"):
        path = tmp_path / suffix[1:] / f"laea{suffix}"
        path.parent.mkdir()
        export_vector(frame, path)
        read = read_layer(path).frame.set_index("site").loc[list(CRS_PLACES["EPSG:3035"])]
        assert np.array_equal(shapely.get_coordinates(read.geometry.array), written), suffix


def _kml_coordinates(path: Path) -> list[tuple[float, float]]:
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"<coordinates>\s*([^<]+?)\s*</coordinates>", text)
    return [tuple(float(v) for v in c.split(",")[:2]) for c in found]  # type: ignore[misc]


def _geojson_coordinates(path: Path) -> list[tuple[float, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [tuple(f["geometry"]["coordinates"][:2]) for f in data["features"]]


def test_kml_and_geojson_files_hold_longitude_first(tmp_path: Path) -> None:
    # pyogrio#420: GDAL's KML writer put latitude first for EPSG:4326 frames.
    frame = _places_in("EPSG:3879")  # northing first in EPSG, the worst case
    kml, geojson = tmp_path / "places.kml", tmp_path / "places.geojson"
    export_vector(frame, kml)
    export_vector(frame, geojson, crs="EPSG:4326")
    want = _expected(CRS_PLACES["EPSG:3879"])

    for got in (_kml_coordinates(kml), _geojson_coordinates(geojson)):
        assert np.allclose(np.array(got), want, rtol=0, atol=TOLERANCE_DEG)


def test_cli_export_writes_longitude_first(tmp_path: Path) -> None:
    source = tmp_path / "helsinki.gpkg"
    export_vector(_places_in("EPSG:3879"), source)
    kml, geojson = tmp_path / "out.kml", tmp_path / "out.geojson"

    assert main(["export", "vector", str(source), "-o", str(kml)]) == 0
    assert main(["export", "vector", str(source), "-o", str(geojson), "--crs", "EPSG:4326"]) == 0

    want = _expected(CRS_PLACES["EPSG:3879"])
    assert np.allclose(np.array(_kml_coordinates(kml)), want, rtol=0, atol=TOLERANCE_DEG)
    assert np.allclose(np.array(_geojson_coordinates(geojson)), want, rtol=0, atol=TOLERANCE_DEG)


SWAPPED_KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Wellington</name><Point><coordinates>-41.2865,174.7762</coordinates></Point>
</Placemark>
<Placemark><name>Auckland</name><Point><coordinates>-36.8485,174.7633</coordinates></Point>
</Placemark>
</Document></kml>
"""


def test_latitude_first_kml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "contractor.kml"
    path.write_text(SWAPPED_KML, encoding="utf-8")
    before = path.read_bytes()

    with pytest.raises(DataSourceError) as caught:
        load_user_layer(str(path), None)

    message = str(caught.value)
    refused = int("contractor.kml" in message and "latitude first" in message)
    record(
        8,
        "latitude-first KML (pyogrio#420)",
        inputs=1,
        refused=refused,
        loaded=0,
        crashes=0,
        unhandled=0,
        source_changes=int(path.read_bytes() != before),
        axis_swaps=0,
    )
    assert refused == 1
    assert "-41.2865, 174.7762" in message
    assert path.read_bytes() == before


def test_projected_coordinates_labelled_wgs84_load_with_crs_unknown(tmp_path: Path) -> None:
    # A GeoJSON without a crs member is WGS 84 (RFC 7946); UTM numbers in it are not.
    path = tmp_path / "hydrants.geojson"
    feature = {"type": "Feature", "properties": {"hydrant": "H-1"}}
    feature["geometry"] = {"type": "Point", "coordinates": [398000.5, 4835000.25]}
    # Web Mercator near Greenwich: x is a few metres, y far beyond 90.
    near_zero = {**feature, "properties": {"hydrant": "H-2"}}
    near_zero["geometry"] = {"type": "Point", "coordinates": [12.5, 6000000.0]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, near_zero]}))

    result = read_layer(path)

    assert result.frame.crs is None
    assert result.frame.geometry.iloc[0].equals(shapely.Point(398000.5, 4835000.25))
    (note,) = [w for w in result.warnings if w.startswith("No CRS")]
    assert "hydrants.geojson" in note and "not degrees" in note


def test_utm_points_with_null_island_placeholders_load_with_crs_unknown(tmp_path: Path) -> None:
    # 0, 0 is where many exports put a feature with no location; it says
    # nothing about the units of the others, which are plainly metres.
    frame = gpd.GeoDataFrame(
        {"hydrant": ["H-1", "H-2", "H-3"]},
        geometry=[
            shapely.Point(398000.5, 4835000.25),
            shapely.Point(0, 0),
            shapely.Point(398100, 4835100),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "hydrants.gpkg"
    frame.to_file(path)

    result = read_layer(path)

    assert result.frame.crs is None and len(result.frame) == 3
    assert any(w.startswith("No CRS") and "not degrees" in w for w in result.warnings)


def test_a_pole_reprojected_with_rounding_still_loads(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"site": ["pole", "Portland"]},
        geometry=[shapely.Point(-70.0, 90.0000000001), shapely.Point(-70.2568, 43.6591)],
        crs="EPSG:4326",
    )
    path = tmp_path / "poles.gpkg"
    frame.to_file(path)

    assert len(read_layer(path).frame) == 2


def test_some_features_beyond_90_degrees_refuse_the_file(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"site": ["ok", "broken"]},
        geometry=[shapely.Point(-70.2568, 43.6591), shapely.Point(-70.2568, 143.6591)],
        crs="EPSG:4326",
    )
    path = tmp_path / "mixed.gpkg"
    frame.to_file(path)

    with pytest.raises(DataSourceError, match=r"mixed\.gpkg: 1 of 2 features.*feature 2"):
        read_layer(path)


@pytest.mark.parametrize("header", ["lat,lon", "lon,lat", "Latitude,Longitude"])
def test_csv_columns_in_either_order_give_longitude_as_x(tmp_path: Path, header: str) -> None:
    lon, lat = PLACES["Portland City Hall"]
    first_is_lat = header.lower().startswith("lat")
    row = f"{lat},{lon}" if first_is_lat else f"{lon},{lat}"
    path = tmp_path / "calls.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")

    frame = read_layer(path).frame

    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    point = frame.geometry.iloc[0]
    assert (point.x, point.y) == (lon, lat)


def test_csv_with_latitudes_in_the_longitude_column_is_never_wgs84(tmp_path: Path) -> None:
    # Wellington's values swapped under their headers: "lat" holds 174.78.
    path = tmp_path / "swapped.csv"
    path.write_text("lon,lat\n-41.2865,174.7762\n", encoding="utf-8")

    result = read_layer(path)

    assert result.frame.crs is None
    assert any(w.startswith("No CRS") for w in result.warnings)
