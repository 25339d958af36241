"""Checks of the committed Greater Portland demo GeoPackage (data/greater_portland_demo.gpkg).

No Qt: these read the file with pyogrio/geopandas only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict
from contextlib import closing
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
GPKG = DATA_DIR / "greater_portland_demo.gpkg"

# layer: (EPSG, min count, max count, geometry types)
EXPECTED = {
    "municipal_boundaries": (26984, 3, 3, {"Polygon", "MultiPolygon"}),
    "psap_boundary": (26984, 1, 1, {"Polygon", "MultiPolygon"}),
    "police_boundaries": (26984, 3, 12, {"Polygon", "MultiPolygon"}),
    "fire_boundaries": (26984, 8, 14, {"Polygon", "MultiPolygon"}),
    "ems_boundaries": (26984, 2, 8, {"Polygon", "MultiPolygon"}),
    "road_centerlines": (26984, 2000, 4000, {"LineString"}),
    "address_points": (26984, 9000, 11500, {"Point"}),
    "parcels": (26984, 9000, 11500, {"Polygon"}),
    "stations": (26984, 16, 30, {"Point"}),
    "radio_towers": (26919, 6, 10, {"Point"}),
    "city_sites": (26984, 20, 30, {"Point"}),
    "network_nodes": (26984, 150, 300, {"Point"}),
    "fibre_spans": (26984, 150, 400, {"LineString"}),
    "fixit_incidents": (4326, 4500, 5500, {"Point"}),
}

NENA_COMMON = {"DiscrpAgID", "DateUpdate", "Effective", "Expire", "NGUID"}
SERVICE_FIELDS = NENA_COMMON | {
    "State",
    "Agency_ID",
    "ServiceURI",
    "ServiceURN",
    "ServiceNum",
    "AVcard_URI",
    "DsplayName",
}
REQUIRED_FIELDS = {
    "municipal_boundaries": NENA_COMMON | {"A1", "A2", "A3", "population"},
    "psap_boundary": SERVICE_FIELDS,
    "police_boundaries": SERVICE_FIELDS,
    "fire_boundaries": SERVICE_FIELDS,
    "ems_boundaries": SERVICE_FIELDS,
    "road_centerlines": NENA_COMMON
    | {
        "St_PreDir",
        "St_Name",
        "St_PosTyp",
        "St_PosDir",
        "FullName",
        "FromAddr_L",
        "ToAddr_L",
        "FromAddr_R",
        "ToAddr_R",
        "Parity_L",
        "Parity_R",
        "A3_L",
        "A3_R",
        "RoadClass",
        "OneWay",
        "SpeedLimit",
    },
    "address_points": NENA_COMMON
    | {
        "Add_Number",
        "St_PreDir",
        "St_Name",
        "St_PosTyp",
        "FullAddr",
        "A1",
        "A2",
        "A3",
        "Zip",
        "Unit",
        "Place_Type",
        "Placement",
    },
    "parcels": {
        "parcel_id",
        "owner_type",
        "land_use",
        "zoning",
        "acreage",
        "assessed_value",
        "year_built",
        "address",
    },
    "stations": {
        "station_id",
        "name",
        "type",
        "agency",
        "address",
        "apparatus",
        "staffed",
        "turnout_s",
    },
    "radio_towers": {"site_id", "name", "owner", "height_m", "purpose", "coverage_km", "status"},
    "city_sites": {"site_id", "name", "type", "address", "users", "network_node"},
    "network_nodes": {"asset_id", "type", "status", "owner", "install_date", "model", "site_id"},
    "fibre_spans": {
        "asset_id",
        "type",
        "status",
        "owner",
        "install_date",
        "strand_count",
        "from_node",
        "to_node",
        "length_m",
    },
    "fixit_incidents": {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "zipcode",
        "lat",
        "long",
    },
}

# (layer, key field, key) pairs placed at the same spot on purpose (see data/README.md)
CONTROL_PAIRS = (
    (("radio_towers", "site_id", "TWR-01"), ("city_sites", "site_id", "CS-911")),
    (("radio_towers", "site_id", "TWR-02"), ("stations", "station_id", "ST-F01")),
    (("fixit_incidents", "service_request_id", "16600389"), ("city_sites", "site_id", "CS-001")),
)


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    assert GPKG.exists(), "run `python data/make_demo.py` to generate the demo GeoPackage"
    return {name: pyogrio.read_dataframe(GPKG, layer=name, use_arrow=True) for name in EXPECTED}


def test_all_layers_present_with_expected_crs() -> None:
    names = [str(n) for n, _ in pyogrio.list_layers(GPKG)]
    assert sorted(names) == sorted(EXPECTED)
    for name, (epsg, *_rest) in EXPECTED.items():
        crs = pyogrio.read_info(GPKG, layer=name)["crs"]
        assert crs == f"EPSG:{epsg}", name


def test_file_is_small() -> None:
    assert GPKG.stat().st_size < 20_000_000


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_fields_and_geometry(layers: dict[str, gpd.GeoDataFrame], name: str) -> None:
    _, lo, hi, geom_types = EXPECTED[name]
    gdf = layers[name]
    assert lo <= len(gdf) <= hi, f"{name}: {len(gdf)} features"
    missing = REQUIRED_FIELDS[name] - set(gdf.columns)
    assert not missing, f"{name} lacks {sorted(missing)}"
    assert gdf["objectid"].is_unique
    geoms = gdf.geometry.to_numpy()
    assert not shapely.is_empty(geoms).any()
    assert shapely.is_valid(geoms).all(), f"{name} has invalid geometries"
    assert set(gdf.geom_type) <= geom_types


def test_nguids_are_unique_and_well_formed(layers: dict[str, gpd.GeoDataFrame]) -> None:
    indicators = {
        "municipal_boundaries": "A3",
        "psap_boundary": "Psap",
        "police_boundaries": "Pol",
        "fire_boundaries": "Fire",
        "ems_boundaries": "Ems",
        "road_centerlines": "RCL",
        "address_points": "SSAP",
    }
    for name, indicator in indicators.items():
        ids = layers[name]["NGUID"]
        assert ids.is_unique, name
        assert ids.str.match(rf"^urn:emergency:uid:gis:{indicator}:[^:]+:[a-z0-9.-]+$").all()


def test_service_urns(layers: dict[str, gpd.GeoDataFrame]) -> None:
    psap = layers["psap_boundary"].iloc[0]
    assert psap["ServiceURN"] == "urn:emergency:service:sos.psap"
    assert psap["ServiceNum"] == "911"
    for name, urn in (
        ("police_boundaries", "responder.police"),
        ("fire_boundaries", "responder.fire"),
        ("ems_boundaries", "responder.ems"),
    ):
        assert (layers[name]["ServiceURN"] == f"urn:emergency:service:{urn}").all()


def test_road_network_is_connected(layers: dict[str, gpd.GeoDataFrame]) -> None:
    roads = layers["road_centerlines"].geometry.to_numpy()
    coords = [shapely.get_coordinates(g) for g in roads]
    ends = [(tuple(c[0]), tuple(c[-1])) for c in coords]
    parent = list(range(len(ends)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_at: dict[tuple[float, float], int] = {}
    for i, pair in enumerate(ends):
        for key in pair:
            j = first_at.setdefault(key, i)
            parent[find(i)] = find(j)
    sizes: dict[int, int] = defaultdict(int)
    for i in range(len(ends)):
        sizes[find(i)] += 1
    assert max(sizes.values()) >= 0.95 * len(ends)


def test_road_ranges_parity(layers: dict[str, gpd.GeoDataFrame]) -> None:
    roads = layers["road_centerlines"]
    ranged = roads[roads["Parity_L"] != "Z"]
    assert len(ranged) > 0.8 * len(roads)
    assert (ranged["Parity_L"] == "O").all() and (ranged["Parity_R"] == "E").all()
    for col, rem in (("FromAddr_L", 1), ("ToAddr_L", 1), ("FromAddr_R", 0), ("ToAddr_R", 0)):
        assert (ranged[col] % 2 == rem).all(), col
    assert (ranged["FromAddr_L"] <= ranged["ToAddr_L"]).all()


def test_address_numbers_match_side_and_range(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Each address point: nearest segment of its street, number in range, parity of side."""
    roads = layers["road_centerlines"]
    addrs = layers["address_points"]
    street = addrs["FullAddr"].str.replace(r" Unit \d+$", "", regex=True).str.split(" ", n=1).str[1]
    checked = 0
    for name, group in addrs.groupby(street):
        segs = roads[roads["FullName"] == name]
        assert len(segs), name
        lines = segs.geometry.to_numpy()
        pts = group.geometry.to_numpy()
        nearest = shapely.STRtree(lines).query_nearest(pts, all_matches=False)[1]
        seg = segs.iloc[nearest]
        line = lines[nearest]
        d = shapely.line_locate_point(line, pts)
        a = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(d - 1, 0)))
        b = shapely.get_coordinates(
            shapely.line_interpolate_point(line, np.minimum(d + 1, shapely.length(line)))
        )
        p = shapely.get_coordinates(pts)
        cross = (b[:, 0] - a[:, 0]) * (p[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (
            p[:, 0] - a[:, 0]
        )
        num = group["Add_Number"].to_numpy()
        left = cross > 0
        assert ((num % 2 == 1) == left).all(), f"{name}: parity does not match the side"
        lo = np.where(left, seg["FromAddr_L"], seg["FromAddr_R"])
        hi = np.where(left, seg["ToAddr_L"], seg["ToAddr_R"])
        assert ((lo <= num) & (num <= hi)).all(), f"{name}: number outside the segment range"
        checked += len(group)
    assert checked == len(addrs)


def test_addresses_are_inside_their_municipality(layers: dict[str, gpd.GeoDataFrame]) -> None:
    towns = layers["municipal_boundaries"][["A3", "geometry"]].rename(columns={"A3": "town"})
    joined = gpd.sjoin(layers["address_points"], towns, predicate="within", how="left")
    assert (joined["A3"] == joined["town"]).all()
    zips = {
        "Portland": {"04101", "04102", "04103"},
        "South Portland": {"04106"},
        "Cape Elizabeth": {"04107"},
    }
    for town, allowed in zips.items():
        got = set(layers["address_points"].loc[layers["address_points"]["A3"] == town, "Zip"])
        assert got <= allowed, town


def test_municipal_polygons_do_not_overlap(layers: dict[str, gpd.GeoDataFrame]) -> None:
    geoms = list(layers["municipal_boundaries"].geometry)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            assert a.intersection(b).area < 1.0


@pytest.mark.parametrize("name", ["police_boundaries", "fire_boundaries", "ems_boundaries"])
def test_service_boundaries_partition_the_psap(
    layers: dict[str, gpd.GeoDataFrame], name: str
) -> None:
    psap = layers["psap_boundary"].geometry.iloc[0]
    geoms = list(layers[name].geometry)
    union = shapely.union_all(geoms)
    assert psap.symmetric_difference(union).area < 1.0, "gaps or spill-over"
    assert abs(sum(g.area for g in geoms) - union.area) < 1.0, "overlaps"


def test_incident_fields_are_open311_strings(layers: dict[str, gpd.GeoDataFrame]) -> None:
    inc = layers["fixit_incidents"]
    assert all(isinstance(v, str) and v.isdigit() for v in inc["service_request_id"])
    assert inc["service_request_id"].is_unique
    assert all(isinstance(v, str) and len(v) == 5 and v.startswith("0") for v in inc["zipcode"])
    assert set(inc["service_code"]) >= {"001", "009"}
    assert inc["requested_datetime"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$").all()
    assert inc["requested_datetime"].min() >= "2024-11-01"
    assert inc["requested_datetime"].max() <= "2026-10-31T23:59:59-04:00"
    assert {"open", "acknowledged", "closed"} == set(inc["status"])
    assert (inc["description"] == "<script>alert(1)</script>").any()
    assert (inc["description"] == "${alert(1)}").any()
    xy = shapely.get_coordinates(inc.geometry.to_numpy())
    assert np.allclose(xy[:, 0], inc["long"]) and np.allclose(xy[:, 1], inc["lat"])


def test_known_points_align_across_crs(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Deliberately co-located features of layers in different CRSs coincide within 1 m."""

    def in_26984(layer: str, field: str, key: str) -> tuple[float, float]:
        gdf = layers[layer]
        row = gdf[gdf[field] == key]
        assert len(row) == 1, (layer, key)
        pt = row.geometry.iloc[0]
        epsg = EXPECTED[layer][0]
        tr = Transformer.from_crs(epsg, 26984, always_xy=True)
        x, y = tr.transform(pt.x, pt.y)
        return float(x), float(y)

    for a, b in CONTROL_PAIRS:
        assert EXPECTED[a[0]][0] != EXPECTED[b[0]][0], "a control pair must cross CRSs"
        ax, ay = in_26984(*a)
        bx, by = in_26984(*b)
        assert np.hypot(ax - bx, ay - by) < 1.0, (a, b)
    # and the whole demo sits where Greater Portland is
    tr = Transformer.from_crs(26984, 4326, always_xy=True)
    lon, lat = tr.transform(*in_26984("city_sites", "site_id", "CS-001"))
    assert -70.28 < lon < -70.24 and 43.64 < lat < 43.67


def test_network_types_and_statuses_are_declared_coded_values(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    """The asset model's domains, as GeoPackage data column constraints the app reads."""
    from mapdesk.core.analysis.network.assets import ASSET_LAYERS
    from mapdesk.io.gpkg_rules import field_rules

    for model in ASSET_LAYERS.values():
        rules = field_rules(GPKG, model.name)
        for field, domain in model.domains.items():
            assert rules[field]["codes"] == dict(domain.codes), (model.name, field)
            assert set(layers[model.name][field]) <= set(domain.codes)
    with closing(sqlite3.connect(f"{GPKG.as_uri()}?mode=ro", uri=True)) as connection:
        registered = connection.execute(
            "SELECT table_name, column_name, scope FROM gpkg_extensions "
            "WHERE extension_name = 'gpkg_schema' ORDER BY table_name"
        ).fetchall()
        loose = connection.execute(
            "SELECT count(*) FROM gpkg_data_column_constraints WHERE value IS NULL "
            "OR min IS NOT NULL OR max IS NOT NULL OR constraint_type != 'enum'"
        ).fetchone()
    assert registered == [
        ("gpkg_data_column_constraints", None, "read-write"),
        ("gpkg_data_columns", None, "read-write"),
    ]
    assert loose == (0,)


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_gdal_reads_the_network_domains() -> None:
    """GDAL (what QGIS reads GeoPackages with) sees the coded domains on the fields."""
    shown = subprocess.run(
        ["ogrinfo", "-so", "-ro", str(GPKG), "fibre_spans"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "type: String (0.0), domain name=network_span_type" in shown
    assert "status: String (0.0), domain name=network_status" in shown
    domain = subprocess.run(
        ["ogrinfo", "-ro", str(GPKG), "-fielddomain", "network_node_type"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "splice_closure: Splice closure" in domain


def load_make_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo", DATA_DIR / "make_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_demo", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    make_demo = load_make_demo()
    path = make_demo.build_demo(tmp_path)
    fresh = hashlib.sha256(path.read_bytes()).hexdigest()
    committed = hashlib.sha256(GPKG.read_bytes()).hexdigest()
    assert fresh == committed, "regenerate with `python data/make_demo.py` and commit the file"
