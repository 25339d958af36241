"""FixIt! Portland reports (Open311 GeoReport v2 fields) over two years.

Reports cluster in hot spots (downtown around City Hall, the Old Port, Forest Ave and
Washington Ave corridors, Munjoy Hill) and are otherwise spread near address points. Times
are ISO 8601 strings with the local offset (-05:00 / -04:00), as the GeoReport API sends
them; ids and service codes are strings (codes keep their leading zeros). A few descriptions
are hostile on purpose (script tags, template injection...), as real public text can be.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from shapely.geometry import LineString, Point

from .geography import Geography, pen
from .lots import Lot, zip_code
from .streets import RoadNetwork

TZ = ZoneInfo("America/New_York")
START = dt.datetime(2024, 11, 1, tzinfo=TZ)
END = dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ)
N_INCIDENTS = 5000
CONTROL_INCIDENT_ID = "16600389"  # reported exactly at City Hall (CS-001)

# name, code, agency, SLA days, weight, monthly seasonality (Jan..Dec)
SERVICES = (
    (
        "Pothole",
        "001",
        "Public Works - Streets",
        5,
        0.17,
        (1.2, 1.6, 2.6, 2.8, 1.8, 0.9, 0.6, 0.6, 0.6, 0.7, 0.8, 1.0),
    ),
    (
        "Streetlight Out",
        "002",
        "Public Works - Traffic & Streetlights",
        10,
        0.10,
        (1.3, 1.2, 1.0, 0.8, 0.7, 0.6, 0.6, 0.7, 0.9, 1.2, 1.4, 1.5),
    ),
    ("Trash/Recycling", "003", "Public Works - Solid Waste", 3, 0.14, (1,) * 12),
    (
        "Odor",
        "004",
        "Water Resources Division",
        7,
        0.03,
        (0.4, 0.4, 0.5, 0.7, 1.0, 1.6, 2.0, 2.0, 1.4, 0.8, 0.5, 0.4),
    ),
    (
        "Graffiti",
        "005",
        "Public Works - Streets",
        14,
        0.07,
        (0.5, 0.5, 0.7, 1.0, 1.3, 1.4, 1.5, 1.5, 1.3, 1.0, 0.7, 0.5),
    ),
    (
        "Sidewalk Repair",
        "006",
        "Public Works - Engineering",
        30,
        0.07,
        (0.6, 0.6, 1.0, 1.4, 1.4, 1.2, 1.1, 1.0, 1.0, 0.9, 0.8, 0.6),
    ),
    ("Sign Damage", "007", "Public Works - Traffic & Streetlights", 10, 0.05, (1,) * 12),
    (
        "Tree Issue",
        "008",
        "Parks, Recreation & Facilities - Forestry",
        21,
        0.06,
        (0.6, 0.6, 0.7, 0.9, 1.1, 1.2, 1.3, 1.2, 1.1, 1.6, 1.4, 0.8),
    ),
    (
        "Snow/Ice",
        "009",
        "Public Works - Snow Operations",
        2,
        0.12,
        (3.5, 3.8, 2.0, 0.3, 0, 0, 0, 0, 0, 0.1, 0.8, 2.8),
    ),
    ("Parking Enforcement", "010", "Parking Division", 1, 0.10, (1,) * 12),
    ("Other", "011", "Customer Service (FixIt! Portland)", 14, 0.09, (1,) * 12),
)

DESCRIPTIONS = {
    "Pothole": [
        "Large pothole in the travel lane, cars swerving around it.",
        "Deep pothole near the crosswalk, already damaged a tire.",
        "Several potholes in a row after the freeze-thaw.",
        "Pothole by the storm drain keeps getting bigger.",
    ],
    "Streetlight Out": [
        "Streetlight out in front of the building.",
        "Light flickers on and off all night.",
        "Two streetlights dark on this block, very dark walking home.",
    ],
    "Trash/Recycling": [
        "Recycling bin not picked up on scheduled day.",
        "Overflowing public trash can at the bus stop.",
        "Bulky item (mattress) dumped on the sidewalk.",
    ],
    "Odor": [
        "Strong sewer smell from the catch basin.",
        "Rotten smell near the outfall, worse at low tide.",
    ],
    "Graffiti": [
        "Graffiti tag on the side of the building facing the street.",
        "Spray paint on the traffic signal box.",
    ],
    "Sidewalk Repair": [
        "Heaved sidewalk panel, tripping hazard.",
        "Brick sidewalk missing bricks, hole about 1 ft wide.",
    ],
    "Sign Damage": [
        "Stop sign knocked down.",
        "Street name sign missing at the corner.",
        "Speed limit sign bent and turned the wrong way.",
    ],
    "Tree Issue": [
        "Large limb hanging over the sidewalk after the storm.",
        "Tree roots lifting the sidewalk.",
        "Dead street tree, please remove.",
    ],
    "Snow/Ice": [
        "Sidewalk not cleared, ice all along the block.",
        "Plow left a wall of snow across the crosswalk.",
        "Bus stop buried in snow.",
    ],
    "Parking Enforcement": [
        "Car parked in the bike lane every morning.",
        "Vehicle blocking driveway for two days.",
        "Abandoned car with expired plates.",
    ],
    "Other": [
        "Broken bench.",
        "Water running down the street from a hydrant.",
        "Question about my permit.",
        "Loose manhole cover makes a loud noise.",
    ],
}

HOSTILE = (
    "<script>alert(1)</script>",
    "${alert(1)}",
    "<img src=x onerror=alert(document.cookie)>",
    "Pothole `rm -rf /` ${7*7} {{7*7}}",
    "javascript:alert('fixit')",
    '"><svg onload=alert(1)> streetlight out',
    "Robert'); DROP TABLE requests;--",
    'See photo: <a href="javascript:alert(1)">click</a>',
    '<iframe src="https://example.invalid/"></iframe> trash not picked up',
)

HOTSPOTS = (  # centre, sigma (m), weight
    ((0, 0), 260, 0.30),  # downtown, Congress Square / City Hall
    (pen(0.8, -0.45), 200, 0.20),  # Old Port
    (pen(1.45, 0.3), 220, 0.12),  # Munjoy Hill
)
CORRIDORS = (("Forest Ave", 0.22), ("Washington Ave", 0.16))

CLOSED_NOTES = (
    "Resolved.",
    "Crew completed repair.",
    "Work order completed.",
    "Duplicate of an existing request.",
    "Unable to locate issue.",
    "Referred to Central Maine Power (utility-owned light).",
    "Inspected: no action required.",
)
ACK_NOTES = ("Assigned to crew.", "Scheduled for repair.", "Under review.")


@dataclass
class Incident:
    request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency: str
    requested: dt.datetime
    updated: dt.datetime
    expected: dt.datetime
    address: str
    zipcode: str
    point: Point


def iso(t: dt.datetime) -> str:
    return t.astimezone(TZ).replace(microsecond=0).isoformat()


def pick_service(rng: np.random.Generator, month: int) -> int:
    w = np.array([s[4] * s[5][month - 1] for s in SERVICES])
    return int(rng.choice(len(SERVICES), p=w / w.sum()))


def sample_location(
    rng: np.random.Generator, corridors: dict[str, list[LineString]], homes: list[Lot]
) -> Point:
    r = rng.random()
    acc = 0.0
    for (cx, cy), sigma, weight in HOTSPOTS:
        acc += weight * 0.4
        if r < acc:
            return Point(cx + rng.normal(0, sigma), cy + rng.normal(0, sigma))
    for name, weight in CORRIDORS:
        acc += weight * 0.4
        if r < acc:
            segs = corridors[name]
            p = segs[int(rng.integers(len(segs)))].interpolate(float(rng.random()), normalized=True)
            return Point(p.x + rng.normal(0, 25), p.y + rng.normal(0, 25))
    lot = homes[int(rng.integers(len(homes)))]
    return Point(lot.point.x + rng.normal(0, 12), lot.point.y + rng.normal(0, 12))


def nearest_lot(pt: Point, xy: np.ndarray, lots: list[Lot]) -> Lot:
    d = (xy[:, 0] - pt.x) ** 2 + (xy[:, 1] - pt.y) ** 2
    return lots[int(np.argmin(d))]


def build_incidents(
    geo: Geography, net: RoadNetwork, lots: list[Lot], city_hall: Point, rng: np.random.Generator
) -> list[Incident]:
    portland = [lot for lot in lots if lot.town == "Portland"]
    xy = np.array([(lot.point.x, lot.point.y) for lot in portland])
    span_s = (END - START).total_seconds()
    times = []
    while len(times) < N_INCIDENTS:
        t = START + dt.timedelta(seconds=float(rng.uniform(0, span_s)))
        hour = rng.normal(13, 4)
        if 6 <= hour <= 23:
            t = t.replace(hour=int(hour), minute=int(rng.integers(60)))
            times.append(t)
    times.sort()
    incidents = []
    next_id = 16_400_000
    portland_land = geo.towns["Portland"]
    corridors = {
        name: [s.geom for s in net.segments if s.street.full_name == name] for name, _ in CORRIDORS
    }
    for t in times:
        k = pick_service(rng, t.month)
        name, code, agency, sla, _, _ = SERVICES[k]
        while True:
            pt = sample_location(rng, corridors, portland)
            if portland_land.covers(pt):
                break
        lot = nearest_lot(pt, xy, portland)
        next_id += int(rng.integers(40, 160))
        req_id = str(next_id)
        age_days = (END - t).days
        expected = t + dt.timedelta(days=sla)
        if age_days > 45 or rng.random() < 0.55:
            status = "closed"
            updated = t + dt.timedelta(hours=float(rng.exponential(sla * 24)) + 1)
            notes = str(rng.choice(CLOSED_NOTES))
        elif rng.random() < 0.5:
            status = "acknowledged"
            updated = t + dt.timedelta(hours=float(rng.uniform(1, 48)))
            notes = str(rng.choice(ACK_NOTES))
        else:
            status, updated, notes = "open", t, ""
        updated = min(updated, END)
        text = str(rng.choice(DESCRIPTIONS[name]))
        if rng.random() < 0.04:
            text = ""
        incidents.append(
            Incident(
                req_id,
                status,
                notes,
                name,
                code,
                text,
                agency,
                t,
                updated,
                expected,
                f"{lot.full_address(net.segments[lot.segment])}, Portland, ME",
                zip_code(lot),
                pt,
            )
        )
    add_hostile_text(incidents, rng)
    add_control_incident(incidents, city_hall)
    assert len({i.request_id for i in incidents}) == len(incidents)
    return incidents


def add_hostile_text(incidents: list[Incident], rng: np.random.Generator) -> None:
    picks = rng.choice(len(incidents), size=len(HOSTILE) + 2, replace=False)
    for text, i in zip(HOSTILE, picks[: len(HOSTILE)], strict=True):
        incidents[int(i)].description = text
    long_text = ("The sidewalk on this block has been broken for years. " * 70).strip()
    incidents[int(picks[-2])].description = long_text[:3990]
    incidents[
        int(picks[-1])
    ].description = "Streetlight out.\nAlso the one across the street.\r\nThanks — Café owner ☕"


def add_control_incident(incidents: list[Incident], city_hall: Point) -> None:
    """Pin one report exactly on City Hall's address point (cross-CRS alignment check)."""
    target = dt.datetime(2025, 6, 2, 10, 15, tzinfo=TZ)
    i = min(range(len(incidents)), key=lambda k: abs(incidents[k].requested - target))
    inc = incidents[i]
    inc.request_id = CONTROL_INCIDENT_ID
    inc.service_name, inc.service_code = "Other", "011"
    inc.agency = "Parks, Recreation & Facilities"
    inc.description = "Broken bench on the Congress Street steps of City Hall."
    inc.point = Point(city_hall.x, city_hall.y)
    inc.address = "389 Congress St, Portland, ME"
    inc.zipcode = "04101"
    inc.status, inc.status_notes = "closed", "Bench repaired by Facilities."
    inc.updated = inc.requested + dt.timedelta(days=3, hours=2)
