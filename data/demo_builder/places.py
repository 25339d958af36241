"""Claiming lots for named places (stations, city sites) so they get real addresses."""

from __future__ import annotations

import math

from shapely.geometry import Point

from .lots import Lot
from .streets import PRIORITY_ARTERIAL, RoadNetwork


def claim_lot(
    lots: list[Lot],
    net: RoadNetwork,
    target: tuple[float, float],
    name: str,
    land_use: str,
    place_type: str,
    owner: str,
    town: str | None = None,
    prefer_arterial: bool = True,
    share_with: str | None = None,
) -> Lot:
    """Give the free lot nearest `target` (on an arterial if one is close) to a named place."""
    if share_with is not None:
        return next(lot for lot in lots if lot.site_name == share_with)

    def free(lot: Lot) -> bool:
        return not lot.site_name and lot.units == 1 and (town is None or lot.town == town)

    def dist(lot: Lot) -> float:
        return math.dist((lot.point.x, lot.point.y), target)

    pool = [lot for lot in lots if free(lot)]
    best = min(pool, key=dist)
    if prefer_arterial:
        arterial = [
            lot for lot in pool if net.segments[lot.segment].street.priority <= PRIORITY_ARTERIAL
        ]
        if arterial:
            near = min(arterial, key=dist)
            if dist(near) < dist(best) + 350:
                best = near
    best.site_name = name
    best.land_use = land_use
    best.place_type = place_type
    best.owner_type = owner
    return best


def lot_address(lot: Lot, net: RoadNetwork) -> str:
    return lot.full_address(net.segments[lot.segment])


def lot_point(lot: Lot) -> Point:
    return lot.point
