"""``mapdesk postgis upload``: a local layer into a new PostGIS table.

The table gets typed columns, the layer's CRS as its SRID, a primary key and
a spatial index, in one transaction (see :mod:`mapdesk.io.postgis.upload`).
An existing table is never overwritten unless ``--replace`` is given. Exit
status 0 when the table was created, 2 when the layer, the address or the
database said no (nothing is left behind then).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from mapdesk.core.errors import MapdeskError


def add_postgis_commands(commands: Any) -> None:
    """The ``postgis`` command group, on the main parser's subcommands."""
    postgis = commands.add_parser("postgis", help="PostGIS: upload a layer to a new table")
    actions = postgis.add_subparsers(dest="postgis_command", metavar="ACTION", required=True)
    upload = actions.add_parser(
        "upload",
        help="create a PostGIS table from a layer (types, CRS, key, spatial index)",
        description="Create a table from a local layer, with typed columns, the layer's CRS "
        "(it needs an EPSG code), a primary key and a GIST index, in one transaction.",
    )
    upload.add_argument("source", metavar="LAYERFILE", help="the data file with the layer")
    upload.add_argument(
        "uri",
        metavar="URI",
        help="the database, e.g. postgresql://editor@gis/city[?table=schema.name]",
    )
    upload.add_argument("--layer", help="which layer of a multi-layer file")
    upload.add_argument(
        "--table", help="schema.name of the new table (default: the URI's table=, else the layer)"
    )
    upload.add_argument(
        "--replace", action="store_true", help="drop an existing table of that name first"
    )


def run_postgis(parsed: argparse.Namespace, out: TextIO) -> int:
    """Run ``postgis upload``; the exit status."""
    from mapdesk.cli.common import progress
    from mapdesk.core.data_uri import is_uri
    from mapdesk.io.loader import load_layer
    from mapdesk.io.postgis.upload import default_table_name, upload_layer
    from mapdesk.io.postgis.uri import PostgisUri, TableName

    if not is_uri(parsed.uri):
        raise MapdeskError(f"{parsed.uri}: not a postgresql:// address")
    progress(f"reading {Path(parsed.source).name}")
    layer = load_layer(parsed.source, parsed.layer)
    uri = PostgisUri.parse(parsed.uri)
    if parsed.table:
        table = TableName.parse(parsed.table)
    else:
        table = uri.table or TableName(None, default_table_name(layer.name))
    progress(f"uploading {len(layer.data):,} features to {table}")
    result = upload_layer(
        layer.data, parsed.uri, table=table, replace=parsed.replace, layer_name=layer.name
    )
    out.write(f"Created {result.table} ({result.rows:,} features): {result.uri}\n")
    for note in result.plan.notes:
        out.write(f"  note: {note}\n")
    return 0
