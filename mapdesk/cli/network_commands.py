"""``mapdesk network``: its kinds on the command line, and which module runs each.

Kept light: the analysis modules (geopandas, networkx) are imported only
when a network command runs, not for every ``mapdesk`` start.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO


def add_network_commands(commands: Any) -> None:
    """The ``network`` command and its kinds, on the main parser's subcommands."""
    network = commands.add_parser(
        "network",
        help="the city network: what a cut span takes down, what a node reaches; new layers",
    )
    tasks = network.add_subparsers(dest="network_kind", metavar="KIND", required=True)
    cut = tasks.add_parser(
        "cut-impact", help="the sites, towers and 9-1-1 centre that lose their path to the core"
    )
    cut.add_argument("network", help="a GeoPackage with network_nodes and fibre_spans layers")
    cut.add_argument(
        "--span", action="append", required=True, metavar="ID", help="a span cut (repeatable)"
    )
    trace = tasks.add_parser(
        "trace", help="every node, span, site and tower a node reaches through the spans in service"
    )
    trace.add_argument("network", help="a GeoPackage with network_nodes and fibre_spans layers")
    trace.add_argument("--node", required=True, metavar="ID", help="the node traced from")
    trace.add_argument(
        "--cut",
        action="extend",
        nargs="+",
        default=[],
        metavar="ID",
        help="spans taken as cut (several after one --cut, or --cut repeated)",
    )
    trace.add_argument("--json", action="store_true", help="machine-readable output")
    create = tasks.add_parser(
        "create",
        help="empty network node and span layers, with coded type and status, in a GeoPackage",
    )
    create.add_argument("output", help="the GeoPackage (new, or one whose other layers stay)")
    create.add_argument(
        "--crs", default="EPSG:26919", help="the layers' CRS (default EPSG:26919, UTM 19N)"
    )
    create.add_argument("--nodes", default="network_nodes", help="node layer name")
    create.add_argument("--spans", default="fibre_spans", help="span layer name")
    create.add_argument(
        "--replace", action="store_true", help="replace layers of those names in the file"
    )


def run_network(parsed: argparse.Namespace, out: TextIO) -> int:
    """Run the ``network`` kind asked for; the exit status."""
    if parsed.network_kind == "create":
        from mapdesk.cli.network_create import run_create

        return run_create(
            Path(parsed.output), parsed.crs, parsed.nodes, parsed.spans, parsed.replace, out
        )
    from mapdesk.cli.network import run_cut_impact, run_trace

    if parsed.network_kind == "trace":
        return run_trace(Path(parsed.network), parsed.node, parsed.cut, out, as_json=parsed.json)
    return run_cut_impact(Path(parsed.network), parsed.span, out)
