"""``mapdesk boundaries check``: gaps, overlaps and misrouting risks in the service boundaries.

Reads the PSAP, police, fire and EMS polygons, the municipal boundaries and
the address points from the data files; writes the findings and misrouting
candidates to a GeoPackage; prints (and with ``--report``, writes as JSON)
what it found. Exit status 0 when clean, 1 with findings, 2 when the input
cannot be read or the options do not fit it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from mapdesk.cli.common import number_between

#: Exit status when the check found something.
EXIT_FINDINGS = 1
#: Service boundary roles, their options and what they hold.
_SERVICES = (
    ("psap", "--psap", "PSAP polygons"),
    ("police", "--police", "police boundaries"),
    ("fire", "--fire", "fire boundaries"),
    ("ems", "--ems", "EMS boundaries"),
)


def add_boundary_commands(commands: Any) -> None:
    """The ``boundaries`` command and its kinds, on the main parser's subcommands."""
    boundaries = commands.add_parser(
        "boundaries", help="PSAP and police/fire/EMS boundaries: gaps, overlaps, misrouting"
    )
    kinds = boundaries.add_subparsers(dest="boundaries_kind", metavar="KIND", required=True)
    check = kinds.add_parser(
        "check",
        help="gaps and overlaps, fit to the municipalities, misrouting candidates",
        description="Exit status: 0 clean, 1 with findings, 2 when the input cannot be read.",
    )
    check.add_argument("data", nargs="+", help="data files (a GeoPackage with the layers)")
    check.add_argument("-o", "--output", required=True, help="the GeoPackage to write")
    check.add_argument("--report", help="also write the findings as JSON to this file")
    check.add_argument(
        "--sliver-area",
        type=number_between("m²", 0.0, 1e9, low_allowed=True),
        default=None,
        metavar="M2",
        help="ignore pieces smaller than this, in square metres (10)",
    )
    check.add_argument(
        "--expected-psap", metavar="CSV", help="a municipality,psap table (default: majority)"
    )
    layers = check.add_argument_group("layers (found by their content when not named)")
    for _, option, what in _SERVICES:
        layers.add_argument(option, metavar="LAYER", help=f"the {what}")
    layers.add_argument("--municipalities", metavar="LAYER", help="the municipal boundaries")
    layers.add_argument("--addresses", metavar="LAYER", help="the address points")


def run_boundaries(parsed: argparse.Namespace, out: TextIO) -> int:
    """Run the check, write the layers and report, print the summary; the exit status."""
    from mapdesk.cli.common import progress
    from mapdesk.core.analysis.boundaries import boundary_check
    from mapdesk.core.analysis.boundaries.report import boundary_summary
    from mapdesk.export.analysis_results import write_boundary_results

    inputs = _inputs(parsed)
    progress("checking boundaries")
    check = boundary_check(inputs)
    output = Path(parsed.output)
    report = Path(parsed.report) if parsed.report else None
    layers = write_boundary_results(check, output, report, [Path(p) for p in parsed.data])
    out.write(boundary_summary(check))
    out.write(f"\nWrote {output} ({', '.join(layer.name for layer in layers)})\n")
    return 0 if check.clean else EXIT_FINDINGS


def _inputs(parsed: argparse.Namespace) -> Any:
    from mapdesk.cli.analysis_layers import open_data, pick_layer
    from mapdesk.core.analysis.roles import ADDRESS_ROLE, ZONE_ROLES
    from mapdesk.core.errors import MapdeskError
    from mapdesk.io.analysis_inputs import read_boundary_inputs

    project = open_data(parsed.data)
    roles = {role.key: role for role in ZONE_ROLES}
    found = {
        key: layer
        for key, option, _ in _SERVICES
        if (layer := pick_layer(project, getattr(parsed, key), roles[key], option))
    }
    if not found:
        raise MapdeskError(
            "No PSAP, police, fire or EMS layer found: name one with --psap, --police, "
            f"--fire or --ems (the layers are {', '.join(layer.name for layer in project.layers)})"
        )
    munis = pick_layer(project, parsed.municipalities, roles["municipality"], "--municipalities")
    if parsed.expected_psap and ("psap" not in found or munis is None):
        raise MapdeskError("--expected-psap needs both a PSAP layer and a municipal layer")
    return read_boundary_inputs(
        found,
        municipalities=munis,
        addresses=pick_layer(project, parsed.addresses, ADDRESS_ROLE, "--addresses"),
        sliver_m2=parsed.sliver_area,
        expected_table=Path(parsed.expected_psap) if parsed.expected_psap else None,
    )
