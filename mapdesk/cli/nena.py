"""``mapdesk nena validate``: NENA NG9-1-1 GIS data checked headless, for scheduled jobs.

(``nena create`` and ``nena import`` are in cli.nena_layers.)

Exit status: 0 when nothing was found, 1 when the data has errors, 2 when the
input cannot be read (or an option is wrong). The analysis modules are
imported only when the command runs, not for every ``mapdesk`` start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from mapdesk.cli.common import progress
from mapdesk.cli.nena_layers import add_nena_layer_commands, run_create, run_import

#: Exit status when the data has errors.
EXIT_ERRORS = 1


def add_nena_commands(commands: Any) -> None:
    """The ``nena`` command and its kinds, on the main parser's subcommands."""
    nena = commands.add_parser(
        "nena", help="NENA NG9-1-1 GIS data: validate it, create NENA layers, import into them"
    )
    kinds = nena.add_subparsers(dest="nena_kind", metavar="KIND", required=True)
    check = kinds.add_parser(
        "validate",
        help="check a dataset against NENA-STA-006.3 (v3): schema, values, NGUIDs, geometry, "
        "boundaries, roads and addresses; exit 1 when errors are found",
    )
    check.add_argument("data", help="the GeoPackage (or other multi-layer file) to validate")
    check.add_argument("--report", help="write report.json (counts per rule and every error)")
    check.add_argument("--html", help="write a report for people as HTML")
    check.add_argument("--errors", help="write the error locations as a layer (.gpkg, ...)")
    check.add_argument(
        "--layer",
        action="append",
        default=[],
        metavar="NENA=LAYER",
        help="the layer that plays a NENA layer (e.g. PsapPolygon=psap_boundary); repeatable",
    )
    check.add_argument(
        "--search-distance",
        type=_metres,
        default=200.0,
        metavar="M",
        help="how far from an address point its street is looked for (200 m)",
    )
    check.add_argument(
        "--dangle-within",
        type=_metres,
        metavar="M",
        help="report only road ends within M metres of another road (likely undershoots)",
    )
    check.add_argument(
        "--exception-field",
        default="QA_Except",
        metavar="NAME",
        help="the per-feature field listing rule ids not to report (QA_Except)",
    )
    check.add_argument("--country", choices=("US", "CA"), default="US", help="US (default) or CA")
    add_nena_layer_commands(kinds)


def _metres(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a distance in metres") from None
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError(f"{text} m is outside 0-100,000 m")
    return value


def run_nena(parsed: argparse.Namespace, out: TextIO) -> int:
    """Run the ``nena`` kind asked for; the exit status."""
    if parsed.nena_kind == "create":
        return run_create(parsed, out)
    if parsed.nena_kind == "import":
        return run_import(parsed, out)
    return run_validate(parsed, out)


def run_validate(parsed: argparse.Namespace, out: TextIO) -> int:
    """Validate ``parsed.data``, write the reports asked for, print a summary."""
    from mapdesk.core.analysis.nena import ValidationOptions, validate_nena
    from mapdesk.io.nena_dataset import read_nena_dataset

    data = Path(parsed.data)
    chosen = _choices(parsed.layer)
    progress(f"reading {data}")
    dataset = read_nena_dataset(data, chosen)
    for warning in dataset.warnings:
        print(f"mapdesk: note: {warning}", file=sys.stderr)
    options = ValidationOptions(
        country=parsed.country,
        exception_field=parsed.exception_field,
        search_m=parsed.search_distance,
        dangle_within_m=parsed.dangle_within,
    )
    progress("validating")
    result = validate_nena(dataset.frames, dataset.roles, options)
    _write_outputs(parsed, result, data)
    for note in result.notes:
        print(f"mapdesk: note: {note}", file=sys.stderr)
    out.write(summary(result, data.name))
    return EXIT_ERRORS if result.findings else 0


def _choices(pairs: list[str]) -> dict[str, str]:
    from mapdesk.core.errors import MapdeskError

    chosen = {}
    for pair in pairs:
        role, sep, layer = pair.partition("=")
        if not sep or not role.strip() or not layer.strip():
            raise MapdeskError(f"--layer {pair!r}: write it NENA=LAYER, e.g. PsapPolygon=psap")
        chosen[role.strip()] = layer.strip()
    return chosen


def _write_outputs(parsed: argparse.Namespace, result: Any, data: Path) -> None:
    from mapdesk.export.nena_report import (
        write_error_layer,
        write_report_html,
        write_report_json,
    )

    if parsed.report:
        write_report_json(result, Path(parsed.report))
    if parsed.html:
        write_report_html(result, Path(parsed.html), source=data.name)
    if parsed.errors:
        write_error_layer(result, Path(parsed.errors), source=data, progress=progress)


def summary(result: Any, name: str) -> str:
    """What a person reads on the terminal: the layers validated and the count per rule."""
    lines = [f"NENA validation of {name}"]
    for match in result.roles.values():
        lines.append(f"  {match.role}: {match.layer} ({match.reason})")
    lines.append("")
    width = max(len(rule) for rule in result.counts)
    lines += [f"  {rule:<{width}}  {count:>7,}" for rule, count in result.counts.items()]
    total = len(result.findings)
    lines += ["", f"{total:,} error{'s' if total != 1 else ''} found" if total else "No errors"]
    return "\n".join(lines) + "\n"
