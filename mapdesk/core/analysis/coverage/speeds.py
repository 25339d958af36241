"""How fast, and which way, a road centreline is driven: NENA SpeedLimit, RoadClass, OneWay.

A segment's speed is its posted ``SpeedLimit`` (miles per hour, as US
NG9-1-1 data carries it) when that is a sane number, else the default of its
``RoadClass`` (:data:`CLASS_SPEED_MPH`), else :data:`FALLBACK_MPH`. Travel
time is the segment's length at that speed: no congestion, no turn costs,
no lights-and-siren factor, which is the planning convention (and an honest
limit of it). Paths, stairways, bike paths and bridle paths carry no engine
and are left out of the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mapdesk.core.analysis.coverage.model import (
    CountedWarning,
    Floats,
    Mask,
    WarningCollector,
    find_field,
)

#: Metres per second in one mile per hour.
MPS_PER_MPH = 0.44704
#: Posted limits outside this range (mph) are taken as data errors (0, 999, km/h typos).
SANE_MPH = (5.0, 85.0)
#: Drive speed (mph) for a road with no sane SpeedLimit, by NENA RoadClass
#: (lower-case). None: not drivable by an engine, so not in the network.
CLASS_SPEED_MPH: dict[str, float | None] = {
    "primary": 55.0,
    "secondary": 35.0,
    "local": 25.0,
    "ramp": 30.0,
    "service drive": 20.0,
    "alley": 10.0,
    "private": 15.0,
    "parking lot": 10.0,
    "vehicular trail": 10.0,
    "other": 25.0,
    "walkway/pedestrian trail": None,
    "stairway": None,
    "bike path or trail": None,
    "bridle path": None,
}
#: Speed (mph) for a road with neither a sane SpeedLimit nor a known RoadClass.
FALLBACK_MPH = 25.0
#: NENA OneWay codes: (forward allowed, backward allowed); forward is the digitised direction.
ONE_WAY = {"B": (True, True), "FT": (True, False), "TF": (False, True), "": (True, True)}


_NOT_DRIVABLE = (
    "{n} road features are paths, stairways or trails (RoadClass) and are left out of the "
    "drive network"
)
_INVALID = (
    f"{{n}} road features have a SpeedLimit outside {SANE_MPH[0]:g}-{SANE_MPH[1]:g} mph: "
    "their RoadClass speed is used"
)
_CLASS_DEFAULT = "{n} road features have no SpeedLimit: their RoadClass speed is used"
_ASSUMED = (
    "{n} road features have neither a usable SpeedLimit nor a known RoadClass: "
    f"{FALLBACK_MPH:g} mph is assumed"
)
_UNKNOWN_WAY = (
    "{n} road features have a OneWay value other than B, FT or TF: they are taken as two-way"
)


@dataclass(frozen=True)
class RoadRules:
    """Per road feature: speed, allowed directions, drivable, and what was assumed."""

    speed_mph: Floats
    forward: Mask
    backward: Mask
    drivable: Mask
    warnings: tuple[CountedWarning, ...]


def road_rules(frame: pd.DataFrame, labels: Sequence[str]) -> RoadRules:
    """Speed and one-way rules of every row of a road centreline table.

    Parameters
    ----------
    frame
        The roads; ``SpeedLimit``, ``RoadClass`` and ``OneWay`` are found
        whatever their case, and each may be missing.
    labels
        A name per row for the warnings' examples (NGUID, or fid).
    """
    limits = _number_column(frame, "SpeedLimit")
    classes = _text_column(frame, "RoadClass").str.lower()
    class_speed = classes.map(CLASS_SPEED_MPH)
    known_class = classes.isin(list(CLASS_SPEED_MPH))
    drivable = ~(known_class & class_speed.isna()).to_numpy()
    present = limits.notna().to_numpy()
    sane = present & ((limits >= SANE_MPH[0]) & (limits <= SANE_MPH[1])).to_numpy()
    by_class = class_speed.fillna(FALLBACK_MPH).to_numpy(dtype=float)
    speed = np.where(sane, limits.fillna(0).to_numpy(dtype=float), by_class)
    forward, backward, unknown_way = _directions(_text_column(frame, "OneWay"))
    classed = known_class.to_numpy()
    warn = WarningCollector(labels)
    warn.add("road.not_drivable", ~drivable, _NOT_DRIVABLE)
    warn.add("speed.invalid", drivable & present & ~sane & classed, _INVALID)
    warn.add("speed.class_default", drivable & ~present & classed, _CLASS_DEFAULT)
    warn.add("speed.assumed", drivable & ~sane & ~classed, _ASSUMED)
    warn.add("oneway.unknown", drivable & unknown_way, _UNKNOWN_WAY)
    return RoadRules(speed, forward, backward, drivable, tuple(warn.found))


def _directions(codes: pd.Series) -> tuple[Mask, Mask, Mask]:
    normalised = codes.str.upper()
    known = normalised.isin(list(ONE_WAY)).to_numpy()
    forward = (normalised != "TF").to_numpy() | ~known
    backward = (normalised != "FT").to_numpy() | ~known
    return forward, backward, ~known


def _number_column(frame: pd.DataFrame, name: str) -> pd.Series:
    column = find_field(frame, (name,))
    if column is None:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    column = find_field(frame, (name,))
    if column is None:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype("string").fillna("").str.strip().astype(object)
