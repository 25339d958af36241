"""The ``mapdesk`` command line: headless subcommands (info, render, export).

Without a subcommand, mapdesk starts the desktop app; the launcher in
``mapdesk.__main__`` passes that in as ``start_gui`` so this module never
imports the UI (the UI and the CLI are independent front ends).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from mapdesk import __version__
from mapdesk.core.crs import crs_label
from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.io.sources import LayerInfo

if TYPE_CHECKING:
    from mapdesk.export.plan import ExportPlan

GuiStarter = Callable[[list[str]], int]

#: Exit status for errors the user can fix (bad file, bad option).
EXIT_USAGE = 2

SUBCOMMANDS = ("info", "render", "export")


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus an error; a user gets one clear line instead."""

    def error(self, message: str) -> NoReturn:
        _fail(f"{message} (see: {self.prog} --help)")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="mapdesk",
        description="Desktop GIS for the City of Portland. Without a command, opens the app "
        "on the given files or project, or on the Greater Portland demo.",
        epilog="Commands: info PATH [--json]; render [PATH ...] -o OUT.png; "
        "export vector SRC -o OUT.ext [--crs EPSG:N] [--layer NAME]",
    )
    parser.add_argument("--version", action="version", version=f"mapdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = commands.add_parser("info", help="print layers, driver, CRS, count, extent, fields")
    info.add_argument("path", help="a data file (GeoPackage, Shapefile, zip, GeoJSON, ...)")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    render = commands.add_parser("render", help="draw layers (or the demo) to a PNG, headless")
    render.add_argument("paths", nargs="*", help="data files or a .mapdesk project; none = demo")
    render.add_argument("-o", "--output", required=True, help="the PNG file to write")
    render.add_argument("--width", type=_positive_int, default=1600, help="pixels (1600)")
    render.add_argument("--height", type=_positive_int, default=1000, help="pixels (1000)")
    export = commands.add_parser("export", help="write layers to files for others, headless")
    kinds = export.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    vector = kinds.add_parser(
        "vector", help="one layer to GeoPackage, Shapefile, GeoJSON, KML, FlatGeobuf, ..."
    )
    vector.add_argument("source", help="the data file holding the layer")
    vector.add_argument(
        "-o", "--output", required=True, help="the file to write; its extension picks the format"
    )
    vector.add_argument("--crs", help="reproject to this CRS (e.g. EPSG:2802); default: as is")
    vector.add_argument("--layer", help="the layer, when the source holds several")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 20000:
        raise argparse.ArgumentTypeError(f"{value} is outside 1-20000 pixels")
    return value


def main(argv: Sequence[str] | None = None, start_gui: GuiStarter | None = None) -> int:
    """Run the command line; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not _wants_subcommand(args):
        if start_gui is None:
            print("mapdesk: error: the desktop app is not available here", file=sys.stderr)
            return EXIT_USAGE
        return start_gui(args)
    parsed = build_parser().parse_args(args)
    try:
        if parsed.command == "info":
            return run_info(Path(parsed.path), as_json=parsed.json)
        if parsed.command == "export":
            return run_export_vector(parsed.source, Path(parsed.output), parsed.crs, parsed.layer)
        return run_render(parsed.paths, Path(parsed.output), parsed.width, parsed.height)
    except MapdeskError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except Exception as exc:  # the last resort: still one line, never a traceback
        return _fail(f"unexpected error: {type(exc).__name__}: {exc}")


def _wants_subcommand(args: list[str]) -> bool:
    if not args:
        return False
    return args[0] in SUBCOMMANDS or args[0] in ("-h", "--help", "--version")


def _fail(message: str) -> int:
    # One line, always: a message for a person, not a traceback.
    print(f"mapdesk: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USAGE


# --- info --------------------------------------------------------------------
def run_info(path: Path, as_json: bool = False, out: TextIO | None = None) -> int:
    """Print what a data file holds."""
    from mapdesk.io.registry import describe

    stream = out or sys.stdout
    infos = describe(path)
    if as_json:
        json.dump({"path": str(path), "layers": [_info_dict(i) for i in infos]}, stream, indent=2)
        stream.write("\n")
    else:
        stream.write(_info_text(path, infos))
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


def _info_text(path: Path, infos: list[LayerInfo]) -> str:
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

    project = _project_for(paths)
    if project.full_extent(visible_only=True) is None:
        raise MapdeskError("Nothing to draw: the layers given have no geometries")
    written = render_to_png(project, output, width=width, height=height)
    print(f"Wrote {written} ({width}x{height})")
    return 0


def _project_for(paths: list[str]) -> Project:
    if not paths:
        from mapdesk.io.demo import open_demo_project

        return open_demo_project()
    if len(paths) == 1 and paths[0].lower().endswith(".mapdesk"):
        return Project.open(paths[0])
    project = Project()
    for path in paths:
        project.add_layers(path)
    return project


# --- export ------------------------------------------------------------------
def run_export_vector(source: str, output: Path, crs: str | None, layer: str | None) -> int:
    """Export one layer; the pre-export check's notes and the steps go to stderr."""
    from mapdesk.core.crs import parse_crs
    from mapdesk.export.formats import format_for
    from mapdesk.export.vector import export_vector
    from mapdesk.io.loader import load_layer

    format_for(output)  # a bad extension or CRS fails before any reading
    if crs is not None:
        parse_crs(crs)
    _progress(f"reading {source}")
    read = load_layer(source, layer)
    frame = read.data
    result = export_vector(
        frame,
        output,
        crs=crs,
        field_types=frame.attrs.get("field_types"),
        layer_name=read.name,
        source=Path(read.origin.path) if read.origin is not None else None,
        progress=_progress,
        on_plan=_print_notes,
    )
    for warning in result.warnings:
        print(f"mapdesk: warning: {warning}", file=sys.stderr)
    extra = "".join(f", {p.name}" for p in result.side_files)
    print(f"Wrote {result.features:,} features to {result.path}{extra}")
    return 0


def _print_notes(plan: ExportPlan) -> None:
    for issue in plan.issues:
        print(f"mapdesk: note: {issue.message}", file=sys.stderr)


def _progress(step: str) -> None:
    print(f"mapdesk: {step} ...", file=sys.stderr, flush=True)
