"""Lots along the streets: one parcel quad and one (or a few) address points per lot.

Lots are laid out along each side of every addressable segment with zone-dependent
frontage and depth, set back from the centreline. A lot's house number comes from its
distance along the street, so it always falls inside the segment's range with the parity of
its side (odd left, even right). Candidates that leave the land, cross a town line, come
near another road or overlap an earlier lot are dropped; the rest are thinned to the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from .geography import PENINSULA_AXIS_DEG, Geography
from .streets import (
    GRID_ZONES,
    PRIORITY_ARTERIAL,
    GridZone,
    RoadNetwork,
    Segment,
    number_at,
    road_free_areas,
)

TARGET_LOTS = 9600
CORNER_MARGIN_M = 14.0
CITY_HALL = ("Congress St", 389)

# frontage (min, max) and depth (min, max) in metres by zone style
LOT_SHAPES = {
    "peninsula": ((15, 24), (26, 52)),
    "urban": ((16, 30), (30, 55)),
    "suburban": ((22, 45), (35, 60)),
    "rural": ((30, 60), (40, 60)),
}


@dataclass
class Lot:
    segment: int
    left: bool
    number: int
    frontage: float
    quad: Polygon
    point: Point
    zone: GridZone
    town: str = ""
    units: int = 1
    land_use: str = "Residential"
    place_type: str = "residence"
    owner_type: str = "Private"
    site_name: str = ""  # set when a city site or station claims the lot
    forced: bool = False

    def full_address(self, seg: Segment) -> str:
        return f"{self.number} {seg.street.full_name}"


ZIP_04102 = ("Libbytown", "Stroudwater", "Rocky Hill", "Nasons Corner")
TOWN_ZIP = {"South Portland": "04106", "Cape Elizabeth": "04107"}


def zip_code(lot: Lot) -> str:
    """04101 peninsula east and islands, 04102 West End and the west, 04103 the north."""
    if lot.town in TOWN_ZIP:
        return TOWN_ZIP[lot.town]
    if lot.zone.name == "Peninsula":
        t = math.radians(PENINSULA_AXIS_DEG)
        along = lot.point.x * math.cos(t) + lot.point.y * math.sin(t)
        return "04102" if along < -600 else "04101"
    if lot.zone.name in ZIP_04102:
        return "04102"
    return "04101" if lot.zone.name == "Peaks Island" else "04103"


def zone_style(zone: GridZone) -> str:
    if zone.peninsula_names:
        return "peninsula"
    if zone.town == "Cape Elizabeth" or zone.density <= 0.45:
        return "rural"
    return "urban" if zone.density >= 0.7 else "suburban"


def frames_along(seg: Segment, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Base points and unit tangents of `seg` at the distances `s` (vectorised)."""
    length = seg.geom.length
    probes = np.concatenate([np.clip(s - 0.5, 0, length), np.clip(s + 0.5, 0, length), s])
    xy = shapely.get_coordinates(shapely.line_interpolate_point(seg.geom, probes))
    n = len(s)
    tangent = xy[n : 2 * n] - xy[:n]
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    return xy[2 * n :], tangent


def lot_quads(
    base: np.ndarray,
    tangent: np.ndarray,
    left: bool,
    frontage: np.ndarray,
    depth: np.ndarray,
    setback: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Quad corner rings (n, 5, 2) set back from the street, and the outward normals."""
    sign = 1.0 if left else -1.0
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) * sign
    half = tangent * ((frontage - 1.0) / 2)[:, None]
    front = base + normal * setback
    back = base + normal * (setback + depth)[:, None]
    rings = np.stack([front - half, front + half, back + half, back - half, front - half], axis=1)
    return rings, normal


def candidate_lots(net: RoadNetwork, rng: np.random.Generator) -> list[Lot]:
    lots = []
    for i, seg in enumerate(net.segments):
        if seg.from_l == 0 or not seg.street.addressable:
            continue
        length = seg.geom.length
        mid = seg.geom.interpolate(0.5, normalized=True)
        zone = net.zone_at(mid) or nearest_zone(mid)
        (fmin, fmax), (dmin, dmax) = LOT_SHAPES[zone_style(zone)]
        setback = 9.0 if seg.street.priority <= PRIORITY_ARTERIAL else 7.0
        for left in (True, False):
            widths = rng.uniform(fmin, fmax, size=int(length // fmin) + 1)
            ends = CORNER_MARGIN_M + np.cumsum(widths)
            n = int(np.searchsorted(ends, length - CORNER_MARGIN_M, side="right"))
            if n == 0:
                continue
            frontage = widths[:n]
            centre = ends[:n] - frontage / 2
            depth = rng.uniform(dmin, dmax, size=n)
            offset = rng.uniform(10.0, np.minimum(20.0, setback + depth - 3.0))
            base, tangent = frames_along(seg, centre)
            rings, normal = lot_quads(base, tangent, left, frontage, depth, setback)
            quads = shapely.polygons(rings)
            points = shapely.points(base + normal * offset[:, None])
            for k in range(n):
                number = number_at(seg.d0 + float(centre[k]), left)
                lots.append(Lot(i, left, number, float(frontage[k]), quads[k], points[k], zone))
    return lots


def nearest_zone(pt: Point) -> GridZone:
    return min(GRID_ZONES, key=lambda z: math.dist(z.centre, (pt.x, pt.y)))


def city_hall_lot(net: RoadNetwork) -> Lot:
    """The lot of City Hall, forced to 389 Congress St on the odd (left) side."""
    name, number = CITY_HALL
    for i, seg in enumerate(net.segments):
        if seg.street.full_name == name and seg.from_l <= number <= seg.to_l:
            d = (number - 1) / 2 * 10.0 + 5.0
            s = d - seg.d0
            for frontage in (50.0, 40.0, 30.0, 22.0):
                fits_start = s - frontage / 2 > CORNER_MARGIN_M - 4
                if fits_start and s + frontage / 2 < seg.geom.length - CORNER_MARGIN_M + 4:
                    break
            base, tangent = frames_along(seg, np.array([s]))
            rings, normal = lot_quads(
                base, tangent, True, np.array([frontage]), np.array([40.0]), 9.0
            )
            quad = shapely.polygons(rings)[0]
            point = Point(base[0] + normal[0] * 16.0)
            assert number_at(seg.d0 + s, True) == number
            zone = net.zone_at(point) or nearest_zone(point)
            return Lot(
                i,
                True,
                number,
                frontage,
                quad,
                point,
                zone,
                land_use="Institutional",
                place_type="town-hall",
                owner_type="City",
                site_name="City Hall",
                forced=True,
            )
    raise AssertionError("no Congress St segment holds number 389")


def valid_mask(lots: list[Lot], net: RoadNetwork, geo: Geography) -> np.ndarray:
    quads = np.array([lot.quad for lot in lots], dtype=object)
    points = np.array([lot.point for lot in lots], dtype=object)
    ok = shapely.covers(geo.all_land, quads) & shapely.is_valid(quads)
    towns = [geo.town_at(p) or "" for p in points]
    for lot, town in zip(lots, towns, strict=True):
        lot.town = town
    town_polys = np.array([geo.towns.get(t, Polygon()) for t in towns], dtype=object)
    ok &= shapely.covers(town_polys, quads)
    roads = shapely.STRtree([s.geom for s in net.segments])
    hit, _ = roads.query(quads, predicate="dwithin", distance=3.0)
    ok[np.unique(hit)] = False
    ok &= ~shapely.intersects(road_free_areas(), quads)
    return ok


def non_overlapping(lots: list[Lot]) -> list[Lot]:
    """Greedy: keep a lot unless it overlaps one kept before it (forced lots go first)."""
    order = sorted(range(len(lots)), key=lambda i: (not lots[i].forced, i))
    quads = [lots[i].quad for i in order]
    tree = shapely.STRtree(quads)
    a, b = tree.query(quads, predicate="intersects")
    neighbours: dict[int, list[int]] = {}
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        if x != y:
            neighbours.setdefault(x, []).append(y)
    kept: set[int] = set()
    for k in range(len(order)):
        if not any(n in kept for n in neighbours.get(k, [])):
            kept.add(k)
    return [lots[order[k]] for k in sorted(kept)]


def thin_to_target(lots: list[Lot], target: int, rng: np.random.Generator) -> list[Lot]:
    """Leave whole block faces vacant, with a probability that follows zone density."""
    faces: dict[tuple[int, bool], list[Lot]] = {}
    for lot in lots:
        faces.setdefault((lot.segment, lot.left), []).append(lot)
    keys = list(faces)
    dens = np.array([faces[k][0].zone.density ** 2 for k in keys])
    sizes = np.array([len(faces[k]) for k in keys])
    lo, hi = 0.0, 50.0
    for _ in range(60):
        f = (lo + hi) / 2
        if (np.minimum(1.0, dens * f) * sizes).sum() > target:
            hi = f
        else:
            lo = f
    p = np.minimum(1.0, dens * lo)
    draws = rng.random(len(keys))
    keep = {k for k, r, q in zip(keys, draws, p, strict=True) if r < q}
    return [lot for lot in lots if lot.forced or (lot.segment, lot.left) in keep]


def assign_land_use(lots: list[Lot], net: RoadNetwork, rng: np.random.Generator) -> None:
    for lot in lots:
        if lot.forced:
            continue
        seg = net.segments[lot.segment]
        on_arterial = seg.street.priority <= PRIORITY_ARTERIAL
        industrial_street = seg.street.full_name in (
            "Commercial St",
            "Riverside St",
            "Western Ave",
            "Main St",
        )
        r = rng.random()
        if industrial_street and r < 0.45:
            use = "Industrial"
        elif on_arterial and r < (0.75 if lot.zone.peninsula_names else 0.45):
            use = "Commercial"
        elif r > 0.97:
            use = "Open Space"
        elif r > 0.93:
            use = "Institutional"
        elif lot.zone.peninsula_names and r > 0.82:
            use = "Commercial"
        else:
            use = "Residential"
        lot.land_use = use
        lot.place_type = place_type_for(use, rng)
        lot.owner_type = owner_type_for(use, lot.town, rng)
        if use == "Residential" and lot.zone.peninsula_names and rng.random() < 0.18:
            lot.units = int(rng.integers(2, 5))


def place_type_for(use: str, rng: np.random.Generator) -> str:
    choices = {
        "Residential": (["residence"], [1.0]),
        "Commercial": (
            ["office", "store", "restaurant", "bank", "hotel"],
            [0.4, 0.3, 0.15, 0.05, 0.1],
        ),
        "Industrial": (["industrial", "warehouse"], [0.6, 0.4]),
        "Institutional": (
            ["school", "place-of-worship", "government", "care-facility"],
            [0.3, 0.3, 0.2, 0.2],
        ),
        "Open Space": (["outdoors"], [1.0]),
    }[use]
    return str(rng.choice(choices[0], p=choices[1]))


def owner_type_for(use: str, town: str, rng: np.random.Generator) -> str:
    if use == "Open Space":
        return str(rng.choice(["City", "Land Trust", "State"], p=[0.6, 0.3, 0.1]))
    if use == "Institutional":
        return str(rng.choice(["City", "Non-profit", "State", "Federal"], p=[0.35, 0.5, 0.1, 0.05]))
    if use == "Residential" and town == "Portland" and rng.random() < 0.02:
        return "Housing Authority"
    return "Private"


def build_lots(net: RoadNetwork, geo: Geography, rng: np.random.Generator) -> list[Lot]:
    forced = [city_hall_lot(net)]
    candidates = forced + candidate_lots(net, rng)
    ok = valid_mask(candidates, net, geo)
    assert all(ok[: len(forced)]), "City Hall's lot must be valid"
    valid = [lot for lot, good in zip(candidates, ok, strict=True) if good]
    kept = non_overlapping(valid)
    assert all(lot in kept for lot in forced)
    lots = thin_to_target(kept, TARGET_LOTS, rng)
    assign_land_use(lots, net, rng)
    return lots
