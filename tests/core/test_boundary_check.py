"""Boundary QA on hand-built polygons whose gaps, overlaps and misrouting are known.

Squares in NAD83 / Maine West metres near Portland; areas are ground square
metres, which differ from the grid's by the projection's scale (under
1/10,000 here), hence the relative tolerance.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

from mapdesk.core.analysis.boundaries import BoundaryInputs, PsapAssignment, boundary_check
from mapdesk.core.analysis.boundaries.report import (
    boundary_report,
    candidates_frame,
    findings_frame,
)
from mapdesk.core.analysis.service_areas import service_areas
from mapdesk.core.errors import MapdeskError

CRS_M = CRS.from_epsg(26984)
X0, Y0 = 880_000.0, 90_000.0
REL = 2e-4


def box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def layer(name_field: str, names: list[str], shapes: list[shapely.Geometry], title: str) -> object:
    frame = gpd.GeoDataFrame(
        {name_field: names}, geometry=shapes, crs=CRS_M, index=list(range(1, len(names) + 1))
    )
    return service_areas(frame, title, CRS_M)


def psaps(*shapes: shapely.Geometry) -> object:
    return layer("DsplayName", [f"PSAP {i + 1}" for i in range(len(shapes))], list(shapes), "psap")


def check(services: dict[str, object], **more: object) -> object:
    return boundary_check(BoundaryInputs(CRS_M, services, **more))  # type: ignore[arg-type]


def test_two_squares_overlapping_by_a_known_area() -> None:
    found = check({"psap": psaps(box(0, 0, 100, 100), box(90, 0, 190, 100))})
    (overlap,) = found.findings.found
    assert overlap.kind == "overlap"
    assert overlap.area_m2 == pytest.approx(10 * 100, rel=REL)
    assert overlap.polygons == ("PSAP 1 (fid 1)", "PSAP 2 (fid 2)")
    assert shapely.equals(overlap.geometry, box(90, 0, 100, 100))
    assert "PSAP 1 (fid 1) and PSAP 2 (fid 2) overlap by 1,000 m²" in overlap.message
    assert not found.clean


def test_a_gap_of_known_area_enclosed_by_four_polygons() -> None:
    frame = (
        box(0, 0, 300, 100),
        box(0, 200, 300, 300),
        box(0, 100, 100, 200),
        box(250, 100, 300, 200),
    )
    found = check({"fire": psaps(*frame)})
    (gap,) = found.findings.found
    assert gap.kind == "gap" and gap.area_m2 == pytest.approx(150 * 100, rel=REL)
    assert shapely.equals(gap.geometry, box(100, 100, 250, 200))
    assert len(gap.polygons) == 4


def test_an_island_inside_a_gap_is_not_part_of_it() -> None:
    ring = box(0, 0, 300, 300).difference(box(100, 100, 200, 200))
    island = box(140, 140, 160, 160)
    found = check({"psap": psaps(ring, island)})
    (gap,) = found.findings.found
    assert gap.area_m2 == pytest.approx(100 * 100 - 20 * 20, rel=REL)


def test_slivers_under_the_tolerance_are_counted_not_listed() -> None:
    shapes = (box(0, 0, 100, 100), box(99.5, 0, 200, 10))  # a 0.5 m x 10 m overlap: 5 m²
    found = check({"psap": psaps(*shapes)})
    assert found.findings.found == [] and found.clean
    assert found.findings.slivers["overlap"] == 1
    stricter = check({"psap": psaps(*shapes)}, sliver_m2=1.0)
    assert [f.kind for f in stricter.findings.found] == ["overlap"]
    assert stricter.findings.found[0].area_m2 == pytest.approx(5.0, rel=REL)


def test_a_psap_must_cover_the_municipalities_it_serves() -> None:
    munis = layer("A3", ["Alpha", "Beta"], [box(0, 0, 100, 100), box(100, 0, 200, 100)], "munis")
    notch = box(0, 0, 200, 100).difference(box(180, 90, 200, 100))  # 20 x 10 missing
    over = shapely.union(notch, box(200, 0, 230, 100))  # 30 x 100 into the sea
    found = check({"psap": psaps(over)}, municipalities=munis)
    kinds = {f.kind: f for f in found.findings.found}
    assert set(kinds) == {"uncovered", "overshoot"}
    assert kinds["uncovered"].area_m2 == pytest.approx(200, rel=REL)
    assert kinds["uncovered"].polygons == ("Beta (fid 2)",)
    assert kinds["overshoot"].area_m2 == pytest.approx(3000, rel=REL)
    assert "outside every municipality" in kinds["overshoot"].message


def test_a_hole_inside_a_municipality_is_one_gap_not_also_uncovered() -> None:
    munis = layer("A3", ["Alpha"], [box(0, 0, 300, 300)], "munis")
    ring = box(0, 0, 300, 300).difference(box(100, 100, 200, 200))
    found = check({"psap": psaps(ring)}, municipalities=munis)
    assert [(f.kind, round(f.area_m2, -1)) for f in found.findings.found] == [("gap", 10_000)]


def test_a_municipality_the_layer_barely_touches_is_not_served() -> None:
    munis = layer("A3", ["Alpha", "Neighbour"], [box(0, 0, 100, 100), box(100, 0, 200, 100)], "m")
    found = check({"police": psaps(box(0, 0, 110, 100))}, municipalities=munis)
    (overshoot,) = found.findings.found
    assert overshoot.kind == "overshoot"
    assert overshoot.area_m2 == pytest.approx(1000, rel=REL)
    assert "into Neighbour (fid 2)" in overshoot.message


def split_case(**more: object) -> object:
    """Alpha (x 0-100) and Beta (100-200); PSAP 1 reaches 20 m into Beta."""
    munis = layer("A3", ["Alpha", "Beta"], [box(0, 0, 100, 100), box(100, 0, 200, 100)], "munis")
    services = {"psap": psaps(box(0, 0, 120, 100), box(120, 0, 200, 100))}
    addresses = gpd.GeoDataFrame(
        {"Add_Number": [1, 2, 3, 4], "St_Name": ["Main"] * 4, "St_PosTyp": ["St"] * 4},
        geometry=gpd.points_from_xy(
            [X0 + 50, X0 + 110, X0 + 150, X0 + 500], [Y0 + 50, Y0 + 50, Y0 + 50, Y0 + 50]
        ),
        crs="EPSG:26984",
        index=[11, 12, 13, 14],
    ).to_crs(4326)  # another CRS than the polygons
    return check(services, municipalities=munis, addresses=("addresses", addresses), **more)


def test_misrouting_from_the_majority_psap() -> None:
    found = split_case()
    assert [(e.municipality_row, e.psap_row, e.source) for e in found.expected] == [
        (0, 0, "majority"),
        (1, 1, "majority"),
    ]
    assert found.expected[1].share == pytest.approx(0.8)
    (split,) = found.findings.found
    assert split.kind == "municipality_split" and split.area_m2 == pytest.approx(2000, rel=REL)
    assert split.polygons == ("Beta (fid 2)", "PSAP 1 (fid 1)", "PSAP 2 (fid 2)")
    (candidate,) = found.candidates
    assert (candidate.fid, candidate.address, candidate.municipality) == (12, "2 Main St", "Beta")
    assert (candidate.psap_found, candidate.psap_expected) == ("PSAP 1", "PSAP 2")
    assert found.unchecked_addresses == 1  # fid 14 is in no municipality


def test_misrouting_from_a_users_table() -> None:
    table = [PsapAssignment(2, "beta", "PSAP 1")]
    found = split_case(expected_table=table)
    assert found.expected[1].source == "table"
    assert [f.area_m2 for f in found.findings.found] == [pytest.approx(8000, rel=REL)]
    assert [c.fid for c in found.candidates] == [13]


def test_a_table_naming_an_unknown_psap_says_which_line() -> None:
    table = [PsapAssignment(3, "Beta", "PSAP 9")]
    with pytest.raises(MapdeskError, match=r"psap.csv line 3: 'PSAP 9' is not a polygon of psap"):
        split_case(expected_table=table, table_name="psap.csv")


def test_an_address_in_two_overlapping_psaps_is_a_candidate() -> None:
    munis = layer("A3", ["Alpha"], [box(0, 0, 100, 100)], "munis")
    services = {"psap": psaps(box(0, 0, 100, 100), box(60, 0, 100, 100))}
    addresses = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([X0 + 10, X0 + 80], [Y0 + 10, Y0 + 10]), crs=CRS_M
    )
    found = check(services, municipalities=munis, addresses=("a", addresses))
    (candidate,) = found.candidates
    assert candidate.psap_found == "PSAP 1; PSAP 2"


def test_the_report_and_layers_locate_each_finding() -> None:
    found = split_case()
    report = boundary_report(found)
    assert report["counts"] == {
        "overlap": 0,
        "gap": 0,
        "uncovered": 0,
        "overshoot": 0,
        "municipality_split": 1,
        "misrouting": 1,
    }
    finding = report["findings"][0]
    lon, lat = finding["x"], finding["y"]
    assert -70.5 < lon < -70.0 and 43.4 < lat < 43.9
    assert report["misrouting"][0]["fid"] == 12
    assert report["expected_psaps"][1] == {
        "municipality": "Beta",
        "fid": 2,
        "psap": "PSAP 2",
        "source": "majority",
        "share_pct": 80.0,
    }
    assert findings_frame(found)["kind"].tolist() == ["municipality_split"]
    assert candidates_frame(found)["psap_expected"].tolist() == ["PSAP 2"]


def test_invalid_polygons_are_repaired_and_noted() -> None:
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    found = check({"psap": psaps(bowtie)})
    assert found.clean
    assert any("invalid polygons repaired" in note for note in found.notes)
