"""The options, what-if scenario and counted warnings of a drive-time coverage run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from mapdesk.core.errors import MapdeskError

#: Array types of the analysis: per segment, node, station or point.
Ints = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
Geometries = npt.NDArray[np.object_]

#: How far (metres) an address, incident or station may be from a road and
#: still be reached by it (a driveway, a set-back building); the travel-time
#: areas are the reached roads widened by this much.
DEFAULT_ACCESS_M = 100.0
#: Road ends closer than this (metres) meet: digitising slips of a few
#: centimetres must not break a street in two.
DEFAULT_SNAP_M = 1.0
#: Turnout (seconds from alert to wheels rolling) for a station that does not give its own.
DEFAULT_TURNOUT_S = 60.0


@dataclass(frozen=True)
class CoverageOptions:
    """What a coverage run computes and how.

    Attributes
    ----------
    minutes
        The travel-time bands, in minutes from the alert (turnout + drive),
        smallest first.
    turnout_s
        Turnout for stations without a usable ``turnout_s`` value.
    travel_only
        Leave turnout out: the bands count the drive alone (NFPA 1710 quotes
        240 s of travel for the first engine).
    access_m
        See :data:`DEFAULT_ACCESS_M`.
    snap_m
        See :data:`DEFAULT_SNAP_M`.
    """

    minutes: tuple[float, ...] = (4.0, 8.0)
    turnout_s: float = DEFAULT_TURNOUT_S
    travel_only: bool = False
    access_m: float = DEFAULT_ACCESS_M
    snap_m: float = DEFAULT_SNAP_M

    def __post_init__(self) -> None:
        if not self.minutes or any(not 0 < m <= 240 for m in self.minutes):
            raise MapdeskError(f"Bands must be between 0 and 240 minutes, got {self.minutes}")
        if sorted(set(self.minutes)) != list(self.minutes):
            raise MapdeskError(f"Bands must be given once each, smallest first: {self.minutes}")
        if not 0 <= self.turnout_s <= 3600:
            raise MapdeskError(f"A turnout of {self.turnout_s} s is outside 0-3600 s")
        if not 0 < self.access_m <= 5000:
            raise MapdeskError(f"The access tolerance {self.access_m} m is outside 0-5000 m")
        if not 0 <= self.snap_m <= 100:
            raise MapdeskError(f"The road-end tolerance {self.snap_m} m is outside 0-100 m")


def parse_minutes(text: str, what: str = "Bands") -> tuple[float, ...]:
    """``"4,8"`` as (4.0, 8.0), sorted, each once; ``what`` names the input in messages.

    Raises
    ------
    MapdeskError
        For anything but positive numbers of minutes.
    """
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise MapdeskError(f"{what} '{text}' is not a list of minutes like 4,8") from None
    if not values or any(not 0 < v <= 240 for v in values):
        raise MapdeskError(f"{what} '{text}': each band must be more than 0 and at most 240")
    return tuple(sorted(set(values)))


@dataclass(frozen=True)
class WhatIf:
    """A scenario: stations out of service and roads closed.

    Attributes
    ----------
    disabled_stations
        Station ids taken out of service.
    closed_roads
        Positions (0-based rows) of road features taken as closed: routes
        avoid them and nothing is reached along them.
    """

    disabled_stations: frozenset[str] = frozenset()
    closed_roads: frozenset[int] = frozenset()

    @property
    def is_baseline(self) -> bool:
        """True when nothing is disabled or closed."""
        return not self.disabled_stations and not self.closed_roads


@dataclass(frozen=True)
class CountedWarning:
    """Something in the data the analysis worked around, counted.

    Attributes
    ----------
    kind
        A stable key (``road.zero_length``, ``speed.class_default`` ...).
    count
        How many features it concerns.
    message
        For a person: what was found, how often, and what was done.
    examples
        Up to a few feature ids (or rows) concerned, to look at first.
    """

    kind: str
    count: int
    message: str
    examples: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the report."""
        return {
            "kind": self.kind,
            "count": self.count,
            "message": self.message,
            "examples": list(self.examples),
        }


class WarningCollector:
    """Collects counted warnings, each with the first few features concerned.

    Parameters
    ----------
    labels
        A name per row of the layer the masks are over (its NGUID, id or fid).
    """

    #: Examples kept per warning.
    EXAMPLES = 5

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = labels
        self.found: list[CountedWarning] = []

    def add(self, kind: str, mask: Mask, template: str) -> None:
        """A warning for the rows where ``mask`` is true; ``{n}`` in the template is their count."""
        count = int(np.count_nonzero(mask))
        if count:
            rows = np.flatnonzero(mask)[: self.EXAMPLES]
            examples = tuple(str(self.labels[row]) for row in rows)
            self.found.append(CountedWarning(kind, count, template.format(n=count), examples))


def find_field(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    """The first of ``names`` that is a column of ``frame``, whatever its case
    (NENA files vary: ``ONEWAY``, ``OneWay``); None when none is."""
    columns = {str(c).lower(): str(c) for c in frame.columns}
    for name in names:
        found = columns.get(name.lower())
        if found is not None:
            return found
    return None


#: Fields that name a road feature in messages (NENA's road NGUID first).
ROAD_ID_FIELDS = ("RCL_NGUID", "NGUID", "RoadID", "objectid", "OBJECTID")


def feature_labels(frame: pd.DataFrame, fields: Sequence[str]) -> tuple[str, ...]:
    """A name per row: the first of ``fields`` the table has (blank values fall back to
    the row's index label, its fid)."""
    column = find_field(frame, fields)
    index = [str(label) for label in frame.index]
    if column is None:
        return tuple(index)
    values = frame[column].astype("string").fillna("").str.strip()
    return tuple(value or fid for value, fid in zip(values, index, strict=True))
