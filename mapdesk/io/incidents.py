"""Importing FixIt reports: Open311 GeoReport v2, SeeClickFix and the city's CRM CSV.

``import_incidents(path)`` recognises the source by its content and returns
the reports as a point layer in EPSG:4326 with Open311 field names, plus a
report of every record it could not take and why (``incident_records``).
IDs stay text, the public's text is kept verbatim, personal data (reporters'
names, phones, e-mails) is dropped unless the user keeps it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from mapdesk.core.errors import DataSourceError, UnsupportedFormatError
from mapdesk.io.incident_records import (
    CITY_TIME_ZONE,
    IncidentImport,
    Record,
    incident_layer,
)

#: The CRM export's local times: "01/07/2020 - 08:26AM".
_CRM_TIME = "%m/%d/%Y - %I:%M%p"
#: SeeClickFix's first API: "06/22/2011 at 06:55PM" (local, no zone).
_SCF_OLD_TIME = "%m/%d/%Y at %I:%M%p"
#: The CRM CSV's columns and the Open311 names they get.
_CRM_COLUMNS = {
    "Id": "service_request_id",
    "Report Source": "report_source",
    "Category": "service_name",
    "Created at local": "requested_datetime",
    "Closed at local": "closed_datetime",
    "Status": "status",
    "Address": "address",
    "Description": "description",
    "URL": "url",
    "Lat": "lat",
    "Lng": "long",
}
#: SeeClickFix issue fields and their Open311 names.
_SCF_FIELDS = {
    "id": "service_request_id",
    "status": "status",
    "description": "description",
    "address": "address",
    "lat": "lat",
    "lng": "long",
    "created_at": "requested_datetime",
    "updated_at": "updated_datetime",
    "closed_at": "closed_datetime",
    "acknowledged_at": "acknowledged_datetime",
    "html_url": "url",
    "bitly": "url",
}


def import_incidents(
    path: str | Path, keep_personal: bool = False, time_zone: str = CITY_TIME_ZONE
) -> IncidentImport:
    """Read FixIt reports from a GeoReport v2 (.json/.xml), SeeClickFix (.json) or CRM (.csv) file.

    Parameters
    ----------
    path
        The file.
    keep_personal
        Keep reporters' names, phones and e-mails (the layer is then sensitive).
    time_zone
        Where local times without an offset were written (the city's).

    Raises
    ------
    DataSourceError
        The file cannot be read, or holds no FixIt reports (the message says
        what it holds instead).
    """
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise DataSourceError(f"{source}: cannot be read ({exc.strerror or exc})") from exc
    suffix = source.suffix.lower()
    if suffix == ".csv":
        return _crm_csv(source, data, keep_personal, time_zone)
    if suffix == ".xml" or data.lstrip()[:1] == b"<":
        return _georeport(source, data, "xml", keep_personal)
    return _json(source, data, keep_personal, time_zone)


# --- Open311 GeoReport v2 -------------------------------------------------------------
def import_from_endpoint(
    endpoint: str,
    start: datetime,
    end: datetime,
    keep_personal: bool = False,
    progress: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> IncidentImport:
    """FixIt reports requested between ``start`` and ``end`` from a GeoReport v2 endpoint.

    The endpoint is paged by windows of at most 90 days, each split again
    when it hits the server's cap of 1,000 (``open311_fetch``); what the
    fetch had to say (retries, duplicates merged, a cancel) joins the report.

    Raises
    ------
    WebServiceError
        The service refused or could not be reached (the address is named,
        any key in it hidden).
    """
    from mapdesk.io.open311_fetch import fetch_service_requests, redact_url

    fetched = fetch_service_requests(endpoint, start, end, progress=progress, cancelled=cancelled)
    notes = [
        f"{fetched.windows} date windows fetched, {fetched.retries} retries",
        *fetched.notes,
    ]
    if fetched.duplicates:
        notes.append(f"{fetched.duplicates} copies of the same report across windows merged")
    return incident_layer(fetched.records, redact_url(endpoint), iso_date, keep_personal, notes)


def _georeport(source: Path, data: bytes, fmt: Any, keep_personal: bool) -> IncidentImport:
    from mapdesk.io.georeport import decode_service_requests

    records = decode_service_requests(data, fmt, str(source))
    return incident_layer(records, str(source), iso_date, keep_personal)


def iso_date(text: str) -> pd.Timestamp:
    """An ISO 8601 date-time; one without an offset is read in the city's zone."""
    if not any(c.isdigit() for c in text):  # pandas would read "now" and "today"
        raise ValueError(f"'{text}' is not a date")
    stamp = pd.Timestamp(pd.to_datetime(text.strip(), format="ISO8601"))
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(CITY_TIME_ZONE, ambiguous=True, nonexistent="shift_forward")
    return stamp.tz_convert("UTC")


# --- JSON: GeoReport or SeeClickFix ---------------------------------------------------------
def _json(source: Path, data: bytes, keep_personal: bool, time_zone: str) -> IncidentImport:
    if b'"service_request_id"' in data:
        # GeoReport's decoder also takes the spec's own bare 006-style codes.
        return _georeport(source, data, "json", keep_personal)
    try:
        # Numbers as their text: ids and codes are strings ("006"), and a
        # coordinate keeps every digit it was given.
        document = json.loads(data.decode("utf-8-sig"), parse_int=str, parse_float=str)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataSourceError(f"{source}: not readable JSON ({exc})") from exc
    items = document.get("issues") if isinstance(document, dict) else document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UnsupportedFormatError(
            f"{source}: holds no FixIt reports (expected a list of reports, or SeeClickFix's "
            '{"issues": [...]})'
        )
    located = [i for i in items if "lat" in i and ("lng" in i or "long" in i)]
    if items and not located:
        keys = ", ".join(sorted(items[0])[:8])
        raise UnsupportedFormatError(
            f"{source}: holds no FixIt reports: its {len(items)} records have no location "
            f"(keys: {keys}; SeeClickFix comments or request types, perhaps)"
        )
    records = [_seeclickfix_record(item) for item in items]
    read_date = _date_reader(_SCF_OLD_TIME, time_zone)
    note = f"times without a zone were read as {time_zone}"
    return incident_layer(records, str(source), read_date, keep_personal, [note])


def _seeclickfix_record(item: dict[str, Any]) -> Record:
    """A SeeClickFix issue (API v2, or the first API) with Open311 names."""
    record: Record = {}
    for name, value in item.items():
        target = _SCF_FIELDS.get(name)
        if target is not None and record.get(target) is None:
            record[target] = value
        elif name == "request_type" and isinstance(value, dict):
            record["service_name"] = value.get("title")
            record["service_code"] = value.get("id")
        elif name == "reporter" and isinstance(value, dict):
            record.update(_reporter(value))
        elif name == "reporter_display":
            record["reporter_name"] = value
        elif name == "media" and isinstance(value, dict):
            record["media_url"] = value.get("image_full") or value.get("representative_image_url")
        elif not isinstance(value, (dict, list)):
            record.setdefault(_field_name(name), value)
    if record.get("service_name") is None:
        record["service_name"] = item.get("summary")
    return record


def _reporter(reporter: dict[str, Any]) -> Record:
    return {
        f"reporter_{_field_name(key)}": value
        for key, value in reporter.items()
        if key in ("name", "email", "phone", "civic_points", "id")
    }


# --- the city's CRM CSV export --------------------------------------------------------------
def _crm_csv(source: Path, data: bytes, keep_personal: bool, time_zone: str) -> IncidentImport:
    try:
        text = data.decode("utf-8-sig")  # the export starts with a BOM
    except UnicodeDecodeError:  # older exports from Excel (without their BOM, if any)
        text = data.removeprefix(b"\xef\xbb\xbf").decode("cp1252")
    # A field can be as long as the file (the csv module stops at 128 KB).
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    # newline='': quoted descriptions keep their own line breaks (\r\n included).
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if not rows or not {"Id", "Lat", "Lng"} <= set(rows[0]):
        raise UnsupportedFormatError(
            f"{source}: not a FixIt CRM export (expected the columns Id, Category, "
            "Created at local, Status, Lat, Lng ...)"
        )
    records = [
        {_CRM_COLUMNS.get(name, _field_name(name)): value for name, value in row.items() if name}
        for row in rows
    ]
    read_date = _date_reader(_CRM_TIME, time_zone)
    note = f"local times were read as {time_zone}"
    return incident_layer(records, str(source), read_date, keep_personal, [note])


def _date_reader(local_format: str, time_zone: str) -> Callable[[str], pd.Timestamp]:
    """Reads a source's local times (``local_format``) in ``time_zone``, or ISO 8601."""

    def read(text: str) -> pd.Timestamp:
        try:
            naive = datetime.strptime(text.strip(), local_format)
        except ValueError:
            return iso_date(text)
        stamp = pd.Timestamp(naive).tz_localize(
            time_zone, ambiguous=True, nonexistent="shift_forward"
        )
        return stamp.tz_convert("UTC")

    return read


def _field_name(name: str) -> str:
    """A source's column name as a field name: "Export tagged places" -> export_tagged_places."""
    return re.sub(r"\W+", "_", name.strip()).strip("_").lower() or "field"
