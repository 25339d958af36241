"""City sites and the wide-area network: nodes (sites, switches, routers, closures,
handholes, towers, cameras) and spans (fibre cables and conduits along the streets in a
ring with spurs, microwave links between towers)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from shapely.geometry import LineString, Point

from .geography import pen
from .lots import Lot
from .places import claim_lot, lot_address
from .safety import Tower
from .streets import RoadNetwork, endpoint_keys, shortest_path

Key = tuple[float, float]


@dataclass
class CitySite:
    site_id: str
    name: str
    kind: str
    target: tuple[float, float]
    users: int
    town: str = "Portland"
    lot: Lot | None = None
    address: str = ""
    node_id: str = ""

    @property
    def point(self) -> Point:
        assert self.lot is not None
        return self.lot.point


CITY_SITES = (
    ("CS-001", "City Hall", "City Hall", (0, 0), 410),
    ("CS-911", "Regional 9-1-1 Communications Center", "Public Safety", pen(0.55, -0.35), 85),
    ("CS-002", "Portland Public Library - Main", "Library", pen(0.35, 0.02), 62),
    ("CS-003", "Public Works Operations Center", "Public Works", (-2700, -200), 165),
    ("CS-004", "Riverside Street Fleet Garage", "Public Works", (-6700, 1400), 48),
    ("CS-005", "Portland High School", "School", pen(0.6, 0.25), 58),
    ("CS-006", "Deering High School", "School", (-3500, 2300), 61),
    ("CS-007", "Casco Bay High School", "School", pen(-0.9, 0.45), 34),
    ("CS-008", "King Middle School", "School", pen(-0.2, 0.45), 38),
    ("CS-009", "Lincoln Middle School", "School", (-2000, 3200), 36),
    ("CS-010", "Lyman Moore Middle School", "School", (-1200, 6100), 35),
    ("CS-011", "Reiche Elementary School", "School", pen(-1.2, -0.25), 27),
    ("CS-012", "East End Community School", "School", pen(1.45, 0.35), 31),
    ("CS-013", "Presumpscot Elementary School", "School", (1000, 4500), 24),
    ("CS-014", "Hall Elementary School", "School", (-4800, 2500), 29),
    ("CS-015", "Longfellow Elementary School", "School", (-2900, 2000), 26),
    ("CS-016", "Peaks Island School", "School", (5450, 250), 6),
    ("CS-017", "Burbank Branch Library", "Library", (-3400, 2500), 9),
    ("CS-018", "Riverton Branch Library", "Library", (-5400, 5000), 6),
    ("CS-019", "Peaks Island Branch Library", "Library", (5500, -50), 3),
    ("CS-020", "Barron Center", "Health & Human Services", (-2600, 100), 74),
    ("CS-021", "Ocean Gateway Terminal", "Transportation", pen(1.55, -0.5), 12),
    ("CS-022", "Portland Exposition Building", "Recreation", (-1700, -400), 15),
    ("CS-023", "Riverside Golf Course Clubhouse", "Recreation", (-6900, 3200), 5),
    ("CS-024", "South Portland City Hall (regional interconnect)", "Partner", (-800, -2500), 0),
    ("CS-025", "Cape Elizabeth Town Hall (regional interconnect)", "Partner", (350, -7550), 0),
)
SITE_TOWN = {"CS-024": "South Portland", "CS-025": "Cape Elizabeth"}
PLACE_TYPE = {
    "City Hall": "town-hall",
    "School": "school",
    "Library": "library",
    "Public Works": "municipal-garage",
    "Public Safety": "government",
    "Health & Human Services": "care-facility",
    "Transportation": "bus-station",
    "Recreation": "public",
    "Partner": "town-hall",
}

RING = (
    "CS-001",
    "CS-911",
    "CS-012",
    "CS-013",
    "CS-010",
    "CS-006",
    "CS-004",
    "CS-003",
    "CS-007",
    "CS-001",
)
ROUTERS = ("CS-001", "CS-911", "CS-003", "CS-004", "CS-006", "CS-010", "CS-024", "CS-025")
MICROWAVE = (
    ("TWR-01", "TWR-03"),
    ("TWR-01", "TWR-04"),
    ("TWR-04", "TWR-05"),
    ("TWR-01", "TWR-06"),
    ("TWR-06", "TWR-07"),
    ("TWR-03", "TWR-08"),
)
# Sites not reached by city fibre: the tower they hang off.
WIRELESS_SITES = {"CS-025": "TWR-07", "CS-016": "TWR-08", "CS-019": "TWR-08"}


def place_city_sites(lots: list[Lot], net: RoadNetwork) -> list[CitySite]:
    sites = []
    for site_id, name, kind, target, users in CITY_SITES:
        site = CitySite(site_id, name, kind, target, users, SITE_TOWN.get(site_id, "Portland"))
        if site_id == "CS-001":
            site.lot = next(lot for lot in lots if lot.site_name == "City Hall")
        else:
            owner = "Town" if site.town == "Cape Elizabeth" else "City"
            site.lot = claim_lot(
                lots,
                net,
                target,
                name,
                "Institutional",
                PLACE_TYPE[kind],
                owner,
                town=site.town,
                prefer_arterial=kind != "School",
            )
        site.address = lot_address(site.lot, net)
        sites.append(site)
    return sites


@dataclass
class NetNode:
    asset_id: str
    kind: str
    status: str
    owner: str
    install_date: dt.date | None
    model: str
    site_id: str
    point: Point


@dataclass
class Span:
    asset_id: str
    kind: str
    status: str
    owner: str
    install_date: dt.date | None
    strand_count: int | None
    from_node: str
    to_node: str
    geom: LineString


class NetworkBuilder:
    """Grows the plant: ring first, then spurs hooked onto the nearest existing node."""

    def __init__(self, net: RoadNetwork, rng: np.random.Generator) -> None:
        self.net = net
        self.rng = rng
        self.nodes: list[NetNode] = []
        self.spans: list[Span] = []
        self.at_road: dict[Key, str] = {}  # road node -> plant node asset id
        keys = list(net.nodes)
        self._keys = keys
        self._xy = np.array(keys)

    def date(self, start: int, end: int) -> dt.date:
        days = (dt.date(end, 12, 31) - dt.date(start, 1, 1)).days
        return dt.date(start, 1, 1) + dt.timedelta(days=int(self.rng.integers(days)))

    def add_node(
        self,
        kind: str,
        point: Point,
        site_id: str = "",
        model: str = "",
        status: str = "active",
        owner: str = "City of Portland",
    ) -> str:
        asset_id = f"NN-{len(self.nodes) + 1:04d}"
        when = None if status == "planned" else self.date(2001, 2025)
        self.nodes.append(NetNode(asset_id, kind, status, owner, when, model, site_id, point))
        return asset_id

    def add_span(
        self,
        kind: str,
        a: str,
        b: str,
        geom: LineString,
        strands: int | None,
        status: str = "active",
        owner: str = "City of Portland",
    ) -> None:
        when = None if status == "planned" else self.date(1999, 2025)
        self.spans.append(
            Span(f"FS-{len(self.spans) + 1:04d}", kind, status, owner, when, strands, a, b, geom)
        )

    def node_point(self, asset_id: str) -> Point:
        return self.nodes[int(asset_id[3:]) - 1].point

    def nearest_road_node(self, pt: Point) -> Key:
        d = np.hypot(self._xy[:, 0] - pt.x, self._xy[:, 1] - pt.y)
        return self._keys[int(np.argmin(d))]

    def route(
        self,
        a_id: str,
        a_key: Key,
        b_id: str,
        b_key: Key,
        strands: int,
        owner: str = "City of Portland",
        status: str = "active",
    ) -> None:
        """Lay cable along the streets from a to b, with a handhole every ~300 m."""
        path = shortest_path(self.net, a_key, b_key)
        coords = [self.node_point(a_id).coords[0]]
        here, prev_id, run = a_key, a_id, 0.0
        target = float(self.rng.uniform(180, 380))
        for n, seg_i in enumerate(path):
            geom = self.net.segments[seg_i].geom
            start, end = endpoint_keys(geom)
            seg_coords = list(geom.coords) if start == here else list(geom.coords)[::-1]
            coords += seg_coords[1:] if coords[-1] == seg_coords[0] else seg_coords
            here = end if start == here else start
            run += geom.length
            last = n == len(path) - 1
            if run >= target and not last:
                node_id = self.at_road.get(here) or self.add_node(
                    "handhole", Point(here), model="Quazite PG1730 handhole"
                )
                self.at_road[here] = node_id
                node_xy = self.node_point(node_id).coords[0]
                if node_xy != here:  # a site's access point: run the cable into the building
                    coords.append(node_xy)
                self.add_span(
                    "fibre_cable", prev_id, node_id, LineString(coords), strands, status, owner
                )
                coords = [node_xy, here] if node_xy != here else [here]
                prev_id, run = node_id, 0.0
                target = float(self.rng.uniform(180, 380))
        coords.append(self.node_point(b_id).coords[0])
        if len(coords) >= 2 and LineString(coords).length > 0:
            self.add_span("fibre_cable", prev_id, b_id, LineString(coords), strands, status, owner)

    def attach(
        self,
        site_node: str,
        pt: Point,
        strands: int,
        owner: str = "City of Portland",
        status: str = "active",
    ) -> None:
        """Spur from a site to the nearest existing plant node (made a splice closure)."""
        here = self.nearest_road_node(pt)
        best = min(self.at_road, key=lambda k: math.dist(k, here))
        hub = self.at_road[best]
        node = self.nodes[int(hub[3:]) - 1]
        if node.kind == "handhole":
            node.kind, node.model = "splice_closure", "CommScope FOSC 450-D closure"
        self.route(hub, best, site_node, here, strands, owner, status)


def build_network(
    sites: list[CitySite], towers: list[Tower], net: RoadNetwork, rng: np.random.Generator
) -> tuple[list[NetNode], list[Span]]:
    b = NetworkBuilder(net, rng)
    by_id = {s.site_id: s for s in sites}
    for s in sites:
        owner = "City of Portland" if s.town == "Portland" else f"{s.town} (partner)"
        s.node_id = b.add_node("site", s.point, s.site_id, owner=owner)
        b.add_node("switch", s.point, s.site_id, "Cisco Catalyst 9300-48P", owner=owner)
        if s.users > 100:
            b.add_node("switch", s.point, s.site_id, "Cisco Catalyst 9300-48P", owner=owner)
        if s.site_id in ROUTERS:
            b.add_node("router", s.point, s.site_id, "Cisco ISR 4451-X", owner=owner)
    tower_node = {}
    for t in towers:
        tower_node[t.site_id] = b.add_node(
            "tower", t.point, t.site_id, status=t.status, owner=t.owner
        )
    # the core ring
    for a, c in pairwise(RING):
        sa, sc = by_id[a], by_id[c]
        ka, kc = b.nearest_road_node(sa.point), b.nearest_road_node(sc.point)
        b.at_road.setdefault(ka, sa.node_id)
        b.at_road.setdefault(kc, sc.node_id)
        b.route(sa.node_id, ka, sc.node_id, kc, 144)
    # spurs, nearest-first so later spurs can hang off earlier ones
    rest = [s for s in sites if s.site_id not in RING and s.site_id not in WIRELESS_SITES]
    rest.sort(key=lambda s: math.dist((s.point.x, s.point.y), (0, 0)))
    for s in rest:
        leased = s.town != "Portland"
        b.attach(
            s.node_id,
            s.point,
            48 if s.users >= 40 else 24,
            owner="Consolidated Communications (leased)" if leased else "City of Portland",
        )
    for t in towers:
        if t.site_id in ("TWR-01", "TWR-02"):
            continue  # on a site building, reached by the site's own switch
        if t.site_id in ("TWR-03", "TWR-04", "TWR-05"):
            b.attach(tower_node[t.site_id], t.point, 24, status=t.status)
    for x, y in MICROWAVE:
        status = "planned" if "TWR-08" in (x, y) else "active"
        geom = LineString(
            [b.node_point(tower_node[x]).coords[0], b.node_point(tower_node[y]).coords[0]]
        )
        b.add_span("microwave_link", tower_node[x], tower_node[y], geom, None, status)
    # island and Cape sites hang off their tower by a short fibre drop
    for sid, twr in WIRELESS_SITES.items():
        geom = LineString([b.node_point(tower_node[twr]).coords[0], by_id[sid].point.coords[0]])
        status = "planned" if twr == "TWR-08" else "active"
        b.add_span("fibre_cable", tower_node[twr], by_id[sid].node_id, geom, 12, status)
    add_cameras(b, rng)
    retire_some(b, rng)
    return b.nodes, b.spans


def add_cameras(b: NetworkBuilder, rng: np.random.Generator, count: int = 30) -> None:
    """Traffic / public-space cameras dropped off downtown handholes."""
    downtown = [(k, v) for k, v in b.at_road.items() if math.hypot(*k) < 2500]
    order = rng.permutation(len(downtown))[:count]
    for i in sorted(order.tolist()):
        key, hub = downtown[i]
        cam = Point(key[0] + 12.0, key[1] + 9.0)
        cam_id = b.add_node("camera", cam, model="Axis Q6135-LE PTZ")
        b.add_span("fibre_cable", hub, cam_id, LineString([key, cam.coords[0]]), 12)


def retire_some(b: NetworkBuilder, rng: np.random.Generator) -> None:
    """A few abandoned spans and a planned conduit, as real plant records have."""
    cables = [s for s in b.spans if s.kind == "fibre_cable" and s.status == "active"]
    for i in sorted(rng.permutation(len(cables))[:3].tolist()):
        old = cables[i]
        b.add_span(
            "fibre_cable",
            old.from_node,
            old.to_node,
            old.geom,
            12,
            status="retired",
            owner="Maine Fiber Co (legacy IRU)",
        )
        b.spans[-1].install_date = b.date(1996, 2003)
    for i in sorted(rng.permutation(len(cables))[:6].tolist()):
        old = cables[i]
        b.add_span("conduit", old.from_node, old.to_node, old.geom, None, status="planned")
