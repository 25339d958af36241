"""FixIt reports from any source, checked and made into one point layer.

Every importer (Open311 GeoReport v2, SeeClickFix, the city's CRM CSV)
turns its records into the same plain dicts keyed by Open311 names; this
module checks them (an id, a place on Earth, dates that parse), merges
duplicate ids, drops personal data unless asked to keep it, and says what it
did with every record. Text is kept as it came: it is the public's, and
nothing here interprets it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from mapdesk.core.personal_data import is_sensitive_field

#: The city's time zone: local times without an offset are read in it.
CITY_TIME_ZONE = "America/New_York"

#: Open311 GeoReport v2 names (and two SeeClickFix/CRM extras), in layer order.
COLUMNS = (
    "service_request_id",
    "status",
    "service_name",
    "service_code",
    "description",
    "status_notes",
    "agency_responsible",
    "address",
    "zipcode",
    "requested_datetime",
    "updated_datetime",
    "closed_datetime",
    "expected_datetime",
    "media_url",
    "url",
    "report_source",
)
DATE_COLUMNS = (
    "requested_datetime",
    "updated_datetime",
    "closed_datetime",
    "expected_datetime",
)

#: Turns one date text into a UTC timestamp; raises ValueError when it cannot.
DateReader = Callable[[str], pd.Timestamp]
Record = dict[str, Any]


@dataclass(frozen=True)
class Rejection:
    """A record that is not in the layer, and why."""

    position: int  # 1-based place in the source (row of a CSV, item of a list)
    record_id: str | None
    reason: str

    def __str__(self) -> str:
        which = f"record {self.position}" + (f" (id {self.record_id})" if self.record_id else "")
        return f"{which}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    """What an import did with every record of its source."""

    source: str
    read: int
    imported: int
    rejected: tuple[Rejection, ...] = ()
    merged: tuple[str, ...] = ()  # one line per duplicate id merged
    personal_fields: tuple[str, ...] = ()  # found in the source
    personal_kept: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``mapdesk incidents import --report``)."""
        return {
            "source": self.source,
            "read": self.read,
            "imported": self.imported,
            "rejected": [
                {"position": r.position, "id": r.record_id, "reason": r.reason}
                for r in self.rejected
            ],
            "duplicates_merged": list(self.merged),
            "personal_fields": list(self.personal_fields),
            "personal_kept": self.personal_kept,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class IncidentImport:
    """The reports as a point layer (EPSG:4326), and the import's report.

    ``sensitive`` is True when personal data was kept: the app marks the
    layer so that public exports leave it out.
    """

    frame: gpd.GeoDataFrame
    report: ImportReport

    @property
    def sensitive(self) -> bool:
        return self.report.personal_kept and bool(self.report.personal_fields)


@dataclass
class _Checked:
    rows: list[Record] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def incident_layer(
    records: Sequence[Record],
    source: str,
    read_date: DateReader,
    keep_personal: bool = False,
    notes: Iterable[str] = (),
) -> IncidentImport:
    """Check ``records`` (Open311-named dicts with ``lat``/``long``) and make the layer.

    Parameters
    ----------
    records
        One dict per report, in source order; extra keys become extra fields.
    source
        The file (or address) read, for the report.
    read_date
        How this source writes dates (ISO with an offset, a CRM's local text...).
    keep_personal
        Keep fields holding personal data (reporters' names, phones, e-mails).
    notes
        What the importer wants the report to say besides (e.g. skipped parts).
    """
    checked = _check(records, read_date)
    rows, merged = _merge_duplicates(checked.rows)
    personal = _personal_fields(rows)
    if not keep_personal:
        rows = [{k: v for k, v in row.items() if k not in personal} for row in rows]
    report = ImportReport(
        source=source,
        read=len(records),
        imported=len(rows),
        rejected=tuple(checked.rejected),
        merged=tuple(merged),
        personal_fields=tuple(personal),
        personal_kept=keep_personal and bool(personal),
        notes=tuple(notes),
    )
    return IncidentImport(_frame(rows), report)


def _check(records: Sequence[Record], read_date: DateReader) -> _Checked:
    checked = _Checked()
    for position, record in enumerate(records, start=1):
        record_id = _text(record.get("service_request_id"))
        problem = _problem(record, record_id, read_date)
        if isinstance(problem, str):
            checked.rejected.append(Rejection(position, record_id, problem))
        else:
            checked.rows.append(problem)
    return checked


def _problem(record: Record, record_id: str | None, read_date: DateReader) -> str | Record:
    """Why the record cannot be imported, or the record made ready."""
    if not record_id:
        return "it has no id"
    place = _place(record.get("lat"), record.get("long"))
    if isinstance(place, str):
        return place
    row = {**record, "service_request_id": record_id, "lat": place[0], "long": place[1]}
    for name in DATE_COLUMNS:
        text = _text(record.get(name))
        if text is None:
            row[name] = pd.NaT
            continue
        try:
            row[name] = read_date(text)
        except (ValueError, OverflowError):
            return f"its {name} '{_short(text)}' is not a date"
    return row


def _place(lat: Any, lon: Any) -> tuple[float, float] | str:
    if _text(lat) is None or _text(lon) is None:
        return "it has no coordinates"
    try:
        y, x = float(str(lat).strip()), float(str(lon).strip())
    except ValueError:
        return f"its coordinates '{_short(str(lat))}, {_short(str(lon))}' are not numbers"
    if not (math.isfinite(x) and math.isfinite(y)) or abs(y) > 90 or abs(x) > 180:
        return f"its coordinates {y}, {x} are not a place on Earth"
    if x == 0 and y == 0:
        return "its coordinates are 0, 0 (a missing location written as zeros)"
    return y, x


def _merge_duplicates(rows: list[Record]) -> tuple[list[Record], list[str]]:
    """One row per id: the most recently updated (the later one on a tie)."""
    kept: dict[str, Record] = {}
    merged: list[str] = []
    for row in rows:
        record_id = row["service_request_id"]
        earlier = kept.get(record_id)
        if earlier is None:
            kept[record_id] = row
            continue
        newer = row if _updated(row) >= _updated(earlier) else earlier
        kept[record_id] = newer
        dated = _updated(row) != _EPOCH or _updated(earlier) != _EPOCH
        which = (
            "the most recently updated"
            if dated
            else "the later one (neither says when it was updated)"
        )
        merged.append(f"id {record_id} appears more than once: kept {which}")
    return list(kept.values()), merged


def _updated(row: Record) -> pd.Timestamp:
    stamp = row.get("updated_datetime")
    return stamp if isinstance(stamp, pd.Timestamp) and not pd.isna(stamp) else _EPOCH


_EPOCH = pd.Timestamp("1900-01-01", tz="UTC")


def _personal_fields(rows: list[Record]) -> list[str]:
    """Fields named for personal data, and fields of nested extras (JSON text)
    holding such a key, e.g. GeoReport ``extended_attributes`` with a reporter."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return [name for name in names if is_sensitive_field(name) or _holds_personal(rows, name)]


def _holds_personal(rows: list[Record], name: str) -> bool:
    for row in rows:
        value = row.get(name)
        nested = isinstance(value, str) and value.lstrip()[:1] in ("{", "[")
        if nested and any(is_sensitive_field(key) for key in _json_keys(str(value))):
            return True
    return False


def _json_keys(text: str) -> list[str]:
    import json

    try:
        found = json.loads(text)
    except ValueError:
        return []
    keys: list[str] = []
    stack = [found]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys += [str(k) for k in item]
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
    return keys


def _frame(rows: list[Record]) -> gpd.GeoDataFrame:
    table = pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=[*COLUMNS])
    for name in COLUMNS:
        if name not in table.columns:
            table[name] = pd.NaT if name in DATE_COLUMNS else None
    extra = [c for c in table.columns if c not in COLUMNS and c not in ("lat", "long")]
    table = table[[*COLUMNS, *extra, "lat", "long"]] if rows else table[[*COLUMNS]]
    for name in DATE_COLUMNS:
        table[name] = pd.to_datetime(table[name], utc=True).dt.tz_convert(CITY_TIME_ZONE)
    for name in table.columns:
        if name not in DATE_COLUMNS and name not in ("lat", "long"):
            table[name] = table[name].astype(object).where(table[name].notna(), None)
    if rows:
        points = shapely.points(table["long"].to_numpy(float), table["lat"].to_numpy(float))
    else:
        points = []
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(points, crs="EPSG:4326"))


def _text(value: Any) -> str | None:
    """The value as text, None when it is missing or blank (ids stay text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text.strip() else None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
