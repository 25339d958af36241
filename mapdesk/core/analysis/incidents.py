"""FixIt incident analysis: filters, time steps and statistics of a report layer.

A FixIt layer holds one point per public report, with Open311 GeoReport v2
fields (``status``, ``service_name`` as the category, ``requested_datetime``,
``closed_datetime``, ``updated_datetime``). Dates may be datetime columns
(aware or naive) or ISO 8601 text with offsets, as GeoPackages often store
them; every function here reads them through :func:`incident_dates`.

Counts per polygon and likely duplicates live in
:mod:`mapdesk.core.analysis.incident_places`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

#: The city's time zone: naive times are read in it, and weeks and months
#: start at its local midnight.
CITY_TIME_ZONE = "America/New_York"
#: Statuses that mean a report is finished; any other status is open
#: ("open", "acknowledged", "in progress" ...).
#: Statuses that are done (SeeClickFix: Open -> Acknowledged -> Closed -> Archived).
CLOSED_STATUSES = frozenset({"closed", "archived"})

Rows = npt.NDArray[np.intp]
#: A time of day followed by a UTC offset or "Z" (an ISO 8601 date text with a zone).
_OFFSET = r"[T ]\d\d:\d\d.*(?:Z|[+-]\d\d(?::?\d\d)?)$"
StepUnit = Literal["week", "month"]


@dataclass(frozen=True)
class IncidentFields:
    """Which fields of a layer hold what (Open311 names by default).

    ``closed`` falls back to ``updated`` for closed reports when the layer has
    no close date field: a closed report's last update is its closing.
    """

    status: str = "status"
    requested: str = "requested_datetime"
    category: str | None = "service_name"
    closed: str | None = "closed_datetime"
    updated: str | None = "updated_datetime"

    @classmethod
    def of(cls, frame: pd.DataFrame) -> IncidentFields:
        """The Open311 fields ``frame`` has (optional ones absent become None).

        Without ``requested_datetime`` the first date field is the request date.
        """
        columns = set(frame.columns)
        default = cls()
        dates = date_fields(frame)
        requested = default.requested if default.requested in columns or not dates else dates[0]
        return cls(
            status=default.status,
            requested=requested,
            category=default.category if default.category in columns else None,
            closed=default.closed if default.closed in columns else None,
            updated=default.updated if default.updated in columns else None,
        )

    @property
    def close_date(self) -> str | None:
        """The field read as the date a closed report was closed."""
        return self.closed or self.updated


def date_fields(frame: pd.DataFrame) -> list[str]:
    """Fields holding dates: datetime columns, and text fields named like dates."""
    found = []
    for name, dtype in frame.dtypes.items():
        text = str(name).lower()
        if pd.api.types.is_datetime64_any_dtype(dtype) or "date" in text or text.endswith("_at"):
            found.append(str(name))
    return found


def is_incident_layer(frame: pd.DataFrame) -> bool:
    """True when ``frame`` has a status field and a date field (a FixIt layer)."""
    return IncidentFields.status in frame.columns and bool(date_fields(frame))


def is_open311_layer(frame: pd.DataFrame) -> bool:
    """True when ``frame`` has the Open311 id, status and requested-date fields."""
    return {"service_request_id", "status", "requested_datetime"} <= set(frame.columns)


# --- dates and statuses ---------------------------------------------------------
def incident_dates(values: pd.Series[Any]) -> pd.Series[Any]:
    """A date column as UTC timestamps; text that does not parse becomes NaT.

    Text is read as ISO 8601 (each value keeps its own offset, e.g. -04:00 in
    summer and -05:00 in winter); naive values are city local time.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return pd.Series(values.dt.tz_convert("UTC"))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.Series(_city_time(values).dt.tz_convert("UTC"))
    text = values.astype("string").str.strip()
    aware = text.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
    found = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    found[aware] = pd.to_datetime(text[aware], errors="coerce", format="ISO8601", utc=True)
    naive = pd.to_datetime(text[~aware], errors="coerce", format="ISO8601")
    found[~aware] = _city_time(naive)
    return found


def _city_time(naive: pd.Series[Any]) -> pd.Series[Any]:
    # The repeated hour of the autumn change is read as daylight time, the
    # skipped spring hour moved forward: a report is never lost to NaT.
    summer = np.ones(len(naive), dtype=bool)
    localized = naive.dt.tz_localize(CITY_TIME_ZONE, ambiguous=summer, nonexistent="shift_forward")
    return pd.Series(localized)


def utc_timestamp(value: Any) -> pd.Timestamp:
    """A date, datetime or text as a UTC timestamp (naive ones in city time)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(CITY_TIME_ZONE)
    return stamp.tz_convert("UTC")


def open_mask(frame: pd.DataFrame, fields: IncidentFields) -> npt.NDArray[np.bool_]:
    """True for reports whose status is not a closed one."""
    status = frame[fields.status].astype("string").str.strip().str.lower()
    return ~status.isin(CLOSED_STATUSES).fillna(False).to_numpy(dtype=bool)


# --- filter ---------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentFilter:
    """Which reports to look at; None (or no date) lets everything through.

    ``start`` is inclusive and ``end`` exclusive (pass the day after the last
    day wanted); both are compared with the requested date. Reports without
    a requested date (GeoReport allows it) pass a date range unless
    ``undated`` is False: a range cannot say they are outside it, and
    dropping them would hide them from every count.
    """

    categories: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    start: Any = None
    end: Any = None
    undated: bool = True

    def mask(self, frame: pd.DataFrame, fields: IncidentFields) -> npt.NDArray[np.bool_]:
        """True for the rows of ``frame`` that pass."""
        keep = np.ones(len(frame), dtype=bool)
        if self.categories is not None and fields.category is not None:
            keep &= _in_set(frame[fields.category], self.categories)
        if self.statuses is not None:
            keep &= _in_set(frame[fields.status], self.statuses)
        if self.start is not None or self.end is not None:
            keep &= self._in_dates(incident_dates(frame[fields.requested]))
        return keep

    def rows(self, frame: pd.DataFrame, fields: IncidentFields) -> Rows:
        """Positions of the rows that pass."""
        return np.flatnonzero(self.mask(frame, fields)).astype(np.intp)

    def _in_dates(self, dates: pd.Series[Any]) -> npt.NDArray[np.bool_]:
        dated = dates.notna().to_numpy(dtype=bool, copy=True)
        keep = dated.copy()
        if self.start is not None:
            keep &= (dates >= utc_timestamp(self.start)).fillna(False).to_numpy(dtype=bool)
        if self.end is not None:
            keep &= (dates < utc_timestamp(self.end)).fillna(False).to_numpy(dtype=bool)
        return keep | (~dated if self.undated else np.zeros_like(dated))


def _in_set(values: pd.Series[Any], wanted: frozenset[str]) -> npt.NDArray[np.bool_]:
    text = values.astype("string").fillna("")
    return text.isin(list(wanted)).to_numpy(dtype=bool)


def field_values(frame: pd.DataFrame, field: str | None) -> list[str]:
    """The distinct values of a text field, sorted (empty ones as "")."""
    if field is None or field not in frame.columns:
        return []
    return sorted(set(frame[field].astype("string").fillna("").tolist()))


# --- time steps -----------------------------------------------------------------
@dataclass(frozen=True)
class TimeStep:
    """One week or month of the slider: [start, end) in UTC, and its label."""

    start: pd.Timestamp
    end: pd.Timestamp
    label: str


def time_steps(dates: pd.Series[Any], unit: StepUnit = "week") -> list[TimeStep]:
    """The weeks (from Monday) or months spanned by ``dates``, in city time."""
    valid = incident_dates(dates).dropna()
    if valid.empty:
        return []
    local = valid.dt.tz_convert(CITY_TIME_ZONE)
    first, last = local.min(), local.max()
    if unit == "week":
        day = first.normalize() - pd.Timedelta(days=first.weekday())
        starts = pd.date_range(day.tz_localize(None), last.tz_localize(None), freq="7D")
        fmt = "Week of %d %b %Y"
    elif unit == "month":
        month = first.tz_localize(None).to_period("M").to_timestamp()
        starts = pd.date_range(month, last.tz_localize(None), freq="MS")
        fmt = "%B %Y"
    else:
        raise ValueError(f"A time step is a week or a month, not {unit!r}")
    bounds = [*starts, _next_start(starts[-1], unit)]
    return [
        TimeStep(utc_timestamp(a), utc_timestamp(b), a.strftime(fmt))
        for a, b in itertools.pairwise(bounds)
    ]


def _next_start(start: pd.Timestamp, unit: StepUnit) -> pd.Timestamp:
    return start + (pd.Timedelta(days=7) if unit == "week" else pd.offsets.MonthBegin(1))


def rows_in_step(dates: pd.Series[Any], step: TimeStep, rows: Rows | None = None) -> Rows:
    """Positions of the reports requested within ``step`` (among ``rows``, if given)."""
    when = incident_dates(dates)
    inside = ((when >= step.start) & (when < step.end)).fillna(False).to_numpy(dtype=bool)
    if rows is not None:
        keep = np.zeros(len(inside), dtype=bool)
        keep[rows] = True
        inside = inside & keep
    return np.flatnonzero(inside).astype(np.intp)


# --- statistics -----------------------------------------------------------------
@dataclass(frozen=True)
class IncidentStatistics:
    """Counts and ages of a set of reports; ages and times in days (None: no data)."""

    count: int
    open_count: int
    open_age_median: float | None
    open_age_p90: float | None
    close_time_median: float | None
    close_time_mean: float | None
    close_time_p90: float | None
    closed_with_dates: int


def incident_statistics(
    frame: pd.DataFrame, fields: IncidentFields, now: Any, rows: Rows | None = None
) -> IncidentStatistics:
    """Statistics of the reports at ``rows`` (all when None), ages as of ``now``."""
    part = frame if rows is None else frame.iloc[rows]
    is_open = open_mask(part, fields)
    requested = incident_dates(part[fields.requested])
    ages = _days(utc_timestamp(now) - requested[is_open])
    close_field = fields.close_date
    if close_field is not None and close_field in part.columns:
        closed = incident_dates(part[close_field])[~is_open]
        times = _days(closed - requested[~is_open])
        times = times[times >= 0]  # a close before the request is a data error
    else:
        times = np.empty(0)
    return IncidentStatistics(
        count=len(part),
        open_count=int(is_open.sum()),
        open_age_median=_quantile(ages, 0.5),
        open_age_p90=_quantile(ages, 0.9),
        close_time_median=_quantile(times, 0.5),
        close_time_mean=float(times.mean()) if len(times) else None,
        close_time_p90=_quantile(times, 0.9),
        closed_with_dates=len(times),
    )


def statistics_by_category(
    frame: pd.DataFrame, fields: IncidentFields, now: Any, rows: Rows | None = None
) -> dict[str, IncidentStatistics]:
    """:func:`incident_statistics` for each category (sorted by name)."""
    if fields.category is None:
        return {}
    positions = np.arange(len(frame), dtype=np.intp) if rows is None else rows
    categories = frame[fields.category].astype("string").fillna("").to_numpy()[positions]
    return {
        str(name): incident_statistics(frame, fields, now, positions[categories == name])
        for name in sorted(set(categories.tolist()))
    }


def _days(delta: pd.Series[Any]) -> npt.NDArray[np.float64]:
    days = (delta.dt.total_seconds() / 86400.0).to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(days[np.isfinite(days)], dtype=np.float64)


def _quantile(values: npt.NDArray[np.float64], q: float) -> float | None:
    if len(values) == 0:
        return None
    found = float(np.quantile(values, q))
    return found if math.isfinite(found) else None
