"""A coverage study's inputs taken from a project's layers (the GUI's counterpart of the
CLI's file reading): the stations of one type, PSAP names, address labels, the roads
selected to close.

Planners study fire first-due apart from police and EMS, so the stations can be
narrowed to one value of their type field (``type`` in the demo and most station
layers).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from mapdesk.core.analysis.coverage.model import feature_labels, find_field
from mapdesk.core.analysis.coverage.study import CoverageInputs
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

#: Fields that hold a station's kind (Fire, Police, EMS), first found wins.
STATION_TYPE_FIELDS = ("type", "station_type", "StationType", "Stn_Type", "category")
#: Fields that name a PSAP polygon in the report (NENA's display name first).
PSAP_NAME_FIELDS = ("DsplayName", "PSAP_Name", "name", "Agency_ID")
#: Fields that name an address point in the address layers (NENA's full address first).
ADDRESS_LABEL_FIELDS = ("FullAddr", "Full_Addr", "address", "NGUID")


def station_type_field(stations: pd.DataFrame) -> str | None:
    """The station layer's type field (``type``...), None when it has none."""
    return find_field(stations, STATION_TYPE_FIELDS)


def station_types(stations: pd.DataFrame) -> tuple[str, ...]:
    """The distinct station types (blank ones left out), sorted; empty without a type field."""
    field = station_type_field(stations)
    if field is None:
        return ()
    values = stations[field].dropna().astype(str).str.strip()
    return tuple(sorted(set(values[values != ""])))


def stations_of_type(stations: gpd.GeoDataFrame, station_type: str | None) -> gpd.GeoDataFrame:
    """The stations whose type is ``station_type`` (all of them when None).

    Raises
    ------
    MapdeskError
        When the layer has no type field, or no station of that type.
    """
    if station_type is None:
        return stations
    field = station_type_field(stations)
    if field is None:
        raise MapdeskError("The station layer has no type field to choose stations by")
    kept = stations[stations[field].astype("string").str.strip() == station_type]
    if not len(kept):
        raise MapdeskError(f"No station of type '{station_type}' (in the field '{field}')")
    return kept


def psap_names(psaps: pd.DataFrame) -> list[str]:
    """A name per PSAP polygon: its DsplayName, else another name field, else the fid."""
    return list(feature_labels(psaps, PSAP_NAME_FIELDS))


def address_labels(addresses: pd.DataFrame) -> list[str]:
    """A label per address point: its FullAddr, else another address field, else the fid."""
    return list(feature_labels(addresses, ADDRESS_LABEL_FIELDS))


def selected_rows(layer: VectorLayer) -> frozenset[int]:
    """Positions (0-based rows) of the layer's selected features: the roads a what-if closes."""
    chosen = layer.data.index.isin(list(layer.selected_fids))
    return frozenset(int(row) for row in np.flatnonzero(chosen))


@dataclass(frozen=True)
class StudyLayers:
    """The project layers a coverage study reads.

    Attributes
    ----------
    roads, stations
        Road centrelines and station points.
    station_type
        Only stations of this type (None: all).
    addresses, incidents, psaps
        Optional: points to count, polygons to count them per.
    """

    roads: VectorLayer
    stations: VectorLayer
    station_type: str | None = None
    addresses: VectorLayer | None = None
    incidents: VectorLayer | None = None
    psaps: VectorLayer | None = None

    def inputs(self) -> CoverageInputs:
        """The study's inputs from the layers' features as they are now.

        Raises
        ------
        MapdeskError
            When no station is of the type chosen.
        """
        psaps = self.psaps.data if self.psaps is not None else None
        return CoverageInputs(
            self.roads.data,
            stations_of_type(self.stations.data, self.station_type),
            self.addresses.data if self.addresses is not None else None,
            self.incidents.data if self.incidents is not None else None,
            psaps,
            psap_names=psap_names(psaps) if psaps is not None else None,
        )

    def address_labels(self) -> list[str] | None:
        """A label per address point, for the address layers (None without addresses)."""
        return address_labels(self.addresses.data) if self.addresses is not None else None

    def described(self) -> dict[str, str]:
        """Per role read, the layer (and its file when it has one), for the report's ``inputs``."""
        roles = {
            "roads": self.roads,
            "stations": self.stations,
            "addresses": self.addresses,
            "incidents": self.incidents,
            "psap": self.psaps,
        }
        return {role: _described(layer) for role, layer in roles.items() if layer is not None}

    def source_paths(self) -> list[str]:
        """The files the layers were read from (an export must not overwrite them)."""
        layers = (self.roads, self.stations, self.addresses, self.incidents, self.psaps)
        return [x.origin.path for x in layers if x is not None and x.origin is not None]


def _described(layer: VectorLayer) -> str:
    origin = layer.origin
    if origin is None:
        return layer.name
    where = f"{origin.path}:{origin.layer}" if origin.layer else origin.path
    return f"{layer.name} ({where})"
