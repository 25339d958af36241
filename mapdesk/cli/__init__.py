"""The ``mapdesk`` command line: headless subcommands (info, render, export, ...).

Without a subcommand, mapdesk starts the desktop app; the launcher in
``mapdesk.__main__`` passes that in as ``start_gui`` so this module never
imports the UI (the UI and the CLI are independent front ends).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from mapdesk import __version__
from mapdesk.cli.boundaries import add_boundary_commands, run_boundaries
from mapdesk.cli.common import EXIT_USAGE, fail, project_for
from mapdesk.cli.coverage import add_coverage_command, run_coverage
from mapdesk.cli.export import add_export_commands, run_export
from mapdesk.cli.incidents import add_incident_commands, run_incidents
from mapdesk.cli.nena import add_nena_commands, run_nena
from mapdesk.cli.network_commands import add_network_commands, run_network
from mapdesk.cli.postgis import add_postgis_commands, run_postgis
from mapdesk.cli.radio import add_radio_commands, run_radio
from mapdesk.cli.self_check import WindowCheck, run_self_check
from mapdesk.core.crs import crs_label
from mapdesk.core.data_uri import is_uri, without_password
from mapdesk.core.errors import MapdeskError
from mapdesk.core.source_text import non_file_reason
from mapdesk.io.sources import LayerInfo

GuiStarter = Callable[[list[str]], int]

SUBCOMMANDS = (
    "info",
    "render",
    "export",
    "incidents",
    "network",
    "nena",
    "radio-coverage",
    "boundaries",
    "coverage",
    "postgis",
    "self-check",
)


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus an error; a user gets one clear line instead."""

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see: {self.prog} --help)")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="mapdesk",
        description="Desktop GIS for the City of Portland. Without a command, opens the app "
        "on the given files or project, or on the Greater Portland demo.",
        epilog="Commands: info PATH [--json]; render [PATH ...] -o OUT.png; "
        "export vector SRC -o OUT.ext [--crs EPSG:N] [--layer NAME]; "
        "export map PROJECT -o OUT.pdf|OUT.png [--title T] [--page letter] [--dpi N]; "
        "export web PROJECT -o OUT.html; export qgis PROJECT -o OUT.qgz; "
        "incidents import SRC -o OUT.gpkg [--report R.json]; "
        "network cut-impact NETWORK.gpkg --span ID; "
        "network trace NETWORK.gpkg --node ID [--cut ID ...] [--json]; "
        "network create OUT.gpkg [--crs EPSG:N]; "
        "nena validate DATA.gpkg [--report R.json] [--html R.html] [--errors E.gpkg]; "
        "nena create OUT.gpkg [--layers L1,L2] [--crs EPSG:N]; "
        "nena import SRC --layer NENALAYER -o OUT.gpkg --agency ID [--mapping M.json]; "
        "radio-coverage DATA.gpkg -o OUT.gpkg [--report R.json] [--include-planned]; "
        "boundaries check DATA.gpkg -o OUT.gpkg [--report R.json] [--sliver-area M2]; "
        "coverage ROADS STATIONS --minutes 4,8 [--turnout 1.0] [--addresses ADDR] "
        "-o OUT.gpkg [--report R.json]; "
        "postgis upload LAYERFILE postgresql://USER@HOST/DB [--table S.T] [--replace]; "
        "postgis server-sql city_server|city_add_person; "
        "self-check [--json] [--gui]",
    )
    parser.add_argument("--version", action="version", version=f"mapdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = commands.add_parser("info", help="print layers, driver, CRS, count, extent, fields")
    info.add_argument(
        "path",
        help="a data file (GeoPackage, Shapefile, zip, GeoJSON, ...) or a PostGIS "
        "postgresql://user@host/db[?table=schema.name] address",
    )
    info.add_argument("--json", action="store_true", help="machine-readable output")
    render = commands.add_parser("render", help="draw layers (or the demo) to a PNG, headless")
    render.add_argument("paths", nargs="*", help="data files or a .mapdesk project; none = demo")
    render.add_argument("-o", "--output", required=True, help="the PNG file to write")
    render.add_argument("--width", type=_positive_int, default=1600, help="pixels (1600)")
    render.add_argument("--height", type=_positive_int, default=1000, help="pixels (1000)")
    add_export_commands(commands)
    add_incident_commands(commands)
    add_network_commands(commands)
    add_nena_commands(commands)
    add_radio_commands(commands)
    add_boundary_commands(commands)
    add_coverage_command(commands)
    add_postgis_commands(commands)
    check = commands.add_parser(
        "self-check", help="versions, data paths and checks that this installation works"
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument(
        "--gui",
        action="store_true",
        help="also open the main window on the demo, wait until the map is drawn, close it",
    )
    return parser


def _no_window_check() -> tuple[str, str]:
    return "", "the desktop app is not available here"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 20000:
        raise argparse.ArgumentTypeError(f"{value} is outside 1-20000 pixels")
    return value


def main(
    argv: Sequence[str] | None = None,
    start_gui: GuiStarter | None = None,
    check_window: WindowCheck | None = None,
) -> int:
    """Run the command line; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not _wants_subcommand(args):
        if start_gui is None:
            print("mapdesk: error: the desktop app is not available here", file=sys.stderr)
            return EXIT_USAGE
        return start_gui(args)
    parsed = build_parser().parse_args(args)
    _quiet_library_chatter()
    try:
        if parsed.command == "info":
            return run_info(_data_source(parsed.path), as_json=parsed.json)
        if parsed.command == "export":
            return run_export(parsed)
        if parsed.command == "incidents":
            return run_incidents(parsed)
        if parsed.command == "network":
            return run_network(parsed, sys.stdout)
        if parsed.command == "nena":
            return run_nena(parsed, sys.stdout)
        if parsed.command == "radio-coverage":
            return run_radio(parsed, sys.stdout)
        if parsed.command == "boundaries":
            return run_boundaries(parsed, sys.stdout)
        if parsed.command == "coverage":
            return run_coverage(parsed, sys.stdout)
        if parsed.command == "postgis":
            return run_postgis(parsed, sys.stdout)
        if parsed.command == "self-check":
            window = (check_window or _no_window_check) if parsed.gui else None
            return run_self_check(sys.stdout, as_json=parsed.json, check_window=window)
        return run_render(parsed.paths, Path(parsed.output), parsed.width, parsed.height)
    except MapdeskError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except Exception as exc:  # the last resort: still one line, never a traceback
        return fail(f"unexpected error: {type(exc).__name__}: {exc}")


def _quiet_library_chatter() -> None:
    """Library warnings (pyogrio's, GDAL's) go to the log, not between a
    command's progress lines and its one-line error; MAPDESK_DEBUG=1 shows them."""
    logging.captureWarnings(True)
    if not os.environ.get("MAPDESK_DEBUG"):
        chatter = logging.getLogger("py.warnings")
        chatter.addHandler(logging.NullHandler())
        chatter.propagate = False


def _wants_subcommand(args: list[str]) -> bool:
    if not args:
        return False
    return args[0] in SUBCOMMANDS or args[0] in ("-h", "--help", "--version")


# --- info --------------------------------------------------------------------
def _data_source(text: str) -> Path | str:
    """A file path, or a ``postgresql://`` address kept as text (a Path would mangle it).

    Text that is no path at all (a web address, pasted GeoJSON) is kept as
    typed too, so that its refusal quotes what the user gave.
    """
    return text if is_uri(text) or non_file_reason(text) is not None else Path(text)


def run_info(path: Path | str, as_json: bool = False, out: TextIO | None = None) -> int:
    """Print what a data file or PostGIS database/table holds."""
    from mapdesk.io.paths import user_source
    from mapdesk.io.sandbox import describe_user_file

    stream = out or sys.stdout
    infos = describe_user_file(user_source(path))
    shown = without_password(path) if isinstance(path, str) and is_uri(path) else str(path)
    if as_json:
        json.dump({"path": shown, "layers": [_info_dict(i) for i in infos]}, stream, indent=2)
        stream.write("\n")
    else:
        stream.write(_info_text(shown, infos))
    return 0


def _info_dict(info: LayerInfo) -> dict[str, Any]:
    epsg = info.crs.to_epsg(min_confidence=70) if info.crs is not None else None
    return {
        "name": info.name,
        "driver": info.driver,
        "geometry_type": info.geometry_type,
        "feature_count": info.feature_count,
        "crs": {"epsg": epsg, "name": info.crs.name} if info.crs is not None else None,
        "extent": list(info.extent) if info.extent is not None else None,
        "fields": [{"name": n, "type": t} for n, t in info.fields],
    }


def _info_text(path: str, infos: list[LayerInfo]) -> str:
    lines = [f"{path}: {len(infos)} layer{'s' if len(infos) != 1 else ''}"]
    for info in infos:
        count = "unknown" if info.feature_count is None else f"{info.feature_count:,}"
        lines.append(f"\nLayer: {info.name}")
        lines.append(f"  Driver: {info.driver}")
        lines.append(f"  Geometry: {info.geometry_type or 'none'}")
        lines.append(f"  Features: {count}")
        lines.append(f"  CRS: {crs_label(info.crs)}")
        if info.extent is not None:
            lines.append("  Extent: " + ", ".join(f"{v:.6g}" for v in info.extent))
        fields = ", ".join(f"{n} ({t})" for n, t in info.fields) or "none"
        lines.append(f"  Fields: {fields}")
    return "\n".join(lines) + "\n"


# --- render ------------------------------------------------------------------
def run_render(paths: list[str], output: Path, width: int, height: int) -> int:
    """Draw the given files (all their layers) or the demo to a PNG."""
    from mapdesk.render.image import render_to_png

    project = project_for(paths)
    if project.full_extent(visible_only=True) is None:
        raise MapdeskError("Nothing to draw: the layers given have no geometries")
    written = render_to_png(project, output, width=width, height=height)
    print(f"Wrote {written} ({width}x{height})")
    return 0
