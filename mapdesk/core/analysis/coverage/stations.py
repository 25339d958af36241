"""The responding stations: who they are and how long they take to turn out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from mapdesk.core.analysis.coverage.model import (
    CountedWarning,
    Floats,
    Geometries,
    Ints,
    WarningCollector,
    feature_labels,
    find_field,
)
from mapdesk.core.errors import MapdeskError

#: Fields that name a station, first found wins (case-insensitive).
ID_FIELDS = ("station_id", "StationID", "Station_ID", "name", "NAME")
NAME_FIELDS = ("name", "station_name", "DsplayName", "Name")
#: The field of per-station turnout seconds.
TURNOUT_FIELD = "turnout_s"

_REPEATED = "{n} stations repeat another's id: they are told apart as ID (2), ID (3) ..."


@dataclass(frozen=True)
class StationTable:
    """Stations as the analysis uses them.

    Attributes
    ----------
    ids
        A unique id per station (its ``station_id``, or name, or fid).
    names
        A display name per station.
    turnout_s
        Seconds from alert to leaving, per station.
    points
        The station geometries (in the source CRS until moved).
    warnings
        What was assumed (missing turnouts, repeated ids), counted.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    turnout_s: Floats
    points: Geometries
    warnings: tuple[CountedWarning, ...]

    def rows_of(self, ids: Sequence[str]) -> Ints:
        """Positions of the stations with these ids.

        Raises
        ------
        MapdeskError
            Naming an unknown id, and some valid ones.
        """
        where = {station: row for row, station in enumerate(self.ids)}
        unknown = [station for station in ids if station not in where]
        if unknown:
            known = ", ".join(self.ids[:8]) + (" ..." if len(self.ids) > 8 else "")
            raise MapdeskError(f"No station has the id {', '.join(unknown)} (stations: {known})")
        return np.array([where[station] for station in ids], dtype=np.intp)


def station_table(
    stations: gpd.GeoDataFrame, default_turnout_s: float, id_field: str | None = None
) -> StationTable:
    """The stations of a point layer.

    Parameters
    ----------
    stations
        Station points; ``turnout_s`` (seconds) is used where it holds a
        number from 0 to 3600.
    default_turnout_s
        Turnout for the others.
    id_field
        The field that identifies a station; ``station_id`` (or ``name``,
        or the fid) when omitted.

    Raises
    ------
    MapdeskError
        When the layer has no station, or ``id_field`` is not one of its fields.
    """
    if not len(stations):
        raise MapdeskError("The station layer has no stations")
    raw_ids = _ids(stations, id_field)
    ids = _unique(raw_ids)
    names_column = find_field(stations, NAME_FIELDS)
    names = tuple(
        stations[names_column].astype("string").fillna("").astype(str) if names_column else ids
    )
    warn = WarningCollector(ids)
    turnout = _turnouts(stations, default_turnout_s, warn)
    repeated = np.array([a != b for a, b in zip(raw_ids, ids, strict=True)], dtype=bool)
    warn.add("station.repeated_id", repeated, _REPEATED)
    return StationTable(ids, names, turnout, np.asarray(stations.geometry.array), tuple(warn.found))


def _ids(stations: gpd.GeoDataFrame, id_field: str | None) -> list[str]:
    if id_field is not None and id_field not in stations.columns:
        fields = ", ".join(str(c) for c in stations.columns if c != stations.geometry.name)
        raise MapdeskError(f"The station layer has no field '{id_field}' (fields: {fields})")
    return list(feature_labels(stations, (id_field,) if id_field else ID_FIELDS))


def _unique(ids: list[str]) -> tuple[str, ...]:
    seen: Counter[str] = Counter()
    unique = []
    for station in ids:
        seen[station] += 1
        unique.append(station if seen[station] == 1 else f"{station} ({seen[station]})")
    return tuple(unique)


def _turnouts(stations: gpd.GeoDataFrame, default_s: float, warn: WarningCollector) -> Floats:
    column = find_field(stations, (TURNOUT_FIELD,))
    if column is None:
        return np.full(len(stations), float(default_s))
    values = pd.to_numeric(stations[column], errors="coerce").to_numpy(dtype=float)
    usable = np.isfinite(values) & (values >= 0) & (values <= 3600)
    message = f"{{n}} stations have no usable {column} (0-3600 s): {default_s:g} s is used"
    warn.add("station.turnout_default", ~usable, message)
    return np.where(usable, values, float(default_s))
