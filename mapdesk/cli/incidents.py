"""``mapdesk incidents import``: FixIt reports from a file into a GeoPackage, with a report."""

from __future__ import annotations

import argparse
import json
import sys
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
    read.add_argument("source", help="the file of FixIt reports")
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
    from mapdesk.io.incidents import import_incidents

    output = Path(parsed.output)
    format_for(output)  # a bad extension fails before any reading
    progress(f"reading {parsed.source}")
    found = import_incidents(parsed.source, keep_personal=parsed.keep_personal)
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
