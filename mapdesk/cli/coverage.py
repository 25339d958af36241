"""``mapdesk coverage``: drive-time coverage of stations over road centrelines, headless.

Reads the roads and stations (and optionally addresses, incidents and PSAP
polygons), computes per-station travel-time areas for the minute bands,
first-due zones, fractile coverage and gaps, and writes them as layers of one
GeoPackage with the fractiles as JSON. ``--disable`` and ``--close`` run a
what-if, and the report then also gives the figures without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from mapdesk.cli.common import progress

_FILE_HELP = "a data file (a GeoPackage, shapefile, GeoJSON, ...)"


def add_coverage_command(commands: Any) -> None:
    """The ``coverage`` command, on the main parser's subcommands."""
    cover = commands.add_parser(
        "coverage",
        help="drive-time areas, first-due zones, fractile coverage and gaps of stations",
    )
    cover.add_argument("roads", metavar="ROADS", help=f"road centrelines: {_FILE_HELP}")
    cover.add_argument("stations", metavar="STATIONS", help=f"station points: {_FILE_HELP}")
    cover.add_argument("--roads-layer", metavar="NAME", help="the road layer in ROADS")
    cover.add_argument("--stations-layer", metavar="NAME", help="the station layer in STATIONS")
    cover.add_argument("--minutes", default="4,8", help="the bands, in minutes (default 4,8)")
    cover.add_argument(
        "--turnout",
        type=float,
        default=1.0,
        metavar="MIN",
        help="turnout minutes of stations without a turnout_s value (default 1.0)",
    )
    cover.add_argument(
        "--travel-only", action="store_true", help="bands count the drive alone, no turnout"
    )
    cover.add_argument("--addresses", metavar="ADDR", help="address points to count")
    cover.add_argument("--addresses-layer", metavar="NAME", help="the address layer in ADDR")
    cover.add_argument("--incidents", metavar="FILE", help="incident points to count")
    cover.add_argument("--incidents-layer", metavar="NAME", help="the incident layer in FILE")
    cover.add_argument(
        "--psap",
        metavar="FILE",
        help="PSAP polygons to count per and for the first-due zones to fill",
    )
    cover.add_argument("--psap-layer", metavar="NAME", help="the PSAP layer in FILE")
    cover.add_argument(
        "--stations-where", metavar="EXPR", help="""only these stations, e.g. "type" = 'Fire'"""
    )
    cover.add_argument("--station-id", metavar="FIELD", help="the field naming a station")
    cover.add_argument(
        "--access",
        type=float,
        default=100.0,
        metavar="M",
        help="how far (m) a point may be from a road and still be reached (100)",
    )
    cover.add_argument(
        "--snap",
        type=float,
        default=1.0,
        metavar="M",
        help="road ends this close (m) meet (default 1)",
    )
    cover.add_argument(
        "--disable",
        action="extend",
        nargs="+",
        default=[],
        metavar="ID",
        help="what-if: stations out of service",
    )
    cover.add_argument(
        "--close",
        action="extend",
        nargs="+",
        default=[],
        metavar="ID",
        help="what-if: roads closed (NGUID or fid)",
    )
    cover.add_argument("--close-where", metavar="EXPR", help="what-if: roads closed, by filter")
    cover.add_argument("-o", "--output", required=True, help="the GeoPackage to write")
    cover.add_argument("--report", help="also write the fractiles as JSON to this file")


def run_coverage(parsed: argparse.Namespace, out: TextIO) -> int:
    """Run the analysis, write the layers (and report), print a summary; the exit status."""
    from mapdesk.cli import coverage_inputs as inputs
    from mapdesk.core.analysis.coverage import WhatIf, coverage_layers, coverage_report
    from mapdesk.core.analysis.coverage.layer_inputs import address_labels
    from mapdesk.export.layer_set import check_layer_set_target

    output = check_layer_set_target(Path(parsed.output))  # fails before any reading
    _check_report_target(parsed.report)
    options = _options(parsed)  # and bad options before reading, too
    read = _read_inputs(parsed)
    roads = read["roads"]
    what_if = WhatIf(
        frozenset(parsed.disable), inputs.rows_of_roads(roads, parsed.close, parsed.close_where)
    )
    study = _study(parsed, read, options)
    result = study.run(what_if)
    baseline = None
    if not what_if.is_baseline:
        progress("computing the coverage without the what-if, to compare")
        baseline = study.run()
    report = coverage_report(result, baseline)
    report["inputs"] = {role: layer.label for role, layer in read.items()}
    addresses = read.get("addresses")
    labels = address_labels(addresses.frame) if addresses is not None else None
    layers = coverage_layers(result, roads.frame.crs, labels)
    _write(layers, output, report, parsed.report, [layer.path for layer in read.values()])
    _tell(report, out, output, list(layers))
    return 0


def _options(parsed: argparse.Namespace) -> Any:
    from mapdesk.core.analysis.coverage import CoverageOptions
    from mapdesk.core.analysis.coverage.model import parse_minutes

    return CoverageOptions(
        minutes=parse_minutes(parsed.minutes, "--minutes"),
        turnout_s=parsed.turnout * 60,
        travel_only=parsed.travel_only,
        access_m=parsed.access,
        snap_m=parsed.snap,
    )


def _study(parsed: argparse.Namespace, read: dict[str, Any], options: Any) -> Any:
    """The coverage study of the layers read."""
    from mapdesk.cli import coverage_inputs as inputs
    from mapdesk.core.analysis.coverage import CoverageInputs, CoverageStudy
    from mapdesk.core.analysis.coverage.layer_inputs import psap_names

    psaps = read.get("psap")
    layers = CoverageInputs(
        read["roads"].frame,
        inputs.stations_matching(read["stations"], parsed.stations_where),
        _frame(read.get("addresses")),
        _frame(read.get("incidents")),
        _frame(psaps),
        psap_names=psap_names(psaps.frame) if psaps is not None else None,
        station_id_field=parsed.station_id,
    )
    return CoverageStudy(layers, options, progress)


def _check_report_target(report: str | None) -> None:
    """A report that could not be written would fail after all the work: say so first."""
    from mapdesk.core.errors import MapdeskError

    if report and not Path(report).parent.resolve().is_dir():
        raise MapdeskError(
            f"Cannot write {report}: the folder {Path(report).parent} does not exist"
        )


def _read_inputs(parsed: argparse.Namespace) -> dict[str, Any]:
    from mapdesk.cli import coverage_inputs as inputs

    listings: inputs.Listings = {}  # each file is listed once, whatever it plays
    read = {
        "roads": inputs.read_input(parsed.roads, parsed.roads_layer, inputs.ROADS, listings),
        "stations": inputs.read_input(
            parsed.stations, parsed.stations_layer, inputs.STATIONS, listings
        ),
    }
    optional = (
        ("addresses", parsed.addresses, parsed.addresses_layer, inputs.ADDRESSES),
        ("incidents", parsed.incidents, parsed.incidents_layer, inputs.INCIDENTS),
        ("psap", parsed.psap, parsed.psap_layer, inputs.PSAPS),
    )
    for role, path, layer, kind in optional:
        if path:
            read[role] = inputs.read_input(path, layer, kind, listings)
    return read


def _frame(layer: Any) -> Any:
    return None if layer is None else layer.frame


def _write(
    layers: dict[str, Any],
    output: Path,
    report: dict[str, Any],
    report_path: str | None,
    sources: list[Path],
) -> None:
    from mapdesk.export.coverage_files import write_coverage_files

    progress(f"writing {output.name}")
    write_coverage_files(
        layers, output, report, Path(report_path) if report_path else None, sources
    )


def _tell(report: dict[str, Any], out: TextIO, output: Path, layers: list[str]) -> None:
    """The summary on stdout; warnings and stations left out on stderr."""
    for warning in report["warnings"]:
        print(f"mapdesk: warning: {warning['message']}", file=sys.stderr)
    access = report["options"]["access_m"]
    for station in report["stations"]:
        if station["status"] == "off network":
            distance = station["road_distance_m"]
            where = (
                "has no location"
                if distance is None
                else f"is {distance:g} m from the nearest road, more than the {access:g} m "
                "access distance"
            )
            print(
                f"mapdesk: warning: station {station['station_id']} ({station['name']}) {where}: "
                "left out",
                file=sys.stderr,
            )
    responding = sum(1 for s in report["stations"] if s["status"] == "in service")
    turnout = "drive only" if report["options"]["travel_only"] else "turnout included"
    bands = ", ".join(f"{m:g}" for m in report["minutes"])
    out.write(f"Coverage by {responding} stations, bands {bands} min ({turnout})\n")
    for kind in ("addresses", "incidents"):
        out.write(_fractile_lines(kind, report[kind], report.get("baseline")))
    out.write(f"Wrote {output} ({', '.join(layers)})\n")


def _fractile_lines(kind: str, figures: dict[str, Any] | None, baseline: Any) -> str:
    if figures is None:
        return ""
    lines = [f"{kind.capitalize()}: {figures['total']:,} ({figures['on_network']:,} near a road)"]
    for band, share in figures["bands"].items():
        line = f"  within {band} min: {share['reached']:,} ({_pct(share['percent'])})"
        if baseline is not None and baseline[kind] is not None:
            line += f", {_pct(baseline[kind][band]['percent'])} without the what-if"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"
