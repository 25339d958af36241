"""The fractile table of the Coverage panel: overall, per PSAP and per station, with the
change against the baseline (everything in service, every road open).

Rows come from the JSON report (:func:`~mapdesk.core.analysis.coverage.coverage_report`),
so the panel shows exactly the figures Export writes. A station's row counts the
points it is first due for and the share of them reached within each band, as
the ``pct_4min`` fields of the first-due zones do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

#: Row groups, in the order the table shows them.
OVERALL, PSAP, STATION = "overall", "psap", "station"


@dataclass(frozen=True)
class FractileRow:
    """One line of the table.

    Attributes
    ----------
    group
        :data:`OVERALL`, :data:`PSAP` or :data:`STATION`.
    key
        The station id or PSAP name (``all`` for the overall row).
    name
        For a person: ``ST-F06 Engine 7 East Deering``, a PSAP's name, ``All``.
    status
        A station's status (``in service``, ``disabled``, ``off network``); empty otherwise.
    count
        Points counted: all of them, those in the PSAP, or those the station is first due for.
    percents
        Per band (smallest first), the percent reached within it (None: no point to count).
    changes
        Per band, the change in percentage points from the baseline (None: not comparable).
    """

    group: str
    key: str
    name: str
    status: str
    count: int
    percents: tuple[float | None, ...]
    changes: tuple[float | None, ...]


def fractile_rows(
    report: dict[str, Any], kind: str, baseline: dict[str, Any] | None = None
) -> list[FractileRow]:
    """The rows for ``kind`` (``addresses`` or ``incidents``) of ``report``; empty when the
    run counted none. With ``baseline`` (the report of the run without the what-if),
    each row's change per band; without it the changes are all None."""
    figures = report.get(kind)
    if figures is None:
        return []
    bands = [f"{m:g}" for m in report["minutes"]]
    rows = [FractileRow(OVERALL, "all", "All", "", figures["total"], _bands(figures, bands), ())]
    for name, psap in figures.get("per_psap", {}).items():
        rows.append(FractileRow(PSAP, name, name, "", psap["total"], _bands(psap, bands), ()))
    for station in report["stations"]:
        own = figures["per_station"][station["station_id"]]
        percents = tuple(own["bands"][b]["first_due_percent"] for b in bands)
        rows.append(
            FractileRow(
                STATION,
                station["station_id"],
                f"{station['station_id']} {station['name']}".strip(),
                station["status"],
                own["first_due"],
                percents,
                (),
            )
        )
    before = _by_key(fractile_rows(baseline, kind)) if baseline is not None else {}
    return [_with_changes(row, before.get((row.group, row.key))) for row in rows]


def _bands(figures: dict[str, Any], bands: list[str]) -> tuple[float | None, ...]:
    return tuple(figures["bands"][b]["percent"] for b in bands)


def _by_key(rows: list[FractileRow]) -> dict[tuple[str, str], FractileRow]:
    return {(row.group, row.key): row for row in rows}


def _with_changes(row: FractileRow, before: FractileRow | None) -> FractileRow:
    then = before.percents if before is not None else (None,) * len(row.percents)
    changes = tuple(
        None if now is None or old is None else round(now - old, 2)
        for now, old in zip(row.percents, then, strict=True)
    )
    return replace(row, changes=changes)
