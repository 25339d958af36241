"""Location dossier: what a dispatcher or planner wants to know about one spot.

For a point: the municipality, PSAP and police/fire/EMS zones that contain
it, the nearest address point, the open FixIt incidents nearby, the nearest
network node and the radio towers that cover it. Each part names the layer
it came from, or says there was no such layer. Distances are metres,
measured in a metric CRS (:func:`~mapdesk.core.analysis.metric.metric_crs`)
on each layer's cached projection and STRtree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from mapdesk.core.analysis.incidents import CLOSED_STATUSES
from mapdesk.core.analysis.metric import metric_crs
from mapdesk.core.analysis.roles import (
    ADDRESS_ROLE,
    INCIDENT_ROLE,
    NODE_ROLE,
    TOWER_ROLE,
    ZONE_ROLES,
    LayerRole,
    column_of,
    find_layer,
)
from mapdesk.core.crs import transform_xy
from mapdesk.core.layer import VectorLayer
from mapdesk.core.nena_address import full_address
from mapdesk.core.project import Project

#: Open incidents are counted within this distance (metres).
INCIDENT_RADIUS_M = 200.0
#: How many of the nearby open incidents are listed.
INCIDENTS_LISTED = 5
#: SeeClickFix/Open311 statuses that mean the issue is dealt with.
DONE_STATUSES = CLOSED_STATUSES  # one rule with the Incident Analysis panel

_NAME_FIELDS = ("DsplayName", "name", "Name", "NAME", "A3", "Agency_ID", "label", "id")
_CATEGORY_FIELDS = ("service_name", "category", "request_type", "summary", "service_code")
_INCIDENT_ID_FIELDS = ("service_request_id", "id", "objectid")
_ASSET_ID_FIELDS = ("asset_id", "id", "name")


@dataclass(frozen=True)
class ZoneFinding:
    """The zones of one kind (municipality, PSAP...) that contain the point."""

    role: str
    title: str
    layer: str | None  # None: the project has no such layer
    names: tuple[str, ...]  # empty: the point is outside every zone


@dataclass(frozen=True)
class NearestAddress:
    layer: str | None
    address: str = ""
    distance_m: float = float("nan")


@dataclass(frozen=True)
class NearbyIncident:
    request_id: str
    category: str
    status: str
    distance_m: float


@dataclass(frozen=True)
class NearbyIncidents:
    layer: str | None
    radius_m: float = INCIDENT_RADIUS_M
    count: int = 0
    nearest: tuple[NearbyIncident, ...] = ()


@dataclass(frozen=True)
class NearestNode:
    layer: str | None
    asset_id: str = ""
    asset_type: str = ""
    distance_m: float = float("nan")


@dataclass(frozen=True)
class CoveringTower:
    name: str
    site_id: str
    distance_m: float
    coverage_km: float
    status: str = ""  # "active", "planned"...: a planned tower covers nothing yet


@dataclass(frozen=True)
class TowerCoverage:
    layer: str | None
    covering: tuple[CoveringTower, ...] = ()


@dataclass(frozen=True)
class Dossier:
    """Everything :func:`location_dossier` found about one point (in the project CRS)."""

    x: float
    y: float
    zones: tuple[ZoneFinding, ...]
    address: NearestAddress
    incidents: NearbyIncidents
    node: NearestNode
    towers: TowerCoverage

    def zone(self, role: str) -> ZoneFinding:
        """The finding for ``role`` ("municipality", "psap", "police", "fire", "ems")."""
        return next(zone for zone in self.zones if zone.role == role)


@dataclass(frozen=True)
class _Probe:
    """The point in the metric CRS, and the CRS."""

    point: shapely.Point
    crs: CRS


def location_dossier(project: Project, x: float, y: float, crs: CRS | None = None) -> Dossier:
    """The dossier of the point (x, y), given in ``crs`` (the project CRS by default).

    Raises :class:`~mapdesk.core.errors.MapdeskError` when neither the point
    nor the project has a CRS (distances could not be measured).
    """
    source = crs if crs is not None else project.crs
    px, py = x, y
    if project.crs is not None and source is not None:
        tx, ty = transform_xy([x], [y], source, project.crs)
        px, py = float(tx[0]), float(ty[0])
    base = project.crs if project.crs is not None else source
    work = metric_crs(base, px, py)
    mx, my = transform_xy([px], [py], base, work) if base is not None else ([px], [py])
    probe = _Probe(shapely.Point(float(mx[0]), float(my[0])), work)
    layers = list(project.layers)
    return Dossier(
        x=px,
        y=py,
        zones=tuple(_zone(find_layer(layers, role), role, probe) for role in ZONE_ROLES),
        address=_nearest_address(find_layer(layers, ADDRESS_ROLE), probe),
        incidents=_nearby_incidents(find_layer(layers, INCIDENT_ROLE), probe),
        node=_nearest_node(_node_layer(layers), probe),
        towers=_covering_towers(find_layer(layers, TOWER_ROLE), probe),
    )


def _zone(layer: VectorLayer | None, role: LayerRole, probe: _Probe) -> ZoneFinding:
    if layer is None:
        return ZoneFinding(role.key, role.title, None, ())
    tree = layer.projected(probe.crs).tree
    rows = np.sort(np.asarray(tree.query(probe.point, predicate="intersects"), dtype=np.intp))
    fields = (*role.fields, *_NAME_FIELDS)
    names = _texts(layer, rows, fields, fallback="(unnamed)")
    return ZoneFinding(role.key, role.title, layer.name, tuple(dict.fromkeys(names)))


def _nearest_address(layer: VectorLayer | None, probe: _Probe) -> NearestAddress:
    if layer is None:
        return NearestAddress(None)
    found = _nearest(layer, probe)
    if found is None:
        return NearestAddress(layer.name)
    row, distance = found
    return NearestAddress(layer.name, full_address(layer.attributes(row)), distance)


def _nearby_incidents(layer: VectorLayer | None, probe: _Probe) -> NearbyIncidents:
    if layer is None:
        return NearbyIncidents(None)
    geometries = layer.projected(probe.crs)
    rows = np.asarray(
        geometries.tree.query(probe.point, predicate="dwithin", distance=INCIDENT_RADIUS_M),
        dtype=np.intp,
    )
    rows = rows[_open(layer, rows)]
    distances = shapely.distance(geometries.geometries[rows], probe.point)
    order = np.lexsort((rows, distances))[:INCIDENTS_LISTED]
    listed = rows[order]
    ids = _texts(layer, listed, _INCIDENT_ID_FIELDS)
    categories = _texts(layer, listed, _CATEGORY_FIELDS)
    statuses = _texts(layer, listed, ("status",))
    nearest = tuple(
        NearbyIncident(request_id, category, status, float(distance))
        for request_id, category, status, distance in zip(
            ids, categories, statuses, distances[order], strict=True
        )
    )
    return NearbyIncidents(layer.name, INCIDENT_RADIUS_M, len(rows), nearest)


def _open(layer: VectorLayer, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Which of ``rows`` are not closed or archived (all, when there is no status)."""
    column = column_of(layer, ("status",))
    if column is None:
        return np.ones(len(rows), dtype=bool)
    statuses = layer.data[column].to_numpy()[rows].astype(str)
    return ~np.isin(np.char.lower(np.char.strip(statuses)), list(DONE_STATUSES))


def _node_layer(layers: Sequence[VectorLayer]) -> VectorLayer | None:
    """Network nodes: a point layer with asset ids, named like nodes."""
    layer = find_layer(layers, NODE_ROLE)
    if layer is None or column_of(layer, _ASSET_ID_FIELDS[:1]) is None:
        return None
    return layer


def _nearest_node(layer: VectorLayer | None, probe: _Probe) -> NearestNode:
    if layer is None:
        return NearestNode(None)
    found = _nearest(layer, probe)
    if found is None:
        return NearestNode(layer.name)
    row, distance = found
    rows = np.asarray([row], dtype=np.intp)
    asset_id = _texts(layer, rows, _ASSET_ID_FIELDS)[0]
    asset_type = _texts(layer, rows, ("type", "asset_type"))[0]
    return NearestNode(layer.name, asset_id, asset_type, distance)


def _covering_towers(layer: VectorLayer | None, probe: _Probe) -> TowerCoverage:
    if layer is None:
        return TowerCoverage(None)
    column = column_of(layer, ("coverage_km",))
    if column is None:
        return TowerCoverage(layer.name)
    reach_m = layer.data[column].to_numpy(dtype=float, na_value=np.nan) * 1000.0
    distances = shapely.distance(layer.projected(probe.crs).geometries, probe.point)
    rows = np.flatnonzero(distances <= reach_m)  # NaN (no range, no geometry) never covers
    rows = rows[np.argsort(distances[rows], kind="stable")]
    names = _texts(layer, rows, ("name", "DsplayName", "site_id"))
    site_ids = _texts(layer, rows, ("site_id", "asset_id", "id"))
    statuses = _texts(layer, rows, ("status",))
    covering = tuple(
        CoveringTower(name, site, float(distances[row]), float(reach_m[row]) / 1000.0, status)
        for name, site, status, row in zip(names, site_ids, statuses, rows, strict=True)
    )
    return TowerCoverage(layer.name, covering)


def _nearest(layer: VectorLayer, probe: _Probe) -> tuple[int, float] | None:
    """The row nearest the point and its distance; None when no feature has a geometry."""
    rows, distances = layer.projected(probe.crs).tree.query_nearest(
        probe.point, return_distance=True, all_matches=True
    )
    if len(rows) == 0:
        return None
    return int(np.min(rows)), float(distances[0])  # ties: the first in file order


def _texts(
    layer: VectorLayer, rows: npt.NDArray[np.intp], fields: Sequence[str], fallback: str = ""
) -> list[str]:
    """For each row, the text of the first of ``fields`` that has a value there."""
    columns = [c for c in dict.fromkeys(column_of(layer, (f,)) for f in fields) if c is not None]
    found = [fallback] * len(rows)
    for column in reversed(columns):  # the first field wins: it is written last
        values = layer.data[column].to_numpy()[rows]
        for i, value in enumerate(values):
            text = _text(value)
            if text:
                found[i] = text
    return found


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
