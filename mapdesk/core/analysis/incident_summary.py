"""One pass of the incident analysis, as the panel asks for it from a worker thread.

The request is a frozen snapshot (frames, filter, choices), so the UI may go
on changing while the worker runs; the answer carries the request's
generation so that the UI can drop answers to questions it no longer asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from mapdesk.core.analysis.incident_places import (
    DuplicateGroup,
    PolygonCount,
    counts_per_polygon,
    likely_duplicates,
)
from mapdesk.core.analysis.incidents import (
    CITY_TIME_ZONE,
    IncidentFields,
    IncidentFilter,
    IncidentStatistics,
    Rows,
    StepUnit,
    TimeStep,
    field_values,
    incident_dates,
    incident_statistics,
    statistics_by_category,
    time_steps,
)


@dataclass(frozen=True)
class LayerOverview:
    """What the filter widgets offer for a layer: its values and its date span."""

    categories: list[str]
    statuses: list[str]
    first_day: pd.Timestamp | None  # city-local dates, naive
    last_day: pd.Timestamp | None


def layer_overview(frame: pd.DataFrame, fields: IncidentFields) -> LayerOverview:
    """Categories, statuses and the first and last request day of a FixIt layer."""
    dates = incident_dates(frame[fields.requested]).dropna().dt.tz_convert(CITY_TIME_ZONE)
    first = dates.min().normalize().tz_localize(None) if len(dates) else None
    last = dates.max().normalize().tz_localize(None) if len(dates) else None
    return LayerOverview(
        field_values(frame, fields.category), field_values(frame, fields.status), first, last
    )


@dataclass(frozen=True)
class IncidentRequest:
    """A snapshot of everything one analysis needs."""

    generation: int
    frame: gpd.GeoDataFrame
    fields: IncidentFields
    filter: IncidentFilter
    now: pd.Timestamp
    step_unit: StepUnit = "week"
    polygons: gpd.GeoDataFrame | None = None
    label_field: str | None = None
    duplicates_crs: Any = None
    duplicate_limits: tuple[float, float] | None = (50.0, 7.0)  # metres, days; None: skip


@dataclass(frozen=True)
class IncidentAnswer:
    """The analysis of the reports that pass the request's filter."""

    generation: int
    rows: Rows
    dates: pd.Series[Any]  # requested dates of every report, UTC
    steps: list[TimeStep]
    statistics: IncidentStatistics
    by_category: dict[str, IncidentStatistics]
    counts: list[PolygonCount]
    duplicates: list[DuplicateGroup]


def analyse_incidents(request: IncidentRequest) -> IncidentAnswer:
    """Filter, step, count and compare the reports of ``request``."""
    frame, fields = request.frame, request.fields
    rows = request.filter.rows(frame, fields)
    dates = incident_dates(frame[fields.requested])
    counts: list[PolygonCount] = []
    if request.polygons is not None:
        counts = counts_per_polygon(frame, fields, request.polygons, request.label_field, rows)
    duplicates: list[DuplicateGroup] = []
    if request.duplicate_limits is not None:
        metres, days = request.duplicate_limits
        duplicates = likely_duplicates(frame, fields, request.duplicates_crs, metres, days, rows)
    return IncidentAnswer(
        generation=request.generation,
        rows=rows,
        dates=dates,
        steps=time_steps(dates.iloc[rows] if len(rows) else dates, request.step_unit),
        statistics=incident_statistics(frame, fields, request.now, rows),
        by_category=statistics_by_category(frame, fields, request.now, rows),
        counts=counts,
        duplicates=duplicates,
    )
