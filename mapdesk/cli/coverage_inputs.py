"""The layers ``mapdesk coverage`` reads, each from a file (and a layer of it).

A GeoPackage holds many layers: when none is named, the layer is found by
its usual NENA or demo name (``road_centerlines``, ``stations``,
``address_points`` ...), else as the only layer of the right geometry.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from mapdesk.cli.common import progress
from mapdesk.core.errors import LayerNotFoundError, MapdeskError

if TYPE_CHECKING:
    from mapdesk.io.sources import LayerInfo

#: Each file's layers, listed once per command.
Listings = dict[str, list["LayerInfo"]]


@dataclass(frozen=True)
class Role:
    """One input: its name in messages, the option naming its layer, how to find it."""

    what: str
    option: str
    names: tuple[str, ...]
    geometry: tuple[str, ...]


LINES = ("LineString", "MultiLineString")
POINTS = ("Point", "MultiPoint")
POLYGONS = ("Polygon", "MultiPolygon")
ROADS = Role(
    "road",
    "--roads-layer",
    ("road_centerlines", "roadcenterlines", "roadcenterline", "rcl", "roads", "streets"),
    LINES,
)
STATIONS = Role("station", "--stations-layer", ("stations", "fire_stations", "station"), POINTS)
ADDRESSES = Role(
    "address",
    "--addresses-layer",
    (
        "address_points",
        "sitestructureaddresspoints",
        "sitestructureaddresspoint",
        "addresspoints",
        "addresses",
    ),
    POINTS,
)
INCIDENTS = Role("incident", "--incidents-layer", ("fixit_incidents", "incidents", "calls"), POINTS)
PSAPS = Role(
    "PSAP", "--psap-layer", ("psap_boundary", "psappolygon", "psap_polygons", "psap"), POLYGONS
)


@dataclass(frozen=True)
class InputLayer:
    """A layer read for one role, and where it came from."""

    frame: gpd.GeoDataFrame
    path: Path
    layer: str

    @property
    def label(self) -> str:
        """``file.gpkg:layer``, for the report."""
        return f"{self.path}:{self.layer}"


def read_input(
    path: str, layer: str | None, role: Role, listings: Listings | None = None
) -> InputLayer:
    """The layer playing ``role`` in ``path`` (named, or found as the module says).

    ``listings`` keeps each file's layer list for the command's other inputs:
    listing a GeoPackage opens every layer, and a command often reads five
    roles from the same file.

    Raises
    ------
    MapdeskError
        When the file cannot be read, or holds several layers none of which
        is recognisably the one (the message lists them and names the option).
    """
    from mapdesk.io.sandbox import read_user_layer

    chosen = (
        layer if layer is not None else _guess(path, role, {} if listings is None else listings)
    )
    progress(f"reading the {role.what} layer {Path(path).name}" + (f":{chosen}" if chosen else ""))
    try:
        read = read_user_layer(path, chosen)
    except LayerNotFoundError as exc:
        raise MapdeskError(f"{exc} (choose the {role.what} layer with {role.option})") from exc
    for note in read.warnings:
        print(f"mapdesk: note: {Path(path).name}: {note}", file=sys.stderr)
    return InputLayer(read.frame, Path(path), read.source.layer or Path(path).stem)


def _guess(path: str, role: Role, listings: Listings) -> str | None:
    """The layer to read for ``role`` when none is named; None for a one-layer file."""
    from mapdesk.io.registry import list_layers

    if path not in listings:
        listings[path] = list_layers(path)
    infos = listings[path]
    if len(infos) <= 1:
        return None
    by_name = {info.name.lower(): info.name for info in infos}
    for name in role.names:
        if name in by_name:
            return by_name[name]
    fitting = [info.name for info in infos if info.geometry_type in role.geometry]
    if len(fitting) == 1:
        return fitting[0]
    names = ", ".join(info.name for info in infos)
    raise MapdeskError(
        f"{Path(path).name} holds several layers ({names}): choose the {role.what} layer "
        f"with {role.option}"
    )


def rows_of_roads(roads: InputLayer, ids: Sequence[str], where: str | None) -> frozenset[int]:
    """Rows of the road features to close: by id (NGUID or fid) and by a filter expression.

    Raises
    ------
    MapdeskError
        Naming ids no road has (and some that it has), or a bad expression.
    """
    from mapdesk.core.analysis.coverage.model import ROAD_ID_FIELDS, feature_labels
    from mapdesk.core.expression import matches

    labels = feature_labels(roads.frame, ROAD_ID_FIELDS)
    fids = [str(fid) for fid in roads.frame.index]
    rows = {label: row for row, label in enumerate(labels)}
    rows.update({fid: row for row, fid in enumerate(fids) if fid not in rows})
    unknown = [road for road in ids if road not in rows]
    if unknown:
        raise MapdeskError(
            f"No road has the id {', '.join(unknown)} (give a road's NGUID or fid, e.g. "
            f"{labels[0]})"
        )
    chosen = {rows[road] for road in ids}
    if where:
        chosen |= {int(row) for row in matches(where, roads.frame).nonzero()[0]}
    return frozenset(chosen)


def stations_matching(stations: InputLayer, where: str | None) -> gpd.GeoDataFrame:
    """The stations a filter expression keeps (all without one).

    Raises
    ------
    MapdeskError
        For a bad expression, or one that keeps no station.
    """
    if not where:
        return stations.frame
    from mapdesk.core.expression import matches

    kept = stations.frame[matches(where, stations.frame)]
    if not len(kept):
        raise MapdeskError(
            f"--stations-where {where!r} keeps none of the {len(stations.frame)} stations"
        )
    return kept
