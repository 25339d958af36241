"""A small NENA v3 dataset built for the validation tests: clean, or with planted errors.

A 1 km square (EPSG:26919, near Portland) split into two towns at x = 500 m:
Westtown and Easttown. Main Street (y = 250) and Oak Street (y = 750) run
east, First Avenue (x = 250) and Second Avenue (x = 750) run north; every
road ends on another or on the provisioning boundary. Ranges go up 100 per
block, odd on the left (walking the line), even on the right; address points
sit 10 m off their street on the side of their parity.

:func:`planted_dataset` adds one or more errors of every rule and returns
the exact set of ``(rule, layer, fid)`` a correct validation reports.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, Polygon, box

CRS = "EPSG:26919"
X0, Y0 = 395_000.0, 4_830_000.0
AGENCY = "example911.me.us"
DATE = pd.Timestamp("2026-10-01T12:00:00Z")

Row = dict[str, Any]


def xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def square(x1: float, y1: float, x2: float, y2: float) -> Polygon:
    return box(*xy(x1, y1), *xy(x2, y2))


def common(indicator: str, fid: int) -> Row:
    return {
        "DiscrpAgID": AGENCY,
        "DateUpdate": DATE,
        "Effective": DATE,
        "Expire": pd.NaT,
        "NGUID": f"urn:emergency:uid:gis:{indicator}:{fid}:{AGENCY}",
    }


def frame(rows: list[Row], geometries: list[Any]) -> gpd.GeoDataFrame:
    index = pd.RangeIndex(1, len(rows) + 1, name="fid")
    return gpd.GeoDataFrame(pd.DataFrame(rows, index=index), geometry=geometries, crs=CRS)


def town(x: float) -> str:
    return "Westtown" if x < 500 else "Easttown"


# ---------------------------------------------------------------- polygons


def service(indicator: str, urn: str, parts: list[tuple[str, Polygon]]) -> gpd.GeoDataFrame:
    rows = []
    for fid, (name, _) in enumerate(parts, start=1):
        agency = f"{name.lower().replace(' ', '')}.{AGENCY}"
        rows.append(
            {
                **common(indicator, fid),
                "Agency_ID": agency,
                "ServiceURI": f"sip:sos@{agency}",
                "ServiceURN": urn,
                "ServiceNum": "911",
                "AVcard_URI": f"https://{agency}/vcard.vcf",
                "DsplayName": name,
            }
        )
    return frame(rows, [geom for _, geom in parts])


def admin(level: int, parts: list[tuple[str, Polygon]]) -> gpd.GeoDataFrame:
    names = {1: "ME", 2: "Cumberland"}
    rows = []
    for fid, (name, _) in enumerate(parts, start=1):
        row = {**common(f"A{level}", fid), "Country": "US", "A1": "ME"}
        if level >= 2:
            row["A2"] = names[2]
        if level >= 3:
            row["A3"] = name if level == 3 else "Westtown"
        if level == 5:
            row["A5"] = name
        rows.append(row)
    return frame(rows, [geom for _, geom in parts])


WHOLE = square(0, 0, 1000, 1000)
WEST, EAST = square(0, 0, 500, 1000), square(500, 0, 1000, 1000)


# ---------------------------------------------------------------- roads


def road_row(fid: int, name: str, kind: str, low: int, towns: tuple[str, str], **extra: Any) -> Row:
    """A block whose left side holds odd ``low+1``-``low+99`` and right even ``low``-``low+98``."""
    left, right = towns
    return {
        **common("RCL", fid),
        "FromAddr_L": low + 1,
        "ToAddr_L": low + 99,
        "FromAddr_R": low,
        "ToAddr_R": low + 98,
        "Parity_L": "O",
        "Parity_R": "E",
        "St_Name": name,
        "St_PosTyp": kind,
        "Country_L": "US",
        "Country_R": "US",
        "A1_L": "ME",
        "A1_R": "ME",
        "A3_L": left,
        "A3_R": right,
        "RoadClass": "Local",
        "OneWay": "B",
        "SpeedLimit": 25,
        "QA_Except": None,
        **extra,
    }


def road_network() -> tuple[list[Row], list[LineString]]:
    """The grid: four blocks of each east-west street, three of each north-south one."""
    rows: list[Row] = []
    lines: list[LineString] = []
    for name, y in (("Main", 250), ("Oak", 750)):
        for block, (x1, x2) in enumerate(((0, 250), (250, 500), (500, 750), (750, 1000))):
            t = town(x1)
            rows.append(road_row(len(rows) + 1, name, "Street", 100 * block, (t, t)))
            lines.append(LineString([xy(x1, y), xy(x2, y)]))
    for name, x in (("First", 250), ("Second", 750)):
        for block, (y1, y2) in enumerate(((0, 250), (250, 750), (750, 1000))):
            t = town(x)
            rows.append(road_row(len(rows) + 1, name, "Avenue", 100 * block, (t, t)))
            lines.append(LineString([xy(x, y1), xy(x, y2)]))
    return rows, lines


def no_range(row: Row) -> Row:
    return {
        **row,
        "FromAddr_L": 0,
        "ToAddr_L": 0,
        "FromAddr_R": 0,
        "ToAddr_R": 0,
        "Parity_L": "Z",
        "Parity_R": "Z",
    }


# ---------------------------------------------------------------- addresses


def address_row(fid: int, number: int, street: str, kind: str, x: float, **extra: Any) -> Row:
    return {
        **common("SSAP", fid),
        "Country": "US",
        "A1": "ME",
        "A2": "Cumberland",
        "A3": town(x),
        "Add_Number": number,
        "St_Name": street,
        "St_PosTyp": kind,
        "Unit": None,
        "Place_Type": "residence",
        "Placement": "Structure",
        "QA_Except": None,
        **extra,
    }


#: (number, street, type, x, y): each 10 m off its street on the side of its parity.
ADDRESSES = [
    (11, "Main", "Street", 100, 260),
    (12, "Main", "Street", 100, 240),
    (121, "Main", "Street", 380, 260),
    (122, "Main", "Street", 380, 240),
    (221, "Main", "Street", 620, 260),
    (224, "Main", "Street", 620, 240),
    (331, "Main", "Street", 880, 260),
    (41, "First", "Avenue", 240, 100),
    (150, "First", "Avenue", 260, 400),
    (251, "Second", "Avenue", 740, 900),
    (15, "Oak", "Street", 60, 760),
]


def addresses() -> tuple[list[Row], list[Point | None]]:
    rows, points = [], []
    for number, street, kind, x, y in ADDRESSES:
        rows.append(address_row(len(rows) + 1, number, street, kind, x))
        points.append(Point(xy(x, y)))
    return rows, points


# ---------------------------------------------------------------- datasets


def clean_dataset() -> dict[str, gpd.GeoDataFrame]:
    """A dataset every rule passes: the layers under county-style names."""
    road_rows, lines = road_network()
    address_rows, points = addresses()
    return {
        "road_centerlines": frame(road_rows, lines),
        "address_points": frame(address_rows, points),
        "psap": service("Psap", "urn:emergency:service:sos.psap", [("Example PSAP", WHOLE)]),
        "police": service(
            "Pol",
            "urn:emergency:service:responder.police",
            [("West Police", WEST), ("East Police", EAST)],
        ),
        "fire": service(
            "Fire",
            "urn:emergency:service:responder.fire",
            [("West Fire", WEST), ("East Fire", EAST)],
        ),
        "ems": service("Ems", "urn:emergency:service:responder.ems", [("Example EMS", WHOLE)]),
        "provisioning": frame([common("Provisioning", 1)], [WHOLE]),
        "A1Polygon": admin(1, [("ME", WHOLE)]),
        "counties": admin(2, [("Cumberland", WHOLE)]),
        "municipalities": admin(3, [("Westtown", WEST), ("Easttown", EAST)]),
        "neighbourhoods": admin(
            5, [("Old Port", square(0, 0, 250, 500)), ("Riverside", square(0, 500, 250, 1000))]
        ),
    }


def bowtie(x1: float, y1: float, x2: float, y2: float) -> Polygon:
    return Polygon([xy(x1, y1), xy(x2, y2), xy(x2, y1), xy(x1, y2)])


def planted_dataset() -> tuple[dict[str, gpd.GeoDataFrame], set[tuple[str, str, Any]]]:
    """The clean dataset with errors planted, and the ``(rule, layer, fid)`` set expected."""
    data = clean_dataset()
    expected: set[tuple[str, str, Any]] = set()
    _plant_layers(data, expected)
    _plant_roads(data, expected)
    _plant_addresses(data, expected)
    _plant_polygons(data, expected)
    return data, expected


def _plant_layers(data: dict[str, gpd.GeoDataFrame], expected: set) -> None:
    del data["ems"]
    expected.add(("schema.missing_layer", "EmsPolygon", None))
    data["police"] = data["police"].drop(columns="AVcard_URI")
    expected.add(("schema.missing_field", "police", None))


def _plant_roads(data: dict[str, gpd.GeoDataFrame], expected: set) -> None:
    roads = data["road_centerlines"]
    rows = roads.drop(columns="geometry").to_dict("records")
    lines = list(roads.geometry)
    # Oak Street's last block claims 251-399 on the left: overlaps 201-299 of the block before.
    rows[7].update(FromAddr_L=251, ToAddr_L=399)
    expected.add(("road.range_overlap", "road_centerlines", 8))
    # First Avenue's last block has its odd numbers on the right: a parity switch.
    rows[10].update(
        Parity_L="E", Parity_R="O", FromAddr_L=200, ToAddr_L=298, FromAddr_R=201, ToAddr_R=299
    )
    expected.add(("road.range_overlap", "road_centerlines", 11))
    # A text DateUpdate that is no date.
    dates = [d.isoformat() for d in roads["DateUpdate"]]
    dates[2] = "last tuesday"
    for row, date in zip(rows, dates, strict=True):
        row["DateUpdate"] = date
    expected.add(("domain.value", "road_centerlines", 3))
    rows[3]["OneWay"] = "Both"
    expected.add(("domain.value", "road_centerlines", 4))
    # Second Avenue's middle block loops across itself at y = 550.
    loop = [(750, 250), (750, 600), (780, 550), (720, 550), (750, 750)]
    lines[12] = LineString([xy(*c) for c in loop])
    expected.add(("geometry.invalid", "road_centerlines", 13))
    # Block 6 reuses block 5's NGUID.
    rows[5]["NGUID"] = rows[4]["NGUID"]
    expected.add(("nguid.duplicate", "road_centerlines", 6))
    extra = [
        # A spur off Main Street's interior whose far end meets nothing.
        (no_range(road_row(15, "Spur", "Lane", 0, ("Easttown",) * 2)), [(600, 250), (600, 400)]),
        # A checked dead end: flagged, so not reported.
        (
            no_range(road_row(16, "Cul", "Court", 0, ("Westtown",) * 2, QA_Except="road.dangle")),
            [(400, 250), (400, 350)],
        ),
        # A road leaving the area (its far end flagged as a known dead end).
        (
            no_range(
                road_row(
                    17,
                    "Harbor",
                    "Road",
                    0,
                    ("Easttown",) * 2,
                    QA_Except="road.dangle, road.range_overlap",
                )
            ),
            [(1000, 500), (1100, 500)],
        ),
    ]
    for row, coords in extra:
        rows.append(row)
        lines.append(LineString([xy(*c) for c in coords]))
    expected.add(("road.dangle", "road_centerlines", 15))
    expected.add(("road.outside_provisioning", "road_centerlines", 17))
    data["road_centerlines"] = frame(rows, lines)


def _plant_addresses(data: dict[str, gpd.GeoDataFrame], expected: set) -> None:
    points = data["address_points"]
    rows = points.drop(columns="geometry").to_dict("records")
    geoms: list[Any] = list(points.geometry)
    rows[0]["DiscrpAgID"] = None
    expected.add(("value.required_null", "address_points", 1))
    rows[1]["Place_Type"] = "house"
    expected.add(("domain.value", "address_points", 2))
    rows[2]["NGUID"] = f"urn:emergency:uid:gis:RCL:99:{AGENCY}"
    expected.add(("nguid.format", "address_points", 3))

    def add(number: int, street: str, x: float, y: float | None, **extra: Any) -> int:
        fid = len(rows) + 1
        rows.append(address_row(fid, number, street, "Street", x, **extra))
        geoms.append(None if y is None else Point(xy(x, y)))
        return fid

    fid = add(150, "Main", 375, 260)  # even number on the odd side
    expected.add(("address.range_mismatch", "address_points", fid))
    add(20, "Main", 120, 262, QA_Except="address.range_mismatch")  # flagged: not reported
    fid = add(145, "Main", 450, 260, A3="Easttown")  # lies in Westtown
    expected.add(("address.municipality_mismatch", "address_points", fid))
    fid = add(10, "Elm", 300, 600)  # no Elm Street anywhere
    expected.add(("address.no_matching_road", "address_points", fid))
    fid = add(399, "Main", 1050, 260)  # past the end of Main Street, outside the area
    expected.add(("address.outside_provisioning", "address_points", fid))
    fid = add(221, "Main", 625, 262)  # 221 Main Street again
    expected.add(("address.duplicate", "address_points", fid))
    fid = add(233, "Main", 630, None)  # no geometry
    expected.add(("geometry.invalid", "address_points", fid))
    data["address_points"] = frame(rows, geoms)


def _plant_polygons(data: dict[str, gpd.GeoDataFrame], expected: set) -> None:
    fire = data["fire"]
    fire.loc[1, "geometry"] = square(0, 0, 510, 1000)  # 10 m into East Fire
    expected.add(("polygon.overlap", "fire", 2))
    fire.loc[1, "NGUID"] = f"Fire1@{AGENCY}"  # a v2 NGUID
    expected.add(("nguid.format", "fire", 1))
    police = data["police"]
    police.loc[2, "geometry"] = square(520, 0, 1000, 1000)  # a 20 m strip nobody polices
    expected.add(("polygon.gap", "police", None))
    hoods = data["neighbourhoods"]
    hoods.loc[2, "geometry"] = bowtie(0, 500, 250, 1000)
    expected.add(("geometry.invalid", "neighbourhoods", 2))


def found(result: Any) -> set[tuple[str, str, Any]]:
    """The ``(rule, layer, fid)`` set of a validation result."""
    return {(f.rule, f.layer, f.fid) for f in result.findings}


def write_gpkg(data: dict[str, gpd.GeoDataFrame], path: Any) -> None:
    """Each layer into one GeoPackage (fids follow the 1..n index)."""
    import pyogrio

    for name, layer in data.items():
        pyogrio.write_dataframe(layer.reset_index(drop=True), path, layer=name, driver="GPKG")
