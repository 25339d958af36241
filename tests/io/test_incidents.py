"""FixIt imports: the CRM's CSV export, SeeClickFix JSON; every record accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mapdesk.core.errors import DataSourceError, UnsupportedFormatError
from mapdesk.io.incidents import import_incidents
from tests.conftest import corpus_path

CRM_HEADER = (
    "Id,Report Source,Category,Created at local,Closed at local,Status,Address,Description,"
    "URL,Lat,Lng,Export tagged places\r\n"
)
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "html": '<img src=x onerror="alert(2)"> <b>bold</b>',
    "control": "bell\x07 tab\t nul-free \x1b[31m",
    "template": "${alert(3)} `x` {{ 7*7 }}",
}


def crm_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "scf.csv"
    path.write_bytes(("\ufeff" + CRM_HEADER + "".join(rows)).encode("utf-8"))
    return path


def row(
    record_id: str,
    created: str = "01/07/2020 - 08:26AM",
    lat: str = "43.64774",
    lng: str = "-70.2694545",
    description: str = "Petroleum smell",
) -> str:
    quoted = '"' + description.replace('"', '""') + '"'
    return (
        f"{record_id},iPhone,Odor,{created},,Open,315 Spring Street,{quoted},"
        f"https://crm.seeclickfix.com/#/organizations/611/issues/{record_id},{lat},{lng},"
        "City Council District 2\r\n"
    )


def test_the_crm_export_keeps_ids_as_text_and_reads_local_times(tmp_path: Path) -> None:
    source = crm_csv(tmp_path, [row("007181157"), row("7181402", "11/03/2024 - 01:30AM")])
    found = import_incidents(source)
    frame = found.frame
    assert list(frame["service_request_id"]) == ["007181157", "7181402"]
    assert frame["requested_datetime"].dt.tz is not None
    first = frame["requested_datetime"].iloc[0]
    assert first == pd.Timestamp("2020-01-07 13:26", tz="UTC")  # 08:26 EST
    assert str(first.tz) == "America/New_York"
    # The hour the clocks go back happens twice: read as the first (EDT).
    assert frame["requested_datetime"].iloc[1] == pd.Timestamp("2024-11-03 05:30", tz="UTC")
    assert frame.crs.to_epsg() == 4326
    assert found.report.notes == ("local times were read as America/New_York",)


def test_every_rejected_record_says_why(tmp_path: Path) -> None:
    rows = [
        row("1"),
        row("", description="no id"),
        row("3", lat="", lng=""),
        row("4", lat="0", lng="0"),
        row("5", lat="143.6", lng="-70.2"),
        row("6", lat="north", lng="-70.2"),
        row("7", created="31/31/2020 - 25:00PM"),
        row("1", description="the same report again"),
    ]
    found = import_incidents(crm_csv(tmp_path, rows))
    report = found.report
    assert (report.read, report.imported) == (8, 1)
    assert [str(r) for r in report.rejected] == [
        "record 2: it has no id",
        "record 3 (id 3): it has no coordinates",
        "record 4 (id 4): its coordinates are 0, 0 (a missing location written as zeros)",
        "record 5 (id 5): its coordinates 143.6, -70.2 are not a place on Earth",
        "record 6 (id 6): its coordinates 'north, -70.2' are not numbers",
        "record 7 (id 7): its requested_datetime '31/31/2020 - 25:00PM' is not a date",
    ]
    assert report.merged == (
        "id 1 appears more than once: kept the later one (neither says when it was updated)",
    )
    assert list(found.frame["description"]) == ["the same report again"]  # the later one


def test_hostile_and_huge_text_is_kept_verbatim(tmp_path: Path) -> None:
    huge = "x" * 10_000_000
    texts = [*HOSTILE.values(), huge, 'two\r\nlines, "quoted"']
    rows = [row(str(n), description=text) for n, text in enumerate(texts, start=1)]
    found = import_incidents(crm_csv(tmp_path, rows))
    assert found.report.imported == len(texts)
    assert list(found.frame["description"]) == texts


def test_reporters_are_dropped_unless_kept(tmp_path: Path) -> None:
    issues = {
        "issues": [
            {
                "id": 9001,
                "status": "Acknowledged",
                "summary": "Pothole",
                "description": "Deep one",
                "lat": 43.6571,
                "lng": -70.2589,
                "address": "389 Congress St",
                "created_at": "2024-05-01T08:15:00-04:00",
                "updated_at": "2024-05-02T09:00:00-04:00",
                "request_type": {"id": 42, "title": "Pothole"},
                "reporter": {"id": 7, "name": "Jane Roe", "email": "jane@example.org"},
                "media": {"image_full": "https://example.org/p.jpg"},
                "html_url": "https://seeclickfix.com/issues/9001",
            }
        ],
        "metadata": {"pagination": {"page": 1}},
    }
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(issues), encoding="utf-8")
    plain = import_incidents(path)
    record = plain.frame.iloc[0]
    assert record["service_request_id"] == "9001" and record["service_name"] == "Pothole"
    assert record["service_code"] == "42" and record["media_url"] == "https://example.org/p.jpg"
    assert record["requested_datetime"] == pd.Timestamp("2024-05-01 12:15", tz="UTC")
    assert not any("reporter" in name for name in plain.frame.columns)
    assert plain.report.personal_fields == ("reporter_id", "reporter_name", "reporter_email")
    assert not plain.report.personal_kept and not plain.sensitive
    kept = import_incidents(path, keep_personal=True)
    assert kept.frame.iloc[0]["reporter_email"] == "jane@example.org"
    assert kept.sensitive


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not readable JSON"),
        (b'{"metadata": {}}', "holds no FixIt reports"),
        (b'[{"comment": "hi", "issue_id": 3}]', "its 1 records have no location"),
    ],
)
def test_files_that_hold_no_reports_say_what_they_hold(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(content)
    with pytest.raises(DataSourceError, match=message) as raised:
        import_incidents(path)
    assert "odd.json" in str(raised.value)


def test_a_csv_that_is_not_the_crm_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError, match="not a FixIt CRM export"):
        import_incidents(path)


# --- the shared corpus: real exports ------------------------------------------------------


@pytest.mark.corpus
def test_the_real_portland_export_imports_whole() -> None:
    """295 Odor reports from the city's SeeClickFix CRM (BOM, multi-line text, local times)."""
    found = import_incidents(corpus_path() / "portland_me" / "ds5110_stinky" / "scf.csv")
    frame = found.frame
    assert (found.report.read, found.report.imported, found.report.rejected) == (295, 295, ())
    west, south, east, north = frame.total_bounds
    assert west > -70.35 and east < -70.15 and south > 43.55 and north < 43.75  # Portland
    assert str(frame["requested_datetime"].dt.tz) == "America/New_York"
    assert frame["requested_datetime"].notna().all()
    record = frame.set_index("service_request_id").loc["7210906"]
    assert record["description"].startswith("India and Commercial. across from SoPo tanks.")
    assert "\r\nTime to get this litigated\r\n" in record["description"]
    first = frame.set_index("service_request_id").loc["7181157"]
    assert first["requested_datetime"] == pd.Timestamp("2020-01-07 13:26", tz="UTC")
    assert first["closed_datetime"] == pd.Timestamp("2020-01-07 14:20", tz="UTC")


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "imported", "personal"),
    [("issues_sf.json", 100, ()), ("issue_details_1050.json", 1, ("reporter_name",))],
)
def test_seeclickfix_fixtures_import(name: str, imported: int, personal: tuple[str, ...]) -> None:
    folder = corpus_path() / "substitutes" / "seeclickfix_rb_fixtures"
    found = import_incidents(folder / name)
    assert (found.report.imported, found.report.rejected) == (imported, ())
    assert found.report.personal_fields == personal
    assert found.frame["requested_datetime"].notna().all()


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["comments.json", "request_types.json"])
def test_seeclickfix_fixtures_without_issues_say_so(name: str) -> None:
    folder = corpus_path() / "substitutes" / "seeclickfix_rb_fixtures"
    with pytest.raises(UnsupportedFormatError, match="holds no FixIt reports") as raised:
        import_incidents(folder / name)
    assert name in str(raised.value)


# --- Open311 GeoReport v2 -----------------------------------------------------------------
GEOREPORT_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<service_requests>
<request><service_request_id>638344</service_request_id><status>closed</status>
<service_name>Sidewalk and Curb Issues</service_name><service_code>006</service_code>
<description>&lt;script&gt;alert(1)&lt;/script&gt; broken curb</description>
<requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
<address>8TH AVE and JUDAH ST</address><lat>43.6571</lat><long>-70.2589</long></request>
<request><service_request_id>638349</service_request_id><status>open</status>
<service_name>Potholes</service_name><service_code>001</service_code>
<requested_datetime>2010-04-19T06:37:38-08:00</requested_datetime><lat></lat><long></long>
</request>
</service_requests>"""
GEOREPORT_JSON = b"""[
 {"service_request_id": 638344, "status": "closed", "service_name": "Sidewalk and Curb Issues",
  "service_code": 006, "description": "<script>alert(1)</script> broken curb",
  "requested_datetime": "2010-04-14T06:37:38-08:00", "address": "8TH AVE and JUDAH ST",
  "lat": 43.6571, "long": -70.2589},
 {"service_request_id": 638349, "status": "open", "service_name": "Potholes",
  "service_code": "001", "requested_datetime": "2010-04-19T06:37:38-08:00"}
]"""


@pytest.mark.parametrize(
    ("name", "content"), [("r.xml", GEOREPORT_XML), ("r.json", GEOREPORT_JSON)]
)
def test_georeport_files_import_alike(tmp_path: Path, name: str, content: bytes) -> None:
    """The spec's own example writes the code 006 as a bare number: it stays '006'."""
    path = tmp_path / name
    path.write_bytes(content)
    found = import_incidents(path)
    record = found.frame.iloc[0]
    assert record["service_request_id"] == "638344" and record["service_code"] == "006"
    assert record["description"] == "<script>alert(1)</script> broken curb"
    assert record["requested_datetime"] == pd.Timestamp("2010-04-14 14:37:38", tz="UTC")
    assert [str(r) for r in found.report.rejected] == [
        "record 2 (id 638349): it has no coordinates"
    ]


def test_an_endpoint_is_paged_and_every_report_accounted_for(serve: object) -> None:
    from mapdesk.io.incidents import import_from_endpoint
    from tests.io.test_open311_fetch import DATASET, END, START

    server = serve()  # type: ignore[operator]
    found = import_from_endpoint(server.endpoint, START, END)
    report = found.report
    assert report.read == len(DATASET)
    assert report.imported + len(report.rejected) == len(DATASET)
    assert report.merged == ()  # copies across windows were merged by the fetch, and said
    assert any("date windows fetched" in note for note in report.notes)
    assert "api_key" not in report.source or "REDACTED" in report.source


def test_archived_and_later_fixes_from_the_review(tmp_path: Path) -> None:
    """A BOM with one cp1252 byte, 'now' as a date, and a reporter inside GeoReport extras."""
    rows = [row("1", description="caf\xe9"), row("2", created="now")]
    path = tmp_path / "mixed.csv"
    path.write_bytes(("\ufeff" + CRM_HEADER).encode("utf-8") + "".join(rows).encode("cp1252"))
    found = import_incidents(path)
    assert list(found.frame["description"]) == ["caf\xe9"]
    assert [str(r) for r in found.report.rejected] == [
        "record 2 (id 2): its requested_datetime 'now' is not a date"
    ]
    extras = tmp_path / "extras.json"
    extras.write_text(
        '[{"service_request_id": "9", "lat": 43.65, "long": -70.26,'
        ' "extended_attributes": {"reporter": {"name": "Jane Roe"}}}]',
        encoding="utf-8",
    )
    georeport = import_incidents(extras)
    assert georeport.report.personal_fields == ("extended_attributes",)
    assert "extended_attributes" not in georeport.frame.columns
