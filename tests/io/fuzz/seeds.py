"""Seed files for the fuzz tests: small, valid, built in code (and a few from the corpus).

The code-built seeds let the fuzz tests run where the shared corpus is absent;
they cover what Portland's files hold (points, lines, polygons with holes,
text with accents, integers, reals, dates) in a few hundred bytes to a few KB,
so a mutation is likely to hit a header or a record rather than bulk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon

#: Small corpus seeds per format (see /work/shared/corpus/MANIFEST.md), relative to the corpus.
CORPUS_SEEDS = {
    "shapefile": ["robustness/mbostock_shapefile/points.shp", "robustness/fiona/gre.shp"],
    "geojson": ["robustness/fiona/trio.geojson", "robustness/geopandas/null_geom.geojson"],
    "kml": ["robustness/togeojson/extended_data.kml", "robustness/togeojson/multigeometry.kml"],
    "csv": ["portland_me/cbep_beaches/beach_locations.csv", "robustness/fiona/curves_line.csv"],
    "gpkg": ["robustness/pyogrio/test_gpkg_nulls.gpkg", "robustness/pyogrio/line_zm.gpkg"],
    "flatgeobuf": ["robustness/flatgeobuf/poly00.fgb", "robustness/flatgeobuf/alldatatypes.fgb"],
}
SHAPEFILE_MEMBERS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

_NAMES = [
    "Congress St",
    "Forest Ave",
    "Ocean Ave",
    "Bramhall Sq",
    "Munjoy Hill",
    "Düsseldorf – Œuvre",
]


def stations() -> gpd.GeoDataFrame:
    """Six hydrants in NAD83 / Maine West with text, integer, real and date fields."""
    return gpd.GeoDataFrame(
        {
            "name": _NAMES,
            "flow_gpm": [1000, 750, 1250, 500, 900, 1100],
            "pressure": [62.5, 58.0, 71.25, 49.9, 60.0, 55.5],
            "tested": gpd.pd.to_datetime(["2021-05-01", "2019-12-31", None] * 2),
        },
        geometry=[Point(871000 + 120 * i, 92000 + 75 * i) for i in range(6)],
        crs="EPSG:26984",
    )


def parcels() -> gpd.GeoDataFrame:
    """Three polygons (one with a hole) and their ids, in WGS 84."""
    outer = [(-70.26, 43.65), (-70.25, 43.65), (-70.25, 43.66), (-70.26, 43.66)]
    hole = [(-70.257, 43.653), (-70.253, 43.653), (-70.253, 43.657)]
    shapes = [
        Polygon(outer, [hole]),
        Polygon([(x + 0.02, y) for x, y in outer]),
        Polygon([(x, y + 0.02) for x, y in outer]),
    ]
    return gpd.GeoDataFrame({"parcel_id": ["001-A", "002-B", "003-C"]}, geometry=shapes, crs=4326)


def written(frame: gpd.GeoDataFrame, folder: Path, name: str, **options: Any) -> dict[str, bytes]:
    """``frame`` written by pyogrio as ``name``; every file of the set by name."""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_file(folder / name, **options)
    stem = Path(name).stem
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.stem == stem}


def geojson_seed() -> dict[str, Any]:
    """A FeatureCollection with a point, a line, a polygon with a hole and a collection."""
    frame = gpd.GeoDataFrame(
        {"name": ["hydrant", "main", "parcel"], "id": [1, 2, 3]},
        geometry=[
            Point(-70.255, 43.657),
            LineString([(-70.26, 43.656), (-70.25, 43.66)]),
            parcels().geometry.iloc[0],
        ],
        crs=4326,
    )
    collection: dict[str, Any] = json.loads(frame.to_json())
    collection["features"].append(
        {
            "type": "Feature",
            "properties": {"name": "mixed", "id": 4, "tags": ["a", "b"], "meta": {"k": 1.5}},
            "geometry": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Point", "coordinates": [-70.25, 43.65]},
                    {"type": "LineString", "coordinates": [[-70.25, 43.65], [-70.24, 43.66]]},
                ],
            },
        }
    )
    return collection


KML_SEED = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document><name>Portland</name>
<Folder><name>Hydrants</name>
<Placemark><name>H-1</name><description>Congress St &amp; Forest Ave</description>
<ExtendedData><Data name="flow_gpm"><value>1000</value></Data>
<Data name="tested"><value>2021-05-01</value></Data></ExtendedData>
<Point><coordinates>-70.255,43.657,0</coordinates></Point></Placemark>
<Placemark><name>Main</name><LineString><coordinates>-70.26,43.656 -70.25,43.66</coordinates>
</LineString></Placemark>
<Placemark><name>Parcel 001-A</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
-70.26,43.65 -70.25,43.65 -70.25,43.66 -70.26,43.66 -70.26,43.65</coordinates></LinearRing>
</outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>
-70.257,43.653 -70.253,43.653 -70.253,43.657 -70.257,43.653</coordinates></LinearRing>
</innerBoundaryIs></Polygon></Placemark>
<Placemark><name>Both</name><MultiGeometry><Point><coordinates>-70.25,43.65</coordinates></Point>
<LineString><coordinates>-70.25,43.65 -70.24,43.66</coordinates></LineString></MultiGeometry>
</Placemark>
</Folder></Document></kml>
"""

CSV_SEED = (
    "name,longitude,latitude,flow_gpm,tested\n"
    '"Congress St",-70.255,43.657,1000,2021-05-01\n'
    '"Forest Ave, north",-70.26,43.66,750,\n'
    '"Düsseldorf – Œuvre",-70.25,43.65,1250,2019-12-31\n'
)
CSV_WKT_SEED = (
    "id;wkt;label\n"
    '1;"POINT (-70.255 43.657)";hydrant\n'
    '2;"LINESTRING (-70.26 43.656, -70.25 43.66)";main\n'
    '3;"POLYGON ((-70.26 43.65, -70.25 43.65, -70.25 43.66, -70.26 43.65))";parcel\n'
)


def corpus_seed(corpus: Path, relative: str) -> dict[str, bytes]:
    """A corpus file and, for a shapefile, its members, by name."""
    path = corpus / relative
    if path.suffix.lower() != ".shp":
        return {path.name: path.read_bytes()}
    return {
        p.name: p.read_bytes()
        for p in sorted(path.parent.iterdir())
        if p.stem == path.stem and p.suffix.lower() in SHAPEFILE_MEMBERS
    }
