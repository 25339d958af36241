"""Public safety: stations, radio towers, and the PSAP / police / fire / EMS boundaries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.ops import polygonize, unary_union

from .common import PSAP_AGENCY, TOWN_AGENCY
from .geography import STUDY_AREA, TOWNS, Geography, pen
from .lots import Lot
from .places import claim_lot, lot_address
from .streets import RoadNetwork


@dataclass
class Station:
    station_id: str
    name: str
    kind: str  # Fire / Police / EMS
    town: str
    agency: str
    apparatus: str
    staffed: bool
    turnout_s: int
    target: tuple[float, float]
    share_with: str | None = None
    lot: Lot | None = None
    address: str = ""

    @property
    def point(self) -> Point:
        assert self.lot is not None
        return self.lot.point


PFD, SPFD, CEFD = (
    "Portland Fire Department",
    "South Portland Fire Department",
    ("Cape Elizabeth Fire & Rescue"),
)
PPD, SPPD, CEPD = (
    "Portland Police Department",
    "South Portland Police Department",
    ("Cape Elizabeth Police Department"),
)

STATIONS = (
    Station(
        "ST-F01",
        "Central Fire Station",
        "Fire",
        "Portland",
        PFD,
        "Engine 1, Ladder 1, Rescue 1, Battalion 1",
        True,
        60,
        pen(0.2, -0.12),
    ),
    Station(
        "ST-F02",
        "Engine 2 Munjoy Hill",
        "Fire",
        "Portland",
        PFD,
        "Engine 2",
        True,
        60,
        pen(1.55, 0.2),
    ),
    Station(
        "ST-F03",
        "Engine 4 Bramhall",
        "Fire",
        "Portland",
        PFD,
        "Engine 4, Ladder 4",
        True,
        60,
        pen(-1.55, 0.0),
    ),
    Station(
        "ST-F04",
        "Engine 9 Stevens Avenue",
        "Fire",
        "Portland",
        PFD,
        "Engine 9, Rescue 3",
        True,
        70,
        (-3300, 1800),
    ),
    Station(
        "ST-F05",
        "Engine 12 Ocean Avenue",
        "Fire",
        "Portland",
        PFD,
        "Engine 12",
        True,
        70,
        (-1300, 3900),
    ),
    Station(
        "ST-F06",
        "Engine 7 East Deering",
        "Fire",
        "Portland",
        PFD,
        "Engine 7",
        True,
        70,
        (900, 3300),
    ),
    Station(
        "ST-F07",
        "Engine 11 North Deering",
        "Fire",
        "Portland",
        PFD,
        "Engine 11, Tanker 11",
        True,
        75,
        (-1700, 6200),
    ),
    Station(
        "ST-F08",
        "Engine 10 Riverton",
        "Fire",
        "Portland",
        PFD,
        "Engine 10",
        True,
        75,
        (-5800, 4000),
    ),
    Station(
        "ST-F09",
        "Engine 71 Peaks Island",
        "Fire",
        "Portland",
        PFD,
        "Engine 71, Boat 4 (fireboat at Ocean Gateway)",
        False,
        240,
        (5350, 0),
    ),
    Station(
        "ST-F10",
        "South Portland Central Station",
        "Fire",
        "South Portland",
        SPFD,
        "Engine 1, Ladder 1, Rescue 1",
        True,
        60,
        (-600, -2650),
    ),
    Station(
        "ST-F11",
        "Cash Corner Station",
        "Fire",
        "South Portland",
        SPFD,
        "Engine 5, Rescue 2",
        True,
        70,
        (-3900, -2900),
    ),
    Station(
        "ST-F12",
        "Cape Elizabeth Central Station",
        "Fire",
        "Cape Elizabeth",
        CEFD,
        "Engine 2, Rescue 1",
        False,
        150,
        (450, -7300),
    ),
    Station(
        "ST-F13",
        "Pond Cove Station",
        "Fire",
        "Cape Elizabeth",
        CEFD,
        "Engine 3",
        False,
        180,
        (2300, -5900),
    ),
    Station(
        "ST-P01",
        "Portland Police Headquarters",
        "Police",
        "Portland",
        PPD,
        "Patrol, Detectives, Communications",
        True,
        45,
        pen(0.55, -0.35),
    ),
    Station(
        "ST-P02",
        "PPD North Substation",
        "Police",
        "Portland",
        PPD,
        "Patrol (District 2)",
        True,
        45,
        (-1500, 4600),
    ),
    Station(
        "ST-P03",
        "PPD Riverton Community Policing Center",
        "Police",
        "Portland",
        PPD,
        "Community policing",
        False,
        90,
        (-5600, 4400),
    ),
    Station(
        "ST-P04",
        "South Portland Police Station",
        "Police",
        "South Portland",
        SPPD,
        "Patrol, Detectives",
        True,
        45,
        (-300, -2850),
    ),
    Station(
        "ST-P05",
        "Cape Elizabeth Police Station",
        "Police",
        "Cape Elizabeth",
        CEPD,
        "Patrol",
        True,
        45,
        (300, -7450),
    ),
    Station(
        "ST-E01",
        "MEDCU 1 Central",
        "EMS",
        "Portland",
        PFD,
        "Medcu 1, Medcu 2",
        True,
        60,
        pen(-0.2, 0.2),
    ),
    Station(
        "ST-E02",
        "MEDCU 3 Stevens Avenue",
        "EMS",
        "Portland",
        PFD,
        "Medcu 3",
        True,
        60,
        (-3400, 1500),
    ),
    Station(
        "ST-E03",
        "South Portland Rescue",
        "EMS",
        "South Portland",
        SPFD,
        "Rescue 1, Rescue 2",
        True,
        60,
        (-1200, -2800),
    ),
    Station(
        "ST-E04",
        "Cape Elizabeth Rescue",
        "EMS",
        "Cape Elizabeth",
        CEFD,
        "Rescue 1",
        False,
        150,
        (650, -7150),
    ),
)

# The 9-1-1 centre shares Police HQ's building.
POLICE_HQ_SHARES = "Regional 9-1-1 Communications Center"


def place_stations(lots: list[Lot], net: RoadNetwork) -> list[Station]:
    stations = []
    for proto in STATIONS:
        st = Station(**{k: getattr(proto, k) for k in proto.__dataclass_fields__})
        use = "Institutional"
        place = {"Fire": "fire-station", "Police": "government", "EMS": "fire-station"}[st.kind]
        owner = "Town" if st.town == "Cape Elizabeth" else "City"
        share = POLICE_HQ_SHARES if st.station_id == "ST-P01" else None
        st.lot = claim_lot(
            lots, net, st.target, st.name, use, place, owner, town=st.town, share_with=share
        )
        st.address = lot_address(st.lot, net)
        stations.append(st)
    return stations


# --------------------------------------------------------------------------- towers


@dataclass
class Tower:
    site_id: str
    name: str
    owner: str
    height_m: float
    purpose: str
    coverage_km: float
    status: str
    point: Point


TOWER_SITES = (
    # site_id, name, owner, height, purpose, coverage, status, at (station/site key or xy)
    (
        "TWR-01",
        "Public Safety Building rooftop",
        "City of Portland",
        18.5,
        "P25 public safety / microwave backhaul hub",
        9.0,
        "active",
        "CS-911",
    ),
    (
        "TWR-02",
        "Central Fire Station mast",
        "City of Portland",
        24.0,
        "Fire alerting (VHF) / P25 public safety",
        7.5,
        "active",
        "ST-F01",
    ),
    (
        "TWR-03",
        "Munjoy Hill water tank",
        "Portland Water District (leased)",
        36.0,
        "P25 public safety",
        8.0,
        "active",
        pen(1.3, 0.45),
    ),
    (
        "TWR-04",
        "North Deering tower",
        "City of Portland",
        55.0,
        "P25 public safety / microwave backhaul",
        14.0,
        "active",
        (-1150, 6650),
    ),
    (
        "TWR-05",
        "Riverton tower",
        "State of Maine (MSCommNet)",
        61.0,
        "P25 public safety (state interop)",
        15.0,
        "active",
        (-5550, 4850),
    ),
    (
        "TWR-06",
        "Thornton Heights tower",
        "City of South Portland",
        48.0,
        "P25 public safety / microwave backhaul",
        11.0,
        "active",
        (-4050, -3250),
    ),
    (
        "TWR-07",
        "Cape Elizabeth town center tower",
        "Town of Cape Elizabeth",
        52.0,
        "P25 public safety",
        12.0,
        "active",
        (520, -7820),
    ),
    (
        "TWR-08",
        "Peaks Island tower",
        "City of Portland",
        30.0,
        "P25 public safety / microwave link to mainland",
        6.0,
        "planned",
        (5600, 320),
    ),
)


def place_towers(anchors: dict[str, Point]) -> list[Tower]:
    towers = []
    for site_id, name, owner, height, purpose, cov, status, at in TOWER_SITES:
        pt = anchors[at] if isinstance(at, str) else Point(at)
        towers.append(Tower(site_id, name, owner, height, purpose, cov, status, pt))
    return towers


# --------------------------------------------------------------------------- boundaries


@dataclass
class ServiceArea:
    local_id: str
    geom: shapely.Geometry
    agency_id: str
    display_name: str
    town: str


def station_cells(points: list[tuple[str, str, Point]]) -> dict[str, Polygon]:
    """Nearest-station (Voronoi) cell of each station, computed within its own town."""
    study = Polygon(STUDY_AREA).buffer(5000)
    cells: dict[str, Polygon] = {}
    for town in TOWNS:
        mine = [(key, pt) for key, t, pt in points if t == town]
        if len(mine) == 1:
            cells[mine[0][0]] = study
            continue
        vor = shapely.voronoi_polygons(MultiPoint([pt for _, pt in mine]), extend_to=study)
        for key, pt in mine:
            cells[key] = next(c for c in vor.geoms if c.contains(pt))
    return cells


def merged(faces: list[Polygon]) -> shapely.Geometry:
    union = unary_union(faces)
    polys = [g for g in getattr(union, "geoms", [union]) if g.geom_type == "Polygon"]
    return MultiPolygon(polys) if len(polys) > 1 else polys[0]


def agency_fqdn(service: str, town: str) -> str:
    return f"{service}.{TOWN_AGENCY[town]}"


def service_areas(stations: list[Station], geo: Geography) -> dict[str, list[ServiceArea]]:
    """Municipal, PSAP, police, fire and EMS polygons from one set of shared faces.

    The town outlines and every station cell are polygonized together; each layer is a
    dissolve of those faces, so all layers carry bit-identical vertices: no gaps or
    slivers between them even after coordinates are rounded.
    """
    kinds = {"fire": "Fire", "ems": "EMS"}
    points = {
        k: [(s.station_id, s.town, s.point) for s in stations if s.kind == v]
        for k, v in kinds.items()
    }
    cells = {k: station_cells(pts) for k, pts in points.items()}
    town_of = {s.station_id: s.town for s in stations}
    edges = [geo.towns[t].boundary for t in TOWNS]
    edges += [c.boundary for layer in cells.values() for c in layer.values()]
    linework = unary_union(edges)
    groups: dict[tuple[str, str], list[Polygon]] = defaultdict(list)
    for face in polygonize(getattr(linework, "geoms", [linework])):
        probe = face.representative_point()
        town = next((t for t in TOWNS if geo.towns[t].contains(probe)), None)
        if town is None:
            continue
        groups[("town", town)].append(face)
        for kind, layer in cells.items():
            key = next(k for k, c in layer.items() if town_of[k] == town and c.contains(probe))
            groups[(kind, key)].append(face)
    towns = {t: merged(groups[("town", t)]) for t in TOWNS}
    areas: dict[str, list[ServiceArea]] = {
        "municipal": [
            ServiceArea(f"A3-{i + 1}", towns[t], TOWN_AGENCY[t], t, t) for i, t in enumerate(TOWNS)
        ],
        "psap": [
            ServiceArea(
                "PSAP-01",
                merged([f for t in TOWNS for f in groups[("town", t)]]),
                PSAP_AGENCY,
                "Greater Portland Regional 9-1-1 PSAP",
                "",
            )
        ],
        "police": [
            ServiceArea(
                f"POL-{i + 1:02d}", towns[t], agency_fqdn("police", t), f"{t} Police Department", t
            )
            for i, t in enumerate(TOWNS)
        ],
    }
    by_id = {s.station_id: s for s in stations}
    for kind, prefix in (("fire", "FIRE"), ("ems", "EMS")):
        areas[kind] = [
            ServiceArea(
                f"{prefix}-{i + 1:02d}",
                merged(groups[(kind, key)]),
                agency_fqdn(kind, by_id[key].town),
                f"{by_id[key].name} first-due district",
                by_id[key].town,
            )
            for i, (key, _, _) in enumerate(points[kind])
        ]
    return areas


def coverage_gap_check(areas: list[ServiceArea], geo: Geography) -> float:
    """Area (m²) of land not covered by the layer: must be ~0."""
    land = unary_union(list(geo.towns.values()))
    covered = unary_union([a.geom for a in areas])
    return float(land.difference(covered).area)


def overlap_area(geoms: list[shapely.Geometry]) -> float:
    total = 0.0
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            total += a.intersection(b).area
    return total
