"""A polygon layer's features as the areas an analysis tallies by: PSAPs, municipalities...

Radio coverage counts addresses per PSAP; boundary QA compares PSAP,
police, fire and EMS polygons with each other and with the municipalities.
Both need the same thing: each polygon in the analysis CRS, with its fid and
a name a person recognises ("Greater Portland Regional 9-1-1 PSAP (fid 1)").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from mapdesk.core.errors import MapdeskError

#: Fields that name a service boundary or a municipality, best first.
NAME_FIELDS = ("DsplayName", "A3", "Inc_Muni", "name", "Name", "NAME", "Agency_ID", "NGUID")

Geometries = npt.NDArray[np.object_]


@dataclass(frozen=True)
class ServiceAreas:
    """The polygons of one layer, in the analysis CRS.

    Attributes
    ----------
    layer
        The layer's name, as findings and reports cite it.
    fids
        Each polygon's feature id in its file.
    names
        Each polygon's name (its first non-empty name field; else "fid N").
    geometries
        The polygons (valid: repaired ones are listed in ``repaired``).
    keys
        Each polygon's identifying values (name fields, lower case), which a
        user-given table may name it by.
    repaired
        Fids of polygons that were invalid and were repaired for the analysis.
    """

    layer: str
    fids: tuple[Any, ...]
    names: tuple[str, ...]
    geometries: Geometries
    keys: tuple[frozenset[str], ...] = ()
    repaired: tuple[Any, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.fids)

    def label(self, row: int) -> str:
        """``"Portland (fid 1)"``: the name and fid a person finds the polygon by."""
        return f"{self.names[row]} (fid {self.fids[row]})"

    def find(self, key: str) -> int | None:
        """The row named ``key`` (any name field, case and spaces aside); None if none."""
        wanted = key.strip().lower()
        return next((row for row, keys in enumerate(self.keys) if wanted in keys), None)


def service_areas(frame: gpd.GeoDataFrame, layer: str, crs: CRS) -> ServiceAreas:
    """The polygons of ``frame`` (layer ``layer``) in ``crs``; empty and missing ones left out.

    Raises
    ------
    MapdeskError
        When the layer has no CRS or holds no polygons.
    """
    if frame.crs is None:
        raise MapdeskError(f"Layer {layer} has no CRS: set it before the analysis")
    moved = frame.to_crs(crs)
    shapes = np.asarray(moved.geometry.array, dtype=object)
    keep = ~(shapely.is_missing(shapes) | shapely.is_empty(shapes))
    keep &= np.isin(shapely.get_type_id(shapes), (3, 6))  # Polygon, MultiPolygon
    if not keep.any():
        raise MapdeskError(f"Layer {layer} has no polygons")
    rows = np.flatnonzero(keep)
    invalid = ~shapely.is_valid(shapes[rows])
    geometries = shapes[rows].copy()
    geometries[invalid] = shapely.make_valid(
        geometries[invalid], method="structure", keep_collapsed=False
    )
    fids = tuple(_plain(f) for f in moved.index.to_numpy()[rows])
    names = _names(moved, rows, fids)
    keys = _keys(moved, rows)
    repaired = tuple(f for f, bad in zip(fids, invalid, strict=True) if bad)
    return ServiceAreas(layer, fids, names, geometries, keys, repaired)


def _names(
    frame: gpd.GeoDataFrame, rows: npt.NDArray[np.intp], fids: Sequence[Any]
) -> tuple[str, ...]:
    found = [f"fid {fid}" for fid in fids]
    for column in reversed(_name_columns(frame)):  # the first field wins: written last
        values = frame[column].to_numpy()[rows]
        for i, value in enumerate(values):
            text = text_of(value)
            if text:
                found[i] = text
    return tuple(found)


def _keys(frame: gpd.GeoDataFrame, rows: npt.NDArray[np.intp]) -> tuple[frozenset[str], ...]:
    columns = _name_columns(frame)
    table = [frame[c].to_numpy()[rows] for c in columns]
    return tuple(
        frozenset(t.lower() for column in table if (t := text_of(column[i])))
        for i in range(len(rows))
    )


def _name_columns(frame: gpd.GeoDataFrame) -> list[str]:
    present = {str(c).lower(): str(c) for c in frame.columns if c != frame.geometry.name}
    return [present[n.lower()] for n in dict.fromkeys(NAME_FIELDS) if n.lower() in present]


def records(frame: gpd.GeoDataFrame, rows: npt.NDArray[np.intp]) -> list[dict[str, Any]]:
    """The attributes of ``rows`` of ``frame``, one dict per row (no geometry)."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name)).take(rows)
    return [{str(k): v for k, v in record.items()} for record in table.to_dict("records")]


def text_of(value: object) -> str:
    """A cell as text: "" for null, whole floats without ".0"."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return "" if text in ("<NA>", "nan", "NaT", "None") else text


def _plain(value: Any) -> Any:
    """A numpy scalar fid as the Python number JSON and GeoPackages take."""
    return value.item() if isinstance(value, np.generic) else value
