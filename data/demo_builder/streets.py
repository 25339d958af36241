"""Road centrelines: hand-placed arterials, procedural neighbourhood grids, noding.

Arterials (Congress St, Forest Ave, Washington Ave, Broadway, Route 77...) form the
skeleton. Each neighbourhood ("grid zone") is filled with a rotated, gently warped street
grid clipped to its Voronoi region; the borders between regions become collector streets
so the grids join up. Everything is noded into segments that meet at shared end vertices;
I-295 is grade-separated and joins the rest only at its interchanges.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.ops import linemerge, unary_union

from .common import densify, line, noisy_ellipse, side_point, smooth_warp
from .geography import STUDY_AREA, Geography, pen
from .names import StreetNamer

ADDRESS_STEP_M = 10.0  # one odd and one even number per 10 m of street
EXTEND_M = 8.0  # overshoot so T-junctions get noded; the stubs are trimmed afterwards
STUB_M = 12.0

PRIORITY_HIGHWAY, PRIORITY_ARTERIAL, PRIORITY_COLLECTOR, PRIORITY_LOCAL = 0, 1, 2, 3


@dataclass
class Street:
    """One named street (before noding), with the line its addresses are measured on."""

    name: str
    pos_type: str
    ref: LineString
    road_class: str = "Local"
    speed: int = 25
    one_way: str = "B"
    pre_dir: str = ""
    pos_dir: str = ""
    level: int = 0
    bridge: bool = False
    addressable: bool = True
    priority: int = PRIORITY_LOCAL
    keep_prob: float = 1.0
    zone: str = ""
    pieces: list[LineString] = field(default_factory=list)

    @cached_property
    def full_name(self) -> str:
        return " ".join(p for p in (self.pre_dir, self.name, self.pos_type, self.pos_dir) if p)


@dataclass
class Segment:
    geom: LineString
    street: Street
    from_l: int = 0
    to_l: int = 0
    from_r: int = 0
    to_r: int = 0
    d0: float = 0.0
    d1: float = 0.0
    a3_l: str = ""
    a3_r: str = ""
    speed: int = 25


@dataclass(frozen=True)
class GridZone:
    """A neighbourhood filled with one rotated, warped street grid."""

    name: str
    town: str
    centre: tuple[float, float]
    angle: float
    spacing_long: float  # between streets running along `angle`
    spacing_cross: float  # between the cross streets
    warp: float
    wavelength: float
    keep: float
    peninsula_names: bool = False
    density: float = 1.0  # share of street frontage built on (used by the lot builder)


GRID_ZONES = (
    GridZone("Peninsula", "Portland", (0, 0), 35, 180, 130, 3, 900, 0.97, True, 1.0),
    GridZone("Libbytown", "Portland", (-3000, -400), 0, 350, 300, 15, 700, 0.88, density=0.7),
    GridZone("Deering Center", "Portland", (-4000, 2100), 8, 360, 310, 15, 800, 0.88, density=0.75),
    GridZone("Back Cove", "Portland", (-1300, 3500), -15, 320, 290, 12, 700, 0.9, density=0.8),
    GridZone("East Deering", "Portland", (700, 3700), -25, 340, 300, 12, 700, 0.88, density=0.75),
    GridZone("North Deering", "Portland", (-1800, 6500), 10, 520, 450, 40, 900, 0.75, density=0.55),
    GridZone("Riverton", "Portland", (-5000, 5700), 30, 540, 480, 45, 900, 0.72, density=0.5),
    GridZone("Nasons Corner", "Portland", (-5700, 2200), -10, 440, 380, 30, 800, 0.8, density=0.6),
    GridZone("Stroudwater", "Portland", (-5200, -500), 5, 480, 400, 30, 800, 0.78, density=0.55),
    GridZone("Rocky Hill", "Portland", (-7200, -1700), 0, 560, 500, 35, 900, 0.7, density=0.45),
    GridZone("Peaks Island", "Portland", (5500, 100), 35, 480, 410, 20, 700, 0.85, density=0.5),
    GridZone("Knightville", "South Portland", (0, -2500), 10, 280, 240, 8, 700, 0.93, density=0.8),
    GridZone("Willard", "South Portland", (2000, -2600), -10, 290, 250, 10, 700, 0.92, density=0.8),
    GridZone(
        "Meetinghouse Hill",
        "South Portland",
        (-1800, -3500),
        20,
        350,
        300,
        15,
        800,
        0.88,
        density=0.7,
    ),
    GridZone(
        "Thornton Heights",
        "South Portland",
        (-4400, -2600),
        -25,
        360,
        310,
        18,
        800,
        0.85,
        density=0.65,
    ),
    GridZone("Redbank", "South Portland", (-6700, -3500), 0, 480, 420, 30, 900, 0.72, density=0.5),
    GridZone(
        "Cape Elizabeth Center",
        "Cape Elizabeth",
        (100, -7000),
        0,
        780,
        680,
        70,
        1100,
        0.6,
        density=0.4,
    ),
    GridZone(
        "Shore Acres", "Cape Elizabeth", (2800, -4600), 30, 450, 390, 40, 900, 0.78, density=0.55
    ),
    GridZone(
        "Pond Cove", "Cape Elizabeth", (2000, -7200), 10, 620, 550, 50, 1000, 0.68, density=0.45
    ),
    GridZone(
        "Two Lights", "Cape Elizabeth", (2600, -10300), -10, 620, 550, 50, 1000, 0.62, density=0.4
    ),
    GridZone(
        "Spurwink", "Cape Elizabeth", (-1700, -9800), 20, 880, 750, 90, 1200, 0.5, density=0.3
    ),
)

# Areas with no local streets: (name, centre, radii, angle, seed)
ROAD_FREE_AREAS = (
    ("Portland International Jetport", (-6300, -1450), (1250, 480), 15.0, 11),
    ("Evergreen Cemetery", (-4300, 3300), (600, 400), 20.0, 12),
    ("Fore River Sanctuary", (-4500, -950), (550, 260), 10.0, 13),
    ("Maine Mall", (-6300, -3950), (650, 420), 0.0, 14),
    ("Fort Williams Park", (3750, -4000), (420, 380), 30.0, 15),
    ("Spurwink Marsh", (-1100, -10700), (900, 450), 25.0, 16),
    ("Great Pond", (1300, -8300), (600, 380), 60.0, 17),
    ("Two Lights State Park", (4200, -10350), (380, 260), 0.0, 18),
)


def road_free_areas() -> shapely.Geometry:
    return unary_union(
        [noisy_ellipse(c, r, a, seed, roughness=0.2) for _, c, r, a, seed in ROAD_FREE_AREAS]
    )


# name, type, class, speed, one-way, flags ("bridge", "highway", "noaddr"), vertices
ARTERIALS: tuple[tuple[str, str, str, int, str, str, list[tuple[float, float]]], ...] = (
    (
        "Congress",
        "St",
        "Secondary",
        30,
        "B",
        "",
        [
            pen(2.0, 0.05),
            pen(1.0, 0.05),
            pen(0.0, 0.05),
            pen(-1.0, 0.05),
            pen(-2.0, 0.05),
            (-2300, -800),
            (-3000, -650),
            (-3800, -600),
            (-4700, -550),
            (-5700, -600),
            (-6800, -700),
            (-8000, -800),
        ],
    ),
    (
        "Commercial",
        "St",
        "Secondary",
        25,
        "B",
        "",
        [pen(-1.5, -0.62), pen(-0.5, -0.62), pen(0.5, -0.6), pen(1.5, -0.58)],
    ),
    ("State", "St", "Secondary", 25, "FT", "", [pen(-1.0, -0.62), pen(-1.0, 0.65)]),
    (
        "Forest",
        "Ave",
        "Secondary",
        35,
        "B",
        "",
        [
            pen(-0.8, 0.05),
            (-1300, -350),
            (-2000, -100),
            (-2450, 500),
            (-2650, 1400),
            (-2900, 2600),
            (-3600, 3800),
            (-4600, 5200),
            (-5600, 7000),
            (-6000, 8100),
        ],
    ),
    (
        "Washington",
        "Ave",
        "Secondary",
        35,
        "B",
        "bridge",
        [
            pen(1.3, 0.05),
            (1150, 1400),
            (1200, 1950),
            (1050, 2600),
            (900, 3400),
            (600, 4200),
            (100, 5500),
            (-400, 6800),
            (-700, 8100),
        ],
    ),
    (
        "Baxter",
        "Blvd",
        "Secondary",
        30,
        "B",
        "",
        [
            (-2000, -100),
            (-2250, 700),
            (-2320, 1350),
            (-1980, 2170),
            (-1100, 2540),
            (-300, 2480),
            (450, 2100),
            (1050, 2600),
        ],
    ),
    (
        "Brighton",
        "Ave",
        "Secondary",
        35,
        "B",
        "",
        [(-2450, 500), (-3300, 350), (-4400, 400), (-5600, 500), (-6900, 500)],
    ),
    (
        "Riverside",
        "St",
        "Secondary",
        35,
        "B",
        "",
        [(-6800, -700), (-6900, 500), (-6850, 1800), (-6800, 2500), (-6200, 4000), (-5400, 5200)],
    ),
    (
        "Warren",
        "Ave",
        "Secondary",
        35,
        "B",
        "",
        [(-3600, 3800), (-4600, 3500), (-5800, 3200), (-6800, 2500)],
    ),
    (
        "Stevens",
        "Ave",
        "Secondary",
        30,
        "B",
        "",
        [(-3300, 350), (-3300, 1500), (-3150, 2700), (-3000, 3500), (-2600, 4600)],
    ),
    (
        "Allen",
        "Ave",
        "Secondary",
        30,
        "B",
        "",
        [(-3600, 3800), (-2600, 4600), (-1900, 5600), (-1500, 6800), (-1300, 8100)],
    ),
    (
        "Ocean",
        "Ave",
        "Secondary",
        30,
        "B",
        "",
        [(-2900, 2600), (-1900, 2900), (-1400, 3600), (-1000, 4600), (-900, 5800)],
    ),
    ("St John", "St", "Secondary", 30, "B", "", [(-2300, -800), (-2750, -1050)]),
    (
        "Veterans Memorial",
        "Brg",
        "Secondary",
        35,
        "B",
        "bridge noaddr",
        [(-2750, -1050), (-2900, -1800)],
    ),
    (
        "Casco Bay",
        "Brg",
        "Secondary",
        35,
        "B",
        "bridge noaddr",
        [pen(-1.0, -0.62), (-440, -1800), (-420, -2500)],
    ),
    (
        "I-295",
        "",
        "Primary",
        55,
        "B",
        "bridge highway noaddr",
        [
            (-6600, -4700),
            (-4800, -3500),
            (-3900, -2600),
            (-3500, -1800),
            (-3150, -850),
            (-2500, -650),
            (-1830, -525),
            (-1175, -66),
            (-356, 508),
            (250, 1050),
            (750, 1700),
            (1100, 2500),
            (1300, 3600),
            (1500, 4500),
            (1800, 6000),
            (2200, 8100),
        ],
    ),
    (
        "Main",
        "St",
        "Secondary",
        35,
        "B",
        "",
        [
            (-2900, -1800),
            (-3100, -2500),
            (-3600, -3300),
            (-4500, -3900),
            (-5500, -4400),
            (-6000, -4800),
        ],
    ),
    (
        "Broadway",
        "",
        "Secondary",
        30,
        "B",
        "",
        [
            (-3600, -3300),
            (-2400, -2900),
            (-1400, -2750),
            (-420, -2500),
            (600, -2150),
            (1600, -1900),
            (2600, -1850),
        ],
    ),
    (
        "Western",
        "Ave",
        "Secondary",
        35,
        "B",
        "",
        [(-4500, -3900), (-5600, -3700), (-6800, -3500), (-8100, -3400)],
    ),
    (
        "Highland",
        "Ave",
        "Secondary",
        35,
        "B",
        "",
        [(-1400, -2750), (-1000, -3400), (-400, -4200), (200, -4600), (900, -5000)],
    ),
    ("Ocean", "St", "Secondary", 30, "B", "", [(600, -2150), (750, -3000), (850, -3850)]),
    ("Cottage", "Rd", "Secondary", 30, "B", "", [(1600, -1900), (1900, -2800), (2300, -3500)]),
    (
        "Ocean House",
        "Rd",
        "Secondary",
        45,
        "B",
        "",
        [(850, -3850), (900, -5000), (600, -6500), (400, -7600)],
    ),
    (
        "Bowery Beach",
        "Rd",
        "Secondary",
        45,
        "B",
        "",
        [(400, -7600), (900, -8800), (1300, -10000), (600, -11200), (-500, -11600)],
    ),
    (
        "Shore",
        "Rd",
        "Secondary",
        35,
        "B",
        "",
        [
            (2300, -3500),
            (3200, -4200),
            (3600, -5000),
            (3800, -6200),
            (4000, -7500),
            (3900, -8600),
            (3000, -9500),
            (1300, -10000),
        ],
    ),
    ("Two Lights", "Rd", "Local", 30, "B", "", [(3000, -9500), (3900, -10200), (4400, -10500)]),
    (
        "Spurwink",
        "Ave",
        "Secondary",
        45,
        "B",
        "",
        [(400, -7600), (-800, -8200), (-1800, -9200), (-2200, -10500), (-1500, -11600)],
    ),
    ("Scott Dyer", "Rd", "Local", 35, "B", "", [(900, -5000), (2200, -5500), (3600, -5000)]),
)

INTERCHANGES = ("Congress St", "Forest Ave", "Washington Ave", "Western Ave")

ISLAND_RINGS = {
    "Peaks Island": ("Island", "Ave", "Seashore", "Ave"),
    "Great Diamond Island": ("Diamond", "Ave", "Flagg", "Rd"),
}


@dataclass
class RoadNetwork:
    segments: list[Segment]
    zones: dict[str, Polygon]  # grid-zone regions (land)
    zone_of: dict[str, GridZone]
    nodes: dict[tuple[float, float], list[int]]

    def zone_at(self, pt: Point) -> GridZone | None:
        for name, region in self.zones.items():
            if region.covers(pt):
                return self.zone_of[name]
        return None


# --------------------------------------------------------------------------- streets


def arterial_streets() -> list[Street]:
    streets = []
    for name, kind, cls, speed, oneway, flags, coords in ARTERIALS:
        highway = "highway" in flags
        streets.append(
            Street(
                name=name,
                pos_type=kind,
                ref=line(coords),
                road_class=cls,
                speed=speed,
                one_way=oneway,
                level=1 if highway else 0,
                bridge="bridge" in flags,
                addressable="noaddr" not in flags,
                priority=PRIORITY_HIGHWAY if highway else PRIORITY_ARTERIAL,
            )
        )
    return streets


def extend_ends(geom: LineString, dist: float, keep_start: bool, keep_end: bool) -> LineString:
    c = np.asarray(geom.coords, dtype=float)
    if not keep_start:
        d = c[0] - c[1]
        c[0] = c[0] + d / np.hypot(*d) * dist
    if not keep_end:
        d = c[-1] - c[-2]
        c[-1] = c[-1] + d / np.hypot(*d) * dist
    return LineString(c)


def grid_regions(geo: Geography) -> dict[str, Polygon]:
    """Voronoi regions of the zone centres inside each town (peninsula and Peaks fixed)."""
    regions: dict[str, Polygon] = {
        "Peninsula": geo.peninsula,
        "Peaks Island": geo.islands["Peaks Island"],
    }
    study = Polygon(STUDY_AREA)
    for town in ("Portland", "South Portland", "Cape Elizabeth"):
        zones = [z for z in GRID_ZONES if z.town == town and z.name not in regions]
        cells = shapely.voronoi_polygons(MultiPoint([z.centre for z in zones]), extend_to=study)
        mainland = geo.zones[town].intersection(geo.land).difference(geo.peninsula)
        for z in zones:
            cell = next(c for c in cells.geoms if c.contains(Point(z.centre)))
            part = cell.intersection(mainland)
            regions[z.name] = max(getattr(part, "geoms", [part]), key=lambda g: g.area)
    return regions


def seam_streets(regions: dict[str, Polygon], namer: StreetNamer) -> list[Street]:
    """Collector streets along the borders between neighbourhood regions."""
    streets = []
    names = sorted(regions)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            shared = regions[a].boundary.intersection(regions[b].boundary)
            if shared.is_empty or shared.length < 150:
                continue
            lines = [g for g in getattr(shared, "geoms", [shared]) if g.geom_type == "LineString"]
            if not lines:
                continue
            merged = linemerge(lines)
            for part in getattr(merged, "geoms", [merged]):
                if part.geom_type != "LineString" or part.length < 150:
                    continue
                base, kind = namer.next(peninsula=False)
                streets.append(
                    Street(
                        name=base,
                        pos_type=kind,
                        ref=part,
                        speed=25,
                        priority=PRIORITY_COLLECTOR,
                        zone=a,
                    )
                )
    return streets


def zone_grid_streets(
    zone: GridZone,
    region: Polygon,
    clip: shapely.Geometry,
    namer: StreetNamer,
    rng: np.random.Generator,
) -> list[Street]:
    """Parallel and cross streets of one neighbourhood, warped and clipped to it."""
    cx, cy = region.centroid.coords[0]
    minx, miny, maxx, maxy = region.bounds
    half = 0.5 * math.hypot(maxx - minx, maxy - miny) + 50
    t = math.radians(zone.angle)
    u = np.array([math.cos(t), math.sin(t)])
    v = np.array([-math.sin(t), math.cos(t)])
    streets = []
    for direction, normal, spacing in ((u, v, zone.spacing_long), (v, u, zone.spacing_cross)):
        offset = -half + rng.uniform(0, spacing)
        while offset < half:
            centre = np.array([cx, cy]) + normal * offset
            raw = LineString([centre - direction * half, centre + direction * half])
            warped = smooth_warp(
                densify(raw, 40.0), zone.warp, zone.wavelength, seed=int(rng.integers(1_000_000))
            )
            base, kind = namer.next(zone.peninsula_names)
            st = Street(
                name=base, pos_type=kind, ref=warped, zone=zone.name, keep_prob=zone.keep, speed=25
            )
            # numbers grow away from downtown
            if Point(warped.coords[-1]).distance(Point(0, 0)) < Point(warped.coords[0]).distance(
                Point(0, 0)
            ):
                st.ref = warped.reverse()
            clipped = st.ref.intersection(clip)
            st.pieces = [
                p
                for p in getattr(clipped, "geoms", [clipped])
                if p.geom_type == "LineString" and p.length > 40
            ]
            if st.pieces:
                streets.append(st)
            offset += spacing * rng.uniform(0.85, 1.15)
    return streets


def island_ring_streets(geo: Geography) -> list[Street]:
    streets = []
    for island, (n1, t1, n2, t2) in ISLAND_RINGS.items():
        ring = geo.islands[island].buffer(-90).exterior.simplify(5)
        coords = list(ring.coords)[:-1]
        half = len(coords) // 2
        first = LineString([*coords[: half + 1]])
        second = LineString([*coords[half:], coords[0]])
        for geom, name, kind in ((first, n1, t1), (second, n2, t2)):
            streets.append(
                Street(
                    name=name,
                    pos_type=kind,
                    ref=geom,
                    speed=25,
                    priority=PRIORITY_COLLECTOR,
                    zone=island,
                    pieces=[geom],
                )
            )
    return streets


# --------------------------------------------------------------------------- noding


def split_at(geom: LineString, pt: tuple[float, float]) -> list[LineString]:
    """Split a line at a point known to lie on it, inserting that exact coordinate."""
    d = geom.project(Point(pt))
    if d < 1e-6 or d > geom.length - 1e-6:
        return [geom]
    coords = list(geom.coords)
    acc = 0.0
    for i in range(len(coords) - 1):
        seg = math.dist(coords[i], coords[i + 1])
        if acc + seg >= d:
            head = [c for c in coords[: i + 1] if c != pt] + [pt]
            tail = [pt] + [c for c in coords[i + 1 :] if c != pt]
            return [LineString(head), LineString(tail)]
        acc += seg
    return [geom]


def node_streets(streets: list[Street]) -> list[Segment]:
    """Node level-0 streets together; split I-295 and its crossroads at interchanges."""
    ground = [(s, p) for s in streets if s.level == 0 for p in s.pieces]
    noded = unary_union([p for _, p in ground])
    pieces = [g for g in getattr(noded, "geoms", [noded]) if g.length > 0.01]
    tree = shapely.STRtree([p for _, p in ground])
    mids = [p.interpolate(0.5, normalized=True) for p in pieces]
    left, right = tree.query(mids, predicate="dwithin", distance=0.01)
    owner: dict[int, Street] = {}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        st = ground[j][0]
        if i not in owner or st.priority < owner[i].priority:
            owner[i] = st
    segments = [Segment(pieces[i], owner[i]) for i in range(len(pieces)) if i in owner]

    for highway in (s for s in streets if s.level == 1):
        cuts = []
        for st in streets:
            if st.full_name in INTERCHANGES:
                for piece in st.pieces:
                    hit = highway.pieces[0].intersection(piece)
                    cuts += [
                        (p.x, p.y) for p in getattr(hit, "geoms", [hit]) if p.geom_type == "Point"
                    ]
        hw_parts = list(highway.pieces)
        for pt in cuts:
            hw_parts = [q for part in hw_parts for q in split_at(part, pt)]
            for seg in list(segments):
                if seg.street.full_name in INTERCHANGES and seg.geom.distance(Point(pt)) < 1e-6:
                    first, *rest = split_at(seg.geom, pt)
                    seg.geom = first
                    segments.extend(Segment(g, seg.street) for g in rest)
                    break
        segments += [Segment(g, highway) for g in hw_parts]
    return segments


def endpoint_keys(geom: LineString) -> tuple[tuple[float, float], tuple[float, float]]:
    c = geom.coords
    return (c[0][0], c[0][1]), (c[-1][0], c[-1][1])


def node_index(segments: list[Segment]) -> dict[tuple[float, float], list[int]]:
    idx: dict[tuple[float, float], list[int]] = defaultdict(list)
    for i, s in enumerate(segments):
        a, b = endpoint_keys(s.geom)
        idx[a].append(i)
        idx[b].append(i)
    return idx


def drop_parallel_locals(segments: list[Segment]) -> list[Segment]:
    """Remove grid pieces running alongside an arterial or collector (< 30 m away)."""
    major = unary_union([s.geom for s in segments if s.street.priority < PRIORITY_LOCAL])
    shapely.prepare(major)
    keep = []
    for s in segments:
        if s.street.priority == PRIORITY_LOCAL and s.geom.length > 40:
            probes = [s.geom.interpolate(f, normalized=True) for f in (0.25, 0.5, 0.75)]
            if all(major.distance(p) < 30 for p in probes):
                continue
        keep.append(s)
    return keep


def drop_random_locals(segments: list[Segment], rng: np.random.Generator) -> list[Segment]:
    draws = rng.random(len(segments))
    return [
        s
        for s, r in zip(segments, draws, strict=True)
        if s.street.priority < PRIORITY_LOCAL or r < s.street.keep_prob
    ]


def trim_stubs(segments: list[Segment]) -> list[Segment]:
    """Iteratively remove short dangling pieces (the overshoot of T-junctions)."""
    while True:
        idx = node_index(segments)
        dangling = {
            i
            for i, s in enumerate(segments)
            if s.geom.length < STUB_M and any(len(idx[k]) == 1 for k in endpoint_keys(s.geom))
        }
        if not dangling:
            return segments
        segments = [s for i, s in enumerate(segments) if i not in dangling]


def collapse_short(segments: list[Segment], min_len: float = 6.0) -> list[Segment]:
    """Contract tiny segments (near-coincident crossings) into a single intersection."""
    while True:
        idx = node_index(segments)
        short = next((i for i, s in enumerate(segments) if s.geom.length < min_len), None)
        if short is None:
            return segments
        a, b = endpoint_keys(segments[short].geom)
        if len(idx[b]) > len(idx[a]):
            a, b = b, a
        kept = []
        for j, seg in enumerate(segments):
            if j == short:
                continue
            coords = list(seg.geom.coords)
            if b in (coords[0], coords[-1]):
                coords = [
                    a if c == b and k in (0, len(coords) - 1) else c for k, c in enumerate(coords)
                ]
                coords = [c for k, c in enumerate(coords) if k == 0 or c != coords[k - 1]]
                if len(coords) < 2 or coords[0] == coords[-1]:
                    continue
                seg.geom = LineString(coords)
            kept.append(seg)
        segments = kept


def components(segments: list[Segment]) -> list[list[int]]:
    idx = node_index(segments)
    seen = [False] * len(segments)
    comps = []
    for start in range(len(segments)):
        if seen[start]:
            continue
        stack, comp = [start], []
        seen[start] = True
        while stack:
            i = stack.pop()
            comp.append(i)
            for k in endpoint_keys(segments[i].geom):
                for j in idx[k]:
                    if not seen[j]:
                        seen[j] = True
                        stack.append(j)
        comps.append(sorted(comp))
    return comps


def keep_connected(segments: list[Segment], geo: Geography) -> list[Segment]:
    """The mainland's largest component plus the island networks."""
    comps = sorted(components(segments), key=len, reverse=True)
    keep = set(comps[0])
    for comp in comps[1:]:
        probe = segments[comp[0]].geom.interpolate(0.5, normalized=True)
        if len(comp) >= 2 and any(isl.covers(probe) for isl in geo.islands.values()):
            keep |= set(comp)
    return [s for i, s in enumerate(segments) if i in keep]


def merge_chains(segments: list[Segment]) -> list[Segment]:
    """Join consecutive pieces of the same street through nodes of degree two."""
    while True:
        idx = node_index(segments)
        merged = False
        used: set[int] = set()
        out: list[Segment] = []
        for incident in idx.values():
            if len(incident) != 2 or incident[0] == incident[1]:
                continue
            i, j = incident
            if i in used or j in used or segments[i].street is not segments[j].street:
                continue
            joined = linemerge([segments[i].geom, segments[j].geom])
            if joined.geom_type != "LineString":
                continue
            used |= {i, j}
            out.append(Segment(joined, segments[i].street))
            merged = True
        if not merged:
            return segments
        segments = [s for i, s in enumerate(segments) if i not in used] + out


# --------------------------------------------------------------------------- attributes


def address_range(d0: float, d1: float) -> tuple[int, int, int, int]:
    """(FromAddr_L, ToAddr_L, FromAddr_R, ToAddr_R): odd left, even right, by distance."""
    kmin = math.ceil(d0 / ADDRESS_STEP_M)
    kmax = math.ceil(d1 / ADDRESS_STEP_M) - 1
    if kmax < kmin:
        return 0, 0, 0, 0
    return 2 * kmin + 1, 2 * kmax + 1, 2 * kmin + 2, 2 * kmax + 2


def number_at(d: float, left: bool) -> int:
    k = math.floor(d / ADDRESS_STEP_M)
    return 2 * k + (1 if left else 2)


def assign_attributes(
    segments: list[Segment],
    geo: Geography,
    regions: dict[str, Polygon],
) -> None:
    """Orient each segment along its street, then ranges, municipalities and speed."""
    for seg in segments:
        a, b = (Point(c) for c in (seg.geom.coords[0], seg.geom.coords[-1]))
        d0, d1 = seg.street.ref.project(a), seg.street.ref.project(b)
        if d0 > d1:
            seg.geom = seg.geom.reverse()
            d0, d1 = d1, d0
        seg.d0, seg.d1 = d0, d1
    # numbering starts near 1 where each street's first built segment begins
    base: dict[int, float] = {}
    for seg in segments:
        key = id(seg.street)
        base[key] = min(base.get(key, math.inf), seg.d0)
    for seg in segments:
        shift = ADDRESS_STEP_M * math.floor(base[id(seg.street)] / ADDRESS_STEP_M)
        seg.d0 -= shift
        seg.d1 -= shift
    for seg in segments:
        st = seg.street
        a = Point(seg.geom.coords[0])
        d0, d1 = seg.d0, seg.d1
        if st.addressable and seg.geom.length >= 20:
            seg.from_l, seg.to_l, seg.from_r, seg.to_r = address_range(d0, d1)
        mid = seg.geom.length / 2
        left, _ = side_point(seg.geom, mid, 12.0)
        right, _ = side_point(seg.geom, mid, -12.0)
        seg.a3_l = geo.town_at(left) or ""
        seg.a3_r = geo.town_at(right) or ""
        seg.speed = st.speed
        if st.road_class == "Secondary" and regions["Peninsula"].covers(a):
            seg.speed = 25


def build_road_network(geo: Geography, rng: np.random.Generator) -> RoadNetwork:
    streets = arterial_streets()
    namer = StreetNamer(rng, {(s.name, s.pos_type) for s in streets})
    study = Polygon(STUDY_AREA)
    land_all = unary_union([geo.land, *geo.islands.values()])
    vertices = defaultdict(set)
    for i, s in enumerate(streets):
        for c in s.ref.coords:
            vertices[c].add(i)
    for s in streets:
        start, end = s.ref.coords[0], s.ref.coords[-1]
        ext = extend_ends(
            s.ref, EXTEND_M, keep_start=len(vertices[start]) > 1, keep_end=len(vertices[end]) > 1
        )
        clipped = ext.intersection(study if s.bridge else land_all.buffer(-15))
        s.pieces = [
            p
            for p in getattr(clipped, "geoms", [clipped])
            if p.geom_type == "LineString" and p.length > 30
        ]

    regions = grid_regions(geo)
    seams = seam_streets(regions, namer)
    for s in seams:
        s.pieces = [extend_ends(s.ref, EXTEND_M, False, False)]
    highway = unary_union([p for s in streets if s.level == 1 for p in s.pieces]).buffer(25)
    inner_land = land_all.buffer(-25).difference(road_free_areas())
    locals_: list[Street] = []
    for zone in GRID_ZONES:
        region = regions[zone.name]
        clip = region.buffer(EXTEND_M - 2).intersection(inner_land).difference(highway)
        locals_ += zone_grid_streets(zone, region, clip, namer, rng)
    all_streets = streets + seams + island_ring_streets(geo) + locals_

    segments = node_streets(all_streets)
    segments = drop_parallel_locals(segments)
    segments = drop_random_locals(segments, rng)
    segments = trim_stubs(segments)
    segments = keep_connected(segments, geo)
    segments = trim_stubs(segments)
    segments = collapse_short(segments)
    segments = trim_stubs(segments)
    segments = merge_chains(segments)
    segments.sort(
        key=lambda s: (
            s.street.priority,
            s.street.full_name,
            s.geom.coords[0][0],
            s.geom.coords[0][1],
        )
    )
    assign_attributes(segments, geo, regions)
    segments.sort(key=lambda s: (s.street.priority, s.street.full_name, s.d0))
    return RoadNetwork(segments, regions, {z.name: z for z in GRID_ZONES}, node_index(segments))


def shortest_path(
    net: RoadNetwork,
    src: tuple[float, float],
    dst: tuple[float, float],
) -> list[int]:
    """Segment indices of the shortest path between two network nodes (Dijkstra)."""
    dist = {src: 0.0}
    prev: dict[tuple[float, float], tuple[tuple[float, float], int]] = {}
    heap = [(0.0, src)]
    while heap:
        d, node = heapq.heappop(heap)
        if node == dst:
            break
        if d > dist.get(node, math.inf):
            continue
        for i in net.nodes[node]:
            seg = net.segments[i]
            if seg.street.level == 1:
                continue
            a, b = endpoint_keys(seg.geom)
            other = b if a == node else a
            nd = d + seg.geom.length
            if nd < dist.get(other, math.inf):
                dist[other] = nd
                prev[other] = (node, i)
                heapq.heappush(heap, (nd, other))
    path = []
    node = dst
    while node != src:
        node, i = prev[node]
        path.append(i)
    return path[::-1]
