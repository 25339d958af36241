"""Geometry checks: valid geometries, polygons that partition, boundaries that cover.

``geometry.invalid``, ``polygon.overlap``, ``polygon.gap``. Call routing
picks the PSAP polygon that contains a caller, so an overlap routes a call
two ways and a gap routes it nowhere.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from mapdesk.core.analysis.nena.context import Draft, NenaLayer, ValidationContext
from mapdesk.core.analysis.nena.layer_roles import SERVICE_URNS

#: Polygon layers whose polygons must not overlap one another.
PARTITIONS = (
    "PsapPolygon",
    "PolicePolygon",
    "FirePolygon",
    "EmsPolygon",
    "ProvisioningPolygon",
    "A1Polygon",
    "A2Polygon",
    "A3Polygon",
    "A4Polygon",
    "A5Polygon",
)
#: GEOS puts the place of a problem in its reason: "Self-intersection[x y]".
_REASON_PLACE = re.compile(r"\[\s*([-+\d.eE]+)\s+([-+\d.eE]+)")


def invalid_geometries(ctx: ValidationContext) -> list[Draft]:
    """``geometry.invalid``: no geometry, a geometry GEOS finds invalid, or one of
    another kind than the layer holds (a point in a polygon layer)."""
    out: list[Draft] = []
    for layer in ctx.layers.values():
        rows, problems, places = _geometry_problems(layer)
        out += ctx.drafts("geometry.invalid", layer, rows, problems, places)
    return out


def _geometry_problems(
    layer: NenaLayer,
) -> tuple[list[int], list[str], list[tuple[float, float] | None]]:
    geoms = layer.geometries
    rows: list[int] = []
    problems: list[str] = []
    places: list[tuple[float, float] | None] = []
    types = shapely.get_type_id(geoms)
    wanted = {_TYPE_IDS[name] for name in layer.spec.geometry_types}
    valid = shapely.is_valid(geoms)
    if layer.spec.geometry == "POLYLINE":  # a centreline must not cross or run over itself
        valid &= shapely.is_simple(geoms) | ~layer.present
    for row in np.flatnonzero(~layer.present | ~np.isin(types, list(wanted)) | ~valid):
        geom = geoms[row]
        rows.append(int(row))
        if not layer.present[row]:
            problems.append("has no geometry")
            places.append(None)
        elif _TYPE_NAMES[int(types[row])] not in layer.spec.geometry_types:
            kind = _TYPE_NAMES[int(types[row])]
            problems.append(f"is a {kind}; {layer.role} holds {layer.spec.geometry.lower()}s")
            places.append(_first_vertex(geom))
        elif not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            problems.append(f"is not a valid geometry: {reason}")
            places.append(_reason_place(reason) or _first_vertex(geom))
        else:
            problems.append("crosses or runs over itself")
            places.append(_self_crossing(geom))
    return rows, problems, places


def _self_crossing(line: Any) -> tuple[float, float] | None:
    """Where a line meets itself: the node most of its noded pieces end at."""
    pieces = shapely.get_parts(shapely.node(line))
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, i)) for i in (0, -1)])
    if not len(ends):
        return _first_vertex(line)
    nodes, counts = np.unique(np.round(ends, 6), axis=0, return_counts=True)
    x, y = nodes[int(np.argmax(counts))]
    return (float(x), float(y))


_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
_TYPE_IDS = {name: code for code, name in _TYPE_NAMES.items()}


def _reason_place(reason: str) -> tuple[float, float] | None:
    found = _REASON_PLACE.search(reason)
    return None if found is None else (float(found.group(1)), float(found.group(2)))


def _first_vertex(geom: Any) -> tuple[float, float] | None:
    xy = shapely.get_coordinates(geom)
    return (float(xy[0, 0]), float(xy[0, 1])) if len(xy) else None


def polygonal(geoms: npt.NDArray[Any]) -> Any:
    """The union of the polygon parts of ``geoms`` (lines left by make_valid dropped)."""
    parts = shapely.get_parts(geoms[~shapely.is_missing(geoms)])
    areas = parts[np.isin(shapely.get_type_id(parts), [3, 6])]
    return shapely.union_all(areas) if len(areas) else shapely.Polygon()


def overlaps(ctx: ValidationContext) -> list[Draft]:
    """``polygon.overlap``: two polygons of one layer sharing more than ``min_area_m2``.

    Reported on the later feature of each pair; either one's exception flag
    silences the pair.
    """
    out: list[Draft] = []
    for role in PARTITIONS:
        layer = ctx.layer(role)
        if layer is not None:
            out += _layer_overlaps(ctx, layer)
    return out


def _layer_overlaps(ctx: ValidationContext, layer: NenaLayer) -> list[Draft]:
    shapes = layer.shapes
    tree = shapely.STRtree(shapes)
    first, second = tree.query(shapes, predicate="intersects")
    keep = first < second
    first, second = first[keep], second[keep]
    excepted = layer.excepted("polygon.overlap")
    keep = ~excepted[first]
    first, second = first[keep], second[keep]
    shared = shapely.intersection(shapes[first], shapes[second])
    areas = shapely.area(shared)
    big = areas > ctx.options.min_area_m2
    rows, problems, places = [], [], []
    for a, b, area, common in zip(first[big], second[big], areas[big], shared[big], strict=True):
        rows.append(b)
        label = f" ({layer.labels[a]})" if layer.labels[a] else ""
        problems.append(f"overlaps fid {layer.fids[a]}{label} by {area:,.0f} m²")
        places.append(_inside(polygonal(np.array([common], dtype=object))))
    return ctx.drafts("polygon.overlap", layer, rows, problems, places)


def _inside(geom: Any) -> tuple[float, float] | None:
    if geom is None or shapely.is_empty(geom):
        return None
    point = shapely.point_on_surface(geom)
    return (float(shapely.get_x(point)), float(shapely.get_y(point)))


def gaps(ctx: ValidationContext) -> list[Draft]:
    """``polygon.gap``: a part of the provisioning area that a PSAP, police, fire or EMS
    layer leaves uncovered (each separate part larger than ``min_area_m2`` once)."""
    if ctx.provisioning is None:
        return []
    out: list[Draft] = []
    for role in SERVICE_URNS:
        layer = ctx.layer(role)
        if layer is None:
            continue
        uncovered = shapely.difference(ctx.provisioning, polygonal(layer.shapes))
        for part in shapely.get_parts(polygonal(np.array([uncovered], dtype=object))):
            area = float(shapely.area(part))
            if area <= ctx.options.min_area_m2:
                continue
            message = (
                f"{layer.name} ({role}) leaves {area:,.0f} m² of the provisioning area "
                "uncovered: a call from there has no "
                + ("PSAP" if role == "PsapPolygon" else role.removesuffix("Polygon").lower())
            )
            x, y = _inside(part) or (None, None)
            out.append(Draft("polygon.gap", layer.name, None, None, message, x, y))
    return out


def outside_area(ctx: ValidationContext, layer: NenaLayer) -> npt.NDArray[np.intp]:
    """Rows of ``layer`` with a geometry not wholly inside the provisioning area."""
    area = ctx.provisioning
    shapely.prepare(area)
    return np.flatnonzero(layer.present & ~shapely.covers(area, layer.shapes))


_AREA_SOURCES = {
    "ProvisioningPolygon": "provisioning polygons",
    "A3Polygon": "municipality (A3) polygons",
    "PsapPolygon": "PSAP polygons",
}


def provisioning_area(ctx: ValidationContext) -> tuple[Any, str | None]:
    """The area the data covers, and a note when it is not the ProvisioningPolygon layer.

    Without a ProvisioningPolygon layer the A3 (municipality) polygons stand in,
    then the PSAP polygons; None when there are none of these.
    """
    for role, what in _AREA_SOURCES.items():
        layer = ctx.layer(role)
        if layer is None or not layer.present.any():
            continue
        area = polygonal(layer.shapes)
        if role == "ProvisioningPolygon":
            return area, None
        return area, (
            f"No ProvisioningPolygon layer: the provisioning area is taken as the {what} "
            f"of {layer.name}, for polygon.gap, road.outside_provisioning and "
            "address.outside_provisioning"
        )
    return None, (
        "No ProvisioningPolygon, A3 or PSAP polygons: polygon.gap and the "
        "outside-provisioning checks did not run"
    )
