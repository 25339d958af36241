"""``mapdesk incidents import``: FixIt reports from a file into a GeoPackage, with a report."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mapdesk.cli.common import progress

#: The layer name the import writes (the demo's and the city style library's).
INCIDENT_LAYER = "fixit_incidents"


def add_incident_commands(commands: Any) -> None:
    """The ``incidents`` command and its kinds, on the main parser's subcommands."""
    incidents = commands.add_parser("incidents", help="FixIt reports: import them")
    kinds = incidents.add_subparsers(dest="incidents_kind", metavar="KIND", required=True)
    read = kinds.add_parser(
        "import",
        help="Open311 GeoReport v2 (.json/.xml), SeeClickFix (.json) or the CRM's CSV export",
    )
    read.add_argument(
        "source", help="the file of FixIt reports, or a GeoReport v2 endpoint (https://...)"
    )
    read.add_argument("--from", dest="start", help="endpoint only: first day (YYYY-MM-DD)")
    read.add_argument("--to", dest="end", help="endpoint only: last day (default: today)")
    read.add_argument("-o", "--output", required=True, help="the GeoPackage to write")
    read.add_argument("--report", help="also write the import report as JSON to this file")
    read.add_argument(
        "--keep-personal",
        action="store_true",
        help="keep reporters' names, phones and e-mails (dropped by default)",
    )


def run_incidents(parsed: argparse.Namespace) -> int:
    """Import, write the layer, print the report's summary (details in --report)."""
    from mapdesk.export.formats import format_for
    from mapdesk.export.vector import export_vector

    output = Path(parsed.output)
    format_for(output)  # a bad extension fails before any reading
    found = _read(parsed)
    report = found.report
    if report.imported:
        export_vector(found.frame, output, layer_name=INCIDENT_LAYER, progress=progress)
    if parsed.report:
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
        Path(parsed.report).write_text(text + "\n", encoding="utf-8")
    for rejection in report.rejected:
        print(f"mapdesk: rejected {rejection}", file=sys.stderr)
    for line in (*report.merged, *report.notes):
        print(f"mapdesk: note: {line}", file=sys.stderr)
    _tell_personal(report.personal_fields, report.personal_kept)
    written = f" to {output}" if report.imported else " (nothing written)"
    print(
        f"Imported {report.imported:,} of {report.read:,} reports{written}; "
        f"{len(report.rejected):,} rejected, {len(report.merged):,} duplicates merged"
    )
    return 0


def _read(parsed: argparse.Namespace) -> Any:
    from mapdesk.io.incidents import import_from_endpoint, import_incidents

    source = str(parsed.source)
    if not source.lower().startswith(("http://", "https://")):
        progress(f"reading {source}")
        return import_incidents(source, keep_personal=parsed.keep_personal)
    start, end = _window(parsed.start, parsed.end)
    return import_from_endpoint(source, start, end, parsed.keep_personal, progress)


def _window(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """The days asked for, whole: from the first's midnight to the last's end (UTC)."""
    from mapdesk.core.errors import MapdeskError

    if start is None:
        raise MapdeskError("An endpoint needs --from YYYY-MM-DD (and --to, default today)")
    try:
        first = datetime.fromisoformat(start).replace(tzinfo=UTC)
        last = datetime.fromisoformat(end).replace(tzinfo=UTC) if end else None
    except ValueError as exc:
        raise MapdeskError(f"--from/--to must be dates like 2024-01-31 ({exc})") from exc
    last = last or datetime.now(UTC)
    return first, last.replace(hour=23, minute=59, second=59)


def _tell_personal(fields: tuple[str, ...], kept: bool) -> None:
    if not fields:
        return
    names = ", ".join(fields)
    if kept:
        print(
            f"mapdesk: warning: personal data kept ({names}): do not publish this file; "
            "mapdesk leaves the layer out of web maps",
            file=sys.stderr,
        )
    else:
        print(f"mapdesk: note: personal data left out: {names}", file=sys.stderr)
