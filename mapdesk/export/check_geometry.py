"""What a format does to the layer's geometries: M values, empties, kinds, dimensions."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from mapdesk.export.plan import ExportPlan

#: Geometry families a one-kind format (Shapefile) cannot mix.
_FAMILIES = {
    "Point": "points",
    "MultiPoint": "points",
    "LineString": "lines",
    "MultiLineString": "lines",
    "LinearRing": "lines",
    "Polygon": "polygons",
    "MultiPolygon": "polygons",
}


def check_geometries(plan: ExportPlan, frame: gpd.GeoDataFrame) -> None:
    geometries = np.asarray(frame.geometry.array, dtype=object)
    present = geometries[~shapely.is_missing(geometries)]
    target = plan.target
    measured = int(shapely.has_m(present).sum()) if len(present) else 0
    if measured and not target.keeps_m:
        plan.drop_m = True
        plan.note(None, f"M values dropped from {measured} features ({target.label} has no M)")
    empty = int(shapely.is_empty(present).sum()) if len(present) else 0
    if empty and target.suffix in _NO_EMPTY_GEOMETRY:
        plan.empty_geometry_to_null = True
        plan.note(None, f"{empty} empty geometries written as no geometry")
    _check_geometry_kinds(plan, present[~shapely.is_empty(present)] if len(present) else present)
    _check_dimensions(plan, present)
    missing = len(geometries) - len(present) + (empty if plan.empty_geometry_to_null else 0)
    if missing and target.suffix == ".fgb":
        plan.layer_options["SPATIAL_INDEX"] = "NO"
        plan.note(
            None,
            f"{missing} feature{'s' if missing > 1 else ''} without geometry: the file is "
            "written without a spatial index (FlatGeobuf's needs a geometry on every feature)",
        )


#: Formats that cannot hold an empty geometry (it must be written as none).
_NO_EMPTY_GEOMETRY = (".shp", ".kml", ".fgb")


def _check_geometry_kinds(plan: ExportPlan, present: Any) -> None:
    target = plan.target
    kinds = sorted(set(shapely.get_type_id(present).tolist()))
    names = {shapely.GeometryType(k).name for k in kinds}
    families = {_FAMILIES.get(_title(n), "collections") for n in names}
    if target.one_geometry_kind and "collections" in families:
        plan.blocking.append(
            f"the layer has geometry collections, which a {target.label} cannot hold: "
            "export to GeoPackage or GeoJSON"
        )
    elif target.one_geometry_kind and len(families) > 1:
        plan.blocking.append(
            f"the layer mixes {' and '.join(sorted(families))}, and a {target.label} holds "
            "one kind: export to GeoPackage, or select one kind of feature first"
        )
    elif target.one_geometry_kind and len(names) > 1:
        plan.note(None, "single and multi-part features together: all written as multi-part")


def _check_dimensions(plan: ExportPlan, present: Any) -> None:
    """2D and 3D features together: one-dimension formats give the 2D ones Z = 0."""
    if plan.target.suffix not in (".shp", ".fgb") or not len(present):
        return
    with_z = shapely.has_z(present)
    flat = int((~with_z & ~shapely.is_empty(present)).sum())
    if with_z.any() and flat:
        plan.add_zero_z = True
        plan.note(
            None,
            f"{flat} 2D feature{'s' if flat > 1 else ''} given Z = 0: the layer also has 3D "
            f"features and a {plan.target.label} holds one kind",
        )


def _title(type_name: str) -> str:
    """shapely's GeometryType name ('MULTIPOLYGON') as in WKT ('MultiPolygon')."""
    for known in _FAMILIES:
        if known.upper() == type_name:
            return known
    return type_name
