"""Land, water, islands and the three municipalities of the fictional Greater Portland.

The shapes are hand-made in the local frame (metres from the peninsula centre) and only
*suggest* the real geography: the peninsula between Back Cove and the Fore River, Casco
Bay to the east, South Portland across the harbour and Cape Elizabeth to the south-east.
Nothing is traced from a real file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import polygonize, unary_union

from .common import densify, largest_part, line, noisy_ellipse, polygon, smooth_warp

TOWNS = ("Portland", "South Portland", "Cape Elizabeth")

STUDY_AREA = [
    (-8000, -4600),
    (-3000, -4600),
    (-3000, -13500),
    (8000, -13500),
    (8000, 8000),
    (-8000, 8000),
]

PENINSULA_AXIS_DEG = 35.0  # the peninsula points north-east into Casco Bay


def pen(a: float, b: float) -> tuple[float, float]:
    """Local metres of a point `a` km along and `b` km across the peninsula axis."""
    t = math.radians(PENINSULA_AXIS_DEG)
    return (
        round(1000 * (a * math.cos(t) - b * math.sin(t)), 1),
        round(1000 * (a * math.sin(t) + b * math.cos(t)), 1),
    )


# Casco Bay and the Atlantic, drawn around the coast from the north-east, round the
# peninsula tip (Eastern Prom), across the harbour mouth and down the Cape shore.
SEA = [
    (3600, 8500),
    (2600, 5600),
    (2100, 4200),
    (1700, 3100),
    (1450, 2450),
    (1550, 2200),
    (1500, 1950),
    (1750, 1700),
    (2000, 1400),
    (2150, 1000),
    (2050, 550),
    (2900, -1450),
    (3000, -2200),
    (3500, -3000),
    (4100, -3800),
    (4300, -4800),
    (4400, -6000),
    (4900, -7500),
    (4600, -9000),
    (4900, -10600),
    (4200, -11000),
    (3000, -11400),
    (1500, -11900),
    (0, -11800),
    (-1500, -12300),
    (-3000, -12200),
    (-3100, -14000),
    (8500, -14000),
    (8500, 8500),
]

BACK_COVE = [
    (400, 1250),
    (300, 1900),
    (-300, 2300),
    (-1100, 2350),
    (-1800, 2000),
    (-2100, 1300),
    (-1900, 400),
    (-1550, -150),
    (-1100, 150),
    (-500, 600),
    (0, 900),
]
TUKEYS_CHANNEL = [(300, 1450), (900, 1800), (1700, 2150)]

# Fore River centreline from its head near the western edge to the harbour mouth, with
# widths: narrow upstream, bending north at Thompson's Point, a wide harbour downstream.
FORE_RIVER = [
    ((-5600, -1800), 160),
    ((-4800, -1400), 250),
    ((-4000, -1100), 320),
    ((-3200, -1200), 380),
    ((-2500, -1500), 400),
    ((-2100, -2000), 500),
    ((-1300, -2050), 700),
    ((-500, -1650), 900),
    ((400, -1150), 1000),
    ((1300, -650), 1200),
    ((2300, -700), 1500),
    ((3300, -500), 2400),
]

# Portland / South Portland follows the river; South Portland / Cape Elizabeth is a land line.
PORTLAND_SOUTH_PORTLAND_LINE = (
    [(-8000, -2700), (-6300, -2100)] + [xy for xy, _ in FORE_RIVER] + [(8000, -500)]
)
SOUTH_PORTLAND_CAPE_LINE = [
    (-3000, -4600),
    (-1000, -4300),
    (1000, -3900),
    (2500, -3400),
    (8000, -3400),
]

ISLANDS = {
    # name: (centre, radii, angle, seed)
    "Peaks Island": ((5500, 100), (1050, 700), 35.0, 1),
    "Great Diamond Island": ((4650, 1750), (650, 380), 40.0, 2),
    "Little Diamond Island": ((3850, 950), (380, 230), 30.0, 3),
    "House Island": ((3700, -1000), (230, 120), 10.0, 4),
    "Cushing Island": ((4450, -1700), (520, 330), 20.0, 5),
}


@dataclass
class Geography:
    """Everything later builders need to know about land and towns."""

    land: Polygon  # mainland only
    water: shapely.Geometry
    islands: dict[str, Polygon]
    zones: dict[str, Polygon]  # town partition of the whole study area (incl. water)
    towns: dict[str, shapely.Geometry]  # land part of each town (Portland with islands)
    peninsula: Polygon
    _prepared: bool = field(default=False, repr=False)

    def town_at(self, pt: Point) -> str | None:
        """Town whose zone holds `pt` (the islands all belong to Portland)."""
        if any(isl.covers(pt) for isl in self.islands.values()):
            return "Portland"
        for name in TOWNS:
            if self.zones[name].covers(pt):
                return name
        return None

    def on_land(self, geom: shapely.Geometry) -> bool:
        return bool(self.all_land.covers(geom))

    @property
    def all_land(self) -> shapely.Geometry:
        if not self._prepared:
            self._all_land = unary_union([self.land, *self.islands.values()])
            shapely.prepare(self._all_land)
            self._prepared = True
        return self._all_land


def fore_river() -> shapely.Geometry:
    """The Fore River and harbour: a tapered channel (hull of consecutive circles)."""
    pieces = []
    for (p, w), (q, v) in pairwise(FORE_RIVER):
        pieces.append(
            unary_union([Point(p).buffer(w / 2, 24), Point(q).buffer(v / 2, 24)]).convex_hull
        )
    return unary_union(pieces)


def water_bodies() -> shapely.Geometry:
    sea = smooth_warp(densify(polygon(SEA), 60.0), 28.0, 700.0, seed=1)
    cove = smooth_warp(densify(polygon(BACK_COVE), 50.0), 22.0, 500.0, seed=2)
    channel = line(TUKEYS_CHANNEL).buffer(70.0)
    river = smooth_warp(densify(fore_river(), 50.0), 18.0, 600.0, seed=3)
    return unary_union([sea, cove, channel, river])


def town_zones() -> dict[str, Polygon]:
    """Partition of the study area by the two dividing lines (exact shared edges)."""
    study = polygon(STUDY_AREA)
    edges = unary_union(
        [study.exterior, line(PORTLAND_SOUTH_PORTLAND_LINE), line(SOUTH_PORTLAND_CAPE_LINE)]
    )
    faces = [f for f in polygonize(edges) if study.contains(f.representative_point())]
    probes = {
        "Portland": Point(0, 3000),
        "South Portland": Point(-3000, -3000),
        "Cape Elizabeth": Point(0, -8000),
    }
    zones = {}
    for name, probe in probes.items():
        zones[name] = next(f for f in faces if f.contains(probe))
    assert len(faces) == 3, "the dividing lines must cut the study area in three"
    return zones


def peninsula_outline(land: Polygon) -> Polygon:
    """The peninsula: mainland east of the neck between Back Cove and the Fore River."""
    neck = polygon([pen(-2.2, -1.5), pen(3.0, -1.5), pen(3.0, 1.5), pen(-2.2, 1.5)])
    return largest_part(land.intersection(neck))


def build_geography() -> Geography:
    water = water_bodies()
    study = polygon(STUDY_AREA)
    land = largest_part(study.difference(water))
    islands = {name: noisy_ellipse(c, r, a, seed) for name, (c, r, a, seed) in ISLANDS.items()}
    for name, isl in islands.items():
        assert isl.is_valid and not isl.intersects(land), name
    zones = town_zones()
    towns: dict[str, shapely.Geometry] = {}
    for name in TOWNS:
        part = zones[name].intersection(land)
        if name == "Portland":
            polys = [largest_part(part), *islands.values()]
            towns[name] = MultiPolygon(polys)
        else:
            towns[name] = largest_part(part)
    return Geography(
        land=land,
        water=water,
        islands=islands,
        zones=zones,
        towns=towns,
        peninsula=peninsula_outline(land),
    )


def coastline_distance(geo: Geography, pt: Point) -> float:
    return float(geo.land.exterior.distance(pt))


def as_line(geom: shapely.Geometry) -> LineString:
    return geom if isinstance(geom, LineString) else LineString(geom.coords)
