"""``mapdesk radio-coverage``: the addresses and road length outside radio coverage, per PSAP.

Reads the towers (or predicted-signal rasters), the PSAP polygons, address
points and road centrelines from the data files, writes the coverage areas
and what lies outside them to a GeoPackage, and prints (and with
``--report``, writes as JSON) the tallies. Exit status 0 when it ran, 2 when
the input cannot be read or the options do not fit it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from mapdesk.cli.common import number_between

#: A tower range on the command line: kilometres, more than 0, at most 500.
_range_km = number_between("km", 0.0, 500.0)


def add_radio_commands(commands: Any) -> None:
    """The ``radio-coverage`` command, on the main parser's subcommands."""
    radio = commands.add_parser(
        "radio-coverage",
        help="addresses and road length outside tower coverage, per PSAP (what-ifs too)",
        description="Coverage areas from tower ranges (geodesic circles) or predicted-signal "
        "rasters; the address points and road length outside them, per PSAP and overall.",
    )
    radio.add_argument("data", nargs="+", help="data files (a GeoPackage with the layers)")
    radio.add_argument("-o", "--output", required=True, help="the GeoPackage to write")
    radio.add_argument("--report", help="also write the figures as JSON to this file")
    layers = radio.add_argument_group("layers (found by their content when not named)")
    for option, what in (
        ("--towers", "the radio tower points"),
        ("--psap", "the PSAP polygons"),
        ("--addresses", "the address points"),
        ("--roads", "the road centrelines"),
    ):
        layers.add_argument(option, metavar="LAYER", help=what)
    towers = radio.add_argument_group("tower ranges")
    towers.add_argument(
        "--range-field", default="coverage_km", help="the field with each tower's range"
    )
    towers.add_argument(
        "--range-unit", default="km", choices=("km", "m", "mi", "ft"), help="its unit (km)"
    )
    towers.add_argument(
        "--default-range-km", type=_range_km, metavar="KM", help="range of towers without one"
    )
    towers.add_argument(
        "--range-km", type=_range_km, metavar="KM", help="every tower's range (a what-if)"
    )
    towers.add_argument(
        "--include-planned", action="store_true", help="planned towers cover too (a what-if)"
    )
    signal = radio.add_argument_group("predicted-signal rasters (needs rasterio)")
    signal.add_argument(
        "--signal", action="append", default=[], metavar="RASTER", help="a GeoTIFF (repeatable)"
    )
    signal.add_argument("--threshold", type=float, help="least signal that covers (e.g. -95)")
    signal.add_argument("--band", type=int, default=1, help="the raster band (1)")
    signal.add_argument("--no-towers", action="store_true", help="coverage from the rasters alone")


def run_radio(parsed: argparse.Namespace, out: TextIO) -> int:
    """Run the analysis, write the layers and report, print the summary; the exit status."""
    from mapdesk.cli.common import progress
    from mapdesk.core.analysis.radio import radio_coverage
    from mapdesk.core.analysis.radio.report import radio_summary
    from mapdesk.export.analysis_results import write_radio_results

    _check_options(parsed)
    inputs = _inputs(parsed)
    progress("measuring coverage")
    result = radio_coverage(inputs)
    output = Path(parsed.output)
    report = Path(parsed.report) if parsed.report else None
    layers = write_radio_results(result, output, report, [Path(p) for p in parsed.data])
    out.write(radio_summary(result))
    out.write(f"\nWrote {output} ({', '.join(layer.name for layer in layers)})\n")
    return 0


def _check_options(parsed: argparse.Namespace) -> None:
    from mapdesk.core.errors import MapdeskError

    if parsed.signal and parsed.threshold is None:
        raise MapdeskError("--signal needs --threshold: the least signal that counts as covered")
    if parsed.no_towers and not parsed.signal:
        raise MapdeskError("--no-towers leaves nothing to cover with: give --signal RASTER")
    if parsed.no_towers and parsed.include_planned:
        raise MapdeskError("--include-planned is about towers, and --no-towers leaves them out")


def _inputs(parsed: argparse.Namespace) -> Any:
    from mapdesk.cli.analysis_layers import open_data, pick_layer, require_layer
    from mapdesk.cli.common import progress
    from mapdesk.core.analysis.radio import RangeRule
    from mapdesk.core.analysis.roles import ADDRESS_ROLE, ROAD_ROLE, ZONE_ROLES
    from mapdesk.io.analysis_inputs import RadioLayers, SignalRasters, read_radio_inputs

    project = open_data(parsed.data)
    psap_role = next(role for role in ZONE_ROLES if role.key == "psap")
    addresses = pick_layer(project, parsed.addresses, ADDRESS_ROLE, "--addresses")
    roads = pick_layer(project, parsed.roads, ROAD_ROLE, "--roads")
    if addresses is None and roads is None:  # the message lists the layers there are
        require_layer(project, None, ADDRESS_ROLE, "--addresses", "address points or roads")
    layers = RadioLayers(
        towers=None if parsed.no_towers else _towers(project, parsed),
        psap=pick_layer(project, parsed.psap, psap_role, "--psap"),
        addresses=addresses,
        roads=roads,
    )
    rule = RangeRule(
        field=parsed.range_field,
        unit=parsed.range_unit,
        default_m=_metres(parsed.default_range_km),
        override_m=_metres(parsed.range_km),
    )
    rasters = SignalRasters(tuple(Path(p) for p in parsed.signal), parsed.threshold, parsed.band)
    return read_radio_inputs(layers, rule, parsed.include_planned, rasters, progress)


def _towers(project: Any, parsed: argparse.Namespace) -> Any:
    """The tower layer; None when signal rasters are given and the data has no towers."""
    from mapdesk.cli.analysis_layers import pick_layer, require_layer
    from mapdesk.core.analysis.roles import TOWER_ROLE

    if parsed.signal:
        return pick_layer(project, parsed.towers, TOWER_ROLE, "--towers")
    return require_layer(project, parsed.towers, TOWER_ROLE, "--towers", "radio towers")


def _metres(km: float | None) -> float | None:
    return None if km is None else km * 1000.0
