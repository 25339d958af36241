"""Build every layer, check it, and write the GeoPackage deterministically."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

from mapdesk.core.analysis.network.assets import ASSET_LAYERS, AssetLayer
from mapdesk.io.gpkg_domains import write_coded_domains

from .assets import build_network, place_city_sites
from .common import UTM_EPSG, WGS84_EPSG, WORK_EPSG, local_origin_26984, rng_for
from .fixit import build_incidents
from .geography import Geography, build_geography
from .layers import (
    address_layer,
    city_site_layer,
    incident_layer,
    municipal_layer,
    node_layer,
    parcel_layer,
    road_layer,
    service_layer,
    span_layer,
    station_layer,
    tower_layer,
)
from .lots import build_lots
from .safety import (
    ServiceArea,
    coverage_gap_check,
    overlap_area,
    place_stations,
    place_towers,
    service_areas,
)
from .streets import RoadNetwork, build_road_network, components

FILENAME = "greater_portland_demo.gpkg"
GPKG_TIMESTAMP = "2026-11-01T00:00:00.000Z"

LAYER_ORDER = (
    "municipal_boundaries",
    "psap_boundary",
    "police_boundaries",
    "fire_boundaries",
    "ems_boundaries",
    "road_centerlines",
    "address_points",
    "parcels",
    "stations",
    "radio_towers",
    "city_sites",
    "network_nodes",
    "fibre_spans",
    "fixit_incidents",
)
LAYER_CRS = {name: WORK_EPSG for name in LAYER_ORDER} | {
    "radio_towers": UTM_EPSG,
    "fixit_incidents": WGS84_EPSG,
}

# Features placed at the same spot on purpose, in layers with different CRSs.
CONTROL_POINTS = (
    ("radio_towers", "site_id", "TWR-01", "city_sites", "site_id", "CS-911"),
    ("radio_towers", "site_id", "TWR-02", "stations", "station_id", "ST-F01"),
    ("fixit_incidents", "service_request_id", "16600389", "city_sites", "site_id", "CS-001"),
)


def to_work_crs(geom: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    """Local frame -> EPSG:26984, rounded to the centimetre."""
    shift = np.array(origin)
    return shapely.transform(geom, lambda c: np.round(c + shift, 2))


def reproject(geom: np.ndarray, epsg: int, decimals: int) -> np.ndarray:
    tr = Transformer.from_crs(WORK_EPSG, epsg, always_xy=True)

    def fn(c: np.ndarray) -> np.ndarray:
        x, y = tr.transform(c[:, 0], c[:, 1])
        return np.round(np.column_stack([x, y]), decimals)

    return shapely.transform(geom, fn)


def generate() -> dict[str, gpd.GeoDataFrame]:
    """All layers, in their final CRSs, in LAYER_ORDER."""
    geo = build_geography()
    net = build_road_network(geo, rng_for(2))
    check_network(net)
    lots = build_lots(net, geo, rng_for(3))
    sites = place_city_sites(lots, net)
    stations = place_stations(lots, net)
    site_by_id = {s.site_id: s for s in sites}
    anchors = {
        "CS-911": site_by_id["CS-911"].point,
        "ST-F01": next(s.point for s in stations if s.station_id == "ST-F01"),
    }
    towers = place_towers(anchors)
    nodes, spans = build_network(sites, towers, net, rng_for(5))
    areas = service_areas(stations, geo)
    check_boundaries(areas, geo)
    origin = local_origin_26984()
    incidents = build_incidents(geo, net, lots, site_by_id["CS-001"].point, rng_for(6))
    inc_26984 = to_work_crs(np.array([i.point for i in incidents]), origin)
    inc_lonlat = reproject(inc_26984, WGS84_EPSG, 7)

    layers = {
        "municipal_boundaries": municipal_layer(areas["municipal"]),
        "psap_boundary": service_layer("psap", areas["psap"]),
        "police_boundaries": service_layer("police", areas["police"]),
        "fire_boundaries": service_layer("fire", areas["fire"]),
        "ems_boundaries": service_layer("ems", areas["ems"]),
        "road_centerlines": road_layer(net),
        "address_points": address_layer(lots, net),
        "parcels": parcel_layer(lots, net, rng_for(4)),
        "stations": station_layer(stations),
        "radio_towers": tower_layer(towers),
        "city_sites": city_site_layer(sites),
        "network_nodes": node_layer(nodes),
        "fibre_spans": span_layer(spans),
        "fixit_incidents": incident_layer(
            incidents, [(float(p.x), float(p.y)) for p in inc_lonlat]
        ),
    }
    for name, gdf in layers.items():
        geom = to_work_crs(gdf.geometry.to_numpy(), origin)
        if name == "radio_towers":
            geom = reproject(geom, UTM_EPSG, 2)
        elif name == "fixit_incidents":
            geom = inc_lonlat
        layers[name] = gdf.set_geometry(gpd.GeoSeries(geom, index=gdf.index), crs=LAYER_CRS[name])
    check_layers(layers)
    return {name: layers[name] for name in LAYER_ORDER}


# --------------------------------------------------------------------------- checks


def check_network(net: RoadNetwork) -> None:
    segs = net.segments
    assert 2000 <= len(segs) <= 4000, f"{len(segs)} road segments"
    biggest = max(len(c) for c in components(segs))
    assert biggest >= 0.95 * len(segs), "road network must be one connected component"


def check_boundaries(areas: dict[str, list[ServiceArea]], geo: Geography) -> None:
    for kind, layer in areas.items():
        geoms = [a.geom for a in layer]
        assert overlap_area(geoms) < 1.0, f"{kind} boundaries overlap"
        assert coverage_gap_check(layer, geo) < 1.0, f"{kind} boundaries leave gaps"


def check_layers(layers: dict[str, gpd.GeoDataFrame]) -> None:
    for name, gdf in layers.items():
        geoms = gdf.geometry.to_numpy()
        assert not shapely.is_empty(geoms).any(), f"{name}: empty geometry"
        bad = ~shapely.is_valid(geoms)
        assert not bad.any(), f"{name}: {int(bad.sum())} invalid geometries"
        assert gdf["objectid"].is_unique
    towns = layers["municipal_boundaries"].geometry.to_numpy()
    assert overlap_area(list(towns)) < 1.0, "municipal polygons overlap"
    for model in ASSET_LAYERS.values():
        check_domains(layers[model.name], model)
    for ids in (
        layers["address_points"]["NGUID"],
        layers["road_centerlines"]["NGUID"],
        layers["parcels"]["parcel_id"],
        layers["fixit_incidents"]["service_request_id"],
    ):
        assert ids.is_unique


def check_domains(gdf: gpd.GeoDataFrame, model: AssetLayer) -> None:
    """The network layers hold only codes of the asset model (the file declares them)."""
    for field, domain in model.domains.items():
        outside = set(gdf[field].dropna()) - set(domain.codes)
        assert not outside, f"{model.name}.{field}: {sorted(outside)} outside {domain.name}"
    assert gdf["asset_id"].str.startswith(model.id_prefix).all(), model.name


# --------------------------------------------------------------------------- writing


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write all layers in a fixed order with a fixed GeoPackage timestamp, atomically."""
    tmp = path.with_name(f".{path.stem}.partial.gpkg")
    if tmp.exists():
        tmp.unlink()
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    try:
        for name, gdf in layers.items():
            pyogrio.write_dataframe(
                gdf,
                tmp,
                layer=name,
                driver="GPKG",
                use_arrow=True,
                layer_options={"SPATIAL_INDEX": "YES"},
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    write_network_domains(tmp)
    os.replace(tmp, path)


def write_network_domains(path: Path) -> None:
    """Coded type and status on the network layers, as GeoPackage data column constraints,
    so mapdesk's attribute form lists them and QGIS shows them as value maps."""
    with closing(sqlite3.connect(path)) as connection, connection:
        for model in ASSET_LAYERS.values():
            titles = {field.name: field.title for field in model.fields}
            write_coded_domains(connection, model.name, model.domains, titles)


def build_demo(outdir: Path) -> Path:
    """Generate the demo and write `outdir/greater_portland_demo.gpkg`; return its path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / FILENAME
    write_gpkg(generate(), path)
    return path
