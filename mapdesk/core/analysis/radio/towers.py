"""Radio tower sites and their ranges: which towers cover anything, and how far.

A tower's range comes from a field (the demo's ``coverage_km``, or one the
user names, in the unit the user names) or a default for towers without one.
Its ``status`` decides whether it covers anything: ``retired`` (and its
synonyms) never, ``planned`` only in a what-if that includes planned towers,
anything else (``active``, blank) always. The status codes are the network
asset model's (active/planned/retired); a value mapdesk does not know is
counted as in service and said so in the notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from mapdesk.core.analysis.service_areas import text_of
from mapdesk.core.errors import MapdeskError

TowerState = Literal["in service", "planned", "retired"]

#: Range field units: metres in one unit.
RANGE_UNITS = {"km": 1000.0, "m": 1.0, "mi": 1609.344, "ft": 0.3048}
#: The range field mapdesk looks for when none is named (the demo's).
DEFAULT_RANGE_FIELD = "coverage_km"
#: A range past this is a unit mix-up (metres in a km field), not a radio site.
MAX_RANGE_M = 500_000.0

RETIRED_STATUSES = frozenset(
    {"retired", "decommissioned", "abandoned", "removed", "demolished", "inactive",
     "out of service"}
)  # fmt: skip
PLANNED_STATUSES = frozenset({"planned", "proposed", "under construction", "future"})
IN_SERVICE_STATUSES = frozenset({"", "active", "in service", "operational", "existing"})

_NAME_FIELDS = ("name", "Name", "NAME", "DsplayName", "site_name")
_ID_FIELDS = ("site_id", "asset_id", "SiteID", "id")


@dataclass(frozen=True)
class RangeRule:
    """Where each tower's range comes from.

    Attributes
    ----------
    field
        The field holding each tower's range.
    unit
        That field's unit: ``km``, ``m``, ``mi`` or ``ft``.
    default_m
        The range (metres) of towers whose field is empty, or of every tower
        when the layer has no such field; None: a missing range is an error.
    override_m
        The range (metres) of every tower, whatever its field says: a
        what-if (portable radios inside buildings reach less far than
        mobiles). None: each tower's own range.
    """

    field: str = DEFAULT_RANGE_FIELD
    unit: str = "km"
    default_m: float | None = None
    override_m: float | None = None


@dataclass(frozen=True)
class TowerSite:
    """One tower: where it is, how far it reaches, and whether it counts."""

    fid: Any
    site_id: str
    name: str
    status: str  # as written in the data
    state: TowerState
    range_m: float
    used: bool  # covers something in this run
    lon: float
    lat: float


@dataclass(frozen=True)
class TowerSites:
    """The towers of a layer, with notes on what was left out and why."""

    layer: str
    sites: tuple[TowerSite, ...]
    notes: tuple[str, ...] = ()
    include_planned: bool = False  # planned towers count (a what-if)

    @property
    def used(self) -> tuple[TowerSite, ...]:
        return tuple(site for site in self.sites if site.used)


def tower_sites(
    frame: gpd.GeoDataFrame, layer: str, rule: RangeRule, include_planned: bool = False
) -> TowerSites:
    """The tower sites of ``frame`` (layer ``layer``), each with its range and state.

    Raises
    ------
    MapdeskError
        When the layer has no CRS, the range field is missing (and there is
        no default), or a tower's range is empty, not a number, not positive
        or implausibly large: the message names the tower and the value.
    """
    if rule.unit not in RANGE_UNITS:
        raise MapdeskError(f"Unknown range unit {rule.unit!r}: use one of {', '.join(RANGE_UNITS)}")
    if frame.crs is None:
        raise MapdeskError(f"Layer {layer} has no CRS: set it before the analysis")
    column = _column(frame, rule.field)
    if column is None and rule.default_m is None and rule.override_m is None:
        fields = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
        raise MapdeskError(
            f"Layer {layer} has no {rule.field} field for the tower ranges (it has {fields}): "
            "name the field, or give a default range"
        )
    lon, lat = _lonlat(frame)
    status_column = _column(frame, "status")
    sites: list[TowerSite] = []
    notes: list[str] = []
    for row in range(len(frame)):
        status = text_of(frame[status_column].iloc[row]) if status_column else ""
        site = _site(frame, row, status, (lon[row], lat[row]), include_planned)
        who = f"{layer} fid {site.fid}" + (
            f" ({site.site_id or site.name})" if site.site_id or site.name else ""
        )
        raw = frame[column].iloc[row] if column else None
        site = replace(site, range_m=_range_m(raw, rule, who, site.used))
        if math.isnan(site.lon):
            notes.append(f"{who} has no location: left out")
            continue
        if _status_key(status) not in _KNOWN_STATUSES:
            notes.append(
                f"{who}: status {status!r} is not one mapdesk knows; counted as in service"
            )
        sites.append(site)
    return TowerSites(layer, tuple(sites), tuple(notes), include_planned)


def _site(
    frame: gpd.GeoDataFrame,
    row: int,
    status: str,
    where: tuple[float, float],
    include_planned: bool,
) -> TowerSite:
    """The tower of ``row``, its range not read yet (NaN)."""
    fid = frame.index[row]
    state = tower_state(status)
    used = state == "in service" or (state == "planned" and include_planned)
    return TowerSite(
        fid=fid.item() if isinstance(fid, np.generic) else fid,
        site_id=_first_text(frame, row, _ID_FIELDS),
        name=_first_text(frame, row, _NAME_FIELDS),
        status=status,
        state=state,
        range_m=math.nan,
        used=used,
        lon=where[0],
        lat=where[1],
    )


_KNOWN_STATUSES = RETIRED_STATUSES | PLANNED_STATUSES | IN_SERVICE_STATUSES


def tower_state(status: str) -> TowerState:
    """``retired``, ``planned`` or ``in service`` for a status as written."""
    key = _status_key(status)
    if key in RETIRED_STATUSES:
        return "retired"
    if key in PLANNED_STATUSES:
        return "planned"
    return "in service"


def _status_key(status: str) -> str:
    return " ".join(status.lower().replace("_", " ").split())


def _range_m(raw: object, rule: RangeRule, where: str, used: bool) -> float:
    """The range in metres; NaN for an unusable one of a tower that covers nothing here."""
    try:
        return _checked_range_m(raw, rule, where)
    except MapdeskError:
        if used:
            raise
        return math.nan


def _checked_range_m(raw: object, rule: RangeRule, where: str) -> float:
    if rule.override_m is not None:
        return rule.override_m
    text = text_of(raw)
    if not text:
        if rule.default_m is None:
            raise MapdeskError(
                f"{where}: {rule.field} is empty; fill it in or give a default range"
            )
        return rule.default_m
    try:
        value = float(text) * RANGE_UNITS[rule.unit]
    except ValueError:
        raise MapdeskError(f"{where}: {rule.field} {text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise MapdeskError(f"{where}: {rule.field} {text} is not a positive range")
    if value > MAX_RANGE_M:
        raise MapdeskError(
            f"{where}: {rule.field} {text} {rule.unit} is more than "
            f"{MAX_RANGE_M / 1000:.0f} km; is the field in another unit?"
        )
    return value


def _lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each tower's longitude and latitude (NaN where it has no location)."""
    shapes = np.asarray(frame.geometry.array, dtype=object)
    located = ~(shapely.is_missing(shapes) | shapely.is_empty(shapes))
    lon = np.full(len(shapes), np.nan)
    lat = np.full(len(shapes), np.nan)
    if located.any():
        centres = shapely.centroid(shapes[located])  # a MultiPoint site: its middle
        xy = shapely.get_coordinates(centres)
        moved = gpd.GeoSeries.from_xy(xy[:, 0], xy[:, 1], crs=frame.crs).to_crs(CRS(4326))
        lon[located], lat[located] = moved.x.to_numpy(), moved.y.to_numpy()
    return lon, lat


def _column(frame: gpd.GeoDataFrame, name: str) -> str | None:
    found = {str(c).lower(): str(c) for c in frame.columns if c != frame.geometry.name}
    return found.get(name.lower())


def _first_text(frame: gpd.GeoDataFrame, row: int, fields: tuple[str, ...]) -> str:
    for name in fields:
        column = _column(frame, name)
        if column is not None and (text := text_of(frame[column].iloc[row])):
            return text
    return ""


def _who(site: TowerSite) -> str:
    label = " ".join(part for part in (site.site_id, site.name) if part)
    return f"Tower fid {site.fid}" + (f" ({label})" if label else "")
