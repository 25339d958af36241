"""``mapdesk postgis upload``: a local layer into a new PostGIS table; ``server-sql``.

The table gets typed columns, the layer's CRS as its SRID, a primary key and
a spatial index, in one transaction (see :mod:`mapdesk.io.postgis.upload`).
An existing table is never overwritten unless ``--replace`` is given. Exit
status 0 when the table was created, 2 when the layer, the address or the
database said no (nothing is left behind then).

``mapdesk postgis server-sql city_server`` prints the set-up script for the
city's shared server (team roles, schemas, grants; docs/postgis-server.md),
so a DBA gets the script that matches the installed mapdesk.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from mapdesk.core.errors import MapdeskError

#: The shipped SQL scripts for the city's server (mapdesk/resources/postgis).
SERVER_SCRIPTS = ("city_server", "city_add_person")


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
    script = actions.add_parser(
        "server-sql",
        help="print a set-up script for the city's shared server (roles, schemas, grants)",
        description="Print one of the SQL scripts a DBA runs with psql on the city's PostGIS "
        "server: city_server (team roles, schemas, grants; re-runnable) or city_add_person "
        "(a login in a team). See docs/postgis-server.md.",
    )
    script.add_argument("script", choices=SERVER_SCRIPTS, help="which script")


def run_postgis(parsed: argparse.Namespace, out: TextIO) -> int:
    """Run ``postgis upload`` or ``postgis server-sql``; the exit status."""
    if parsed.postgis_command == "server-sql":
        out.write(server_script(parsed.script))
        return 0
    from mapdesk.cli.common import progress
    from mapdesk.core.data_uri import is_uri
    from mapdesk.io.loader import load_user_layer
    from mapdesk.io.postgis.upload import default_table_name, upload_layer
    from mapdesk.io.postgis.uri import PostgisUri, TableName

    if not is_uri(parsed.uri):
        raise MapdeskError(f"{parsed.uri}: not a postgresql:// address")
    progress(f"reading {Path(parsed.source).name}")
    layer = load_user_layer(parsed.source, parsed.layer)
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


def server_script(name: str) -> str:
    """The text of the shipped SQL script ``name`` (one of :data:`SERVER_SCRIPTS`)."""
    from importlib.resources import files

    return files("mapdesk.resources").joinpath(f"postgis/{name}.sql").read_text("utf-8")
