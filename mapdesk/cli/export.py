"""``mapdesk export``: layers and maps to files for others, headless.

``vector`` writes one layer (with the pre-export check's notes on stderr);
``map`` lays a project out on a page as a PDF or PNG; ``web`` writes a
self-contained web map (HTML) that is safe to publish; ``qgis`` writes the
project as a QGIS project (.qgz or .qgs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapdesk.cli.common import progress, project_for
from mapdesk.core.data_uri import is_uri, without_password
from mapdesk.core.errors import EncodingUncertainError

if TYPE_CHECKING:
    from mapdesk.export.plan import ExportPlan

_PROJECT_HELP = "a .mapdesk project, or data files (all their layers); none = the demo"


def add_export_commands(commands: Any) -> None:
    """The ``export`` command and its kinds, on the main parser's subcommands."""
    export = commands.add_parser("export", help="write layers and maps to files, headless")
    kinds = export.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    vector = kinds.add_parser(
        "vector", help="one layer to GeoPackage, Shapefile, GeoJSON, KML, FlatGeobuf, ..."
    )
    vector.add_argument(
        "source", help="the data file holding the layer, or a postgresql:// table address"
    )
    vector.add_argument(
        "-o", "--output", required=True, help="the file to write; its extension picks the format"
    )
    vector.add_argument("--crs", help="reproject to this CRS (e.g. EPSG:2802); default: as is")
    vector.add_argument("--layer", help="the layer, when the source holds several")
    vector.add_argument(
        "--encoding",
        metavar="CODEC",
        help="a shapefile's text encoding (e.g. cp1252, utf-8, gbk) when mapdesk cannot tell",
    )
    _add_map_command(kinds)
    _add_web_command(kinds)
    qgis = kinds.add_parser("qgis", help="the project as a QGIS 3.22+ project (.qgz or .qgs)")
    qgis.add_argument("paths", nargs="*", metavar="PROJECT", help=_PROJECT_HELP)
    qgis.add_argument("-o", "--output", required=True, help="the .qgz (or .qgs) file to write")


def _add_map_command(kinds: Any) -> None:
    layout = kinds.add_parser(
        "map", help="a printed map: title, map, legend, scale bar, north arrow, footer"
    )
    layout.add_argument("paths", nargs="*", metavar="PROJECT", help=_PROJECT_HELP)
    layout.add_argument(
        "-o", "--output", required=True, help="OUT.pdf (vector, every page) or OUT.png"
    )
    layout.add_argument("--title", default="", help="the title line (default: the project name)")
    layout.add_argument(
        "--page",
        default="letter",
        help="letter, tabloid, a4 or a3, with -portrait or -landscape (default letter-landscape)",
    )
    layout.add_argument("--dpi", type=int, default=150, help="PNG resolution, 36-600 (150)")
    layout.add_argument(
        "--units", choices=("imperial", "metric"), default="imperial", help="scale bar units"
    )
    layout.add_argument("--source", default="", help="the footer's source line")
    layout.add_argument("--no-legend", action="store_true", help="leave the legend out")
    layout.add_argument("--series", metavar="LAYER", help="one page per feature of LAYER")
    layout.add_argument("--series-label", metavar="FIELD", help="the field naming each page")


def _add_web_command(kinds: Any) -> None:
    web = kinds.add_parser(
        "web", help="a web map (HTML) of the visible layers, escaped and safe to publish"
    )
    web.add_argument("paths", nargs="*", metavar="PROJECT", help=_PROJECT_HELP)
    web.add_argument("-o", "--output", required=True, help="the .html file to write")
    web.add_argument("--title", default="", help="the page title (default: the project name)")
    web.add_argument(
        "--popup",
        action="append",
        default=[],
        metavar="LAYER=F1,F2",
        help="fields a layer's popups show (repeat per layer; LAYER= shows none)",
    )
    web.add_argument(
        "--tooltip", action="append", default=[], metavar="LAYER=F1,F2", help="tooltip fields"
    )
    web.add_argument(
        "--include-sensitive",
        action="store_true",
        help="keep layers and fields with personal data (left out by default)",
    )
    web.add_argument("--basemap", default="OpenStreetMap", help="OpenStreetMap or none")
    web.add_argument(
        "--cluster-threshold",
        type=int,
        default=2000,
        metavar="N",
        help="cluster point layers with more than N features (0: never)",
    )


def run_export(parsed: argparse.Namespace) -> int:
    """Run the ``export`` kind the user chose."""
    if parsed.export_kind == "map":
        return run_export_map(parsed)
    if parsed.export_kind == "web":
        return run_export_web(parsed)
    if parsed.export_kind == "qgis":
        return run_export_qgis(parsed)
    return run_export_vector(
        parsed.source, Path(parsed.output), parsed.crs, parsed.layer, parsed.encoding
    )


def _source_file(path: str | None) -> Path | None:
    """The file a layer was read from (a database layer has none to protect)."""
    return Path(path) if path is not None and not is_uri(path) else None


def run_export_vector(
    source: str, output: Path, crs: str | None, layer: str | None, encoding: str | None = None
) -> int:
    """Export one layer; the pre-export check's notes and the steps go to stderr.

    ``encoding``: a shapefile's text encoding; when it is needed and missing,
    the error names the candidates and the option to pass.
    """
    from mapdesk.core.crs import parse_crs
    from mapdesk.export.formats import format_for
    from mapdesk.export.vector import export_vector
    from mapdesk.io.loader import load_user_layer

    format_for(output)  # a bad extension or CRS fails before any reading
    if crs is not None:
        parse_crs(crs)
    progress(f"reading {without_password(source) if is_uri(source) else source}")
    try:
        read = load_user_layer(source, layer, encoding=encoding)
    except EncodingUncertainError as exc:
        codecs = ", ".join(choice.codec for choice in exc.candidates) or "utf-8"
        raise EncodingUncertainError(
            f"{exc} — run again with --encoding CODEC, one of: {codecs}",
            exc.file_name,
            exc.gdal_encoding,
            exc.candidates,
        ) from None
    frame = read.data
    result = export_vector(
        frame,
        output,
        crs=crs,
        field_types=frame.attrs.get("field_types"),
        layer_name=read.name,
        source=_source_file(read.origin.path if read.origin is not None else None),
        field_rules=frame.attrs.get("field_rules"),
        progress=progress,
        on_plan=_print_notes,
    )
    for warning in result.warnings:
        print(f"mapdesk: warning: {warning}", file=sys.stderr)
    extra = "".join(f", {p.name}" for p in result.side_files)
    print(f"Wrote {result.features:,} features to {result.path}{extra}")
    return 0


def run_export_map(parsed: argparse.Namespace) -> int:
    """Lay the project out and write the PDF or PNG(s)."""
    from mapdesk.export.layout.page import parse_page
    from mapdesk.export.map_layout import MapLayoutOptions, check_map_target, export_map

    output = check_map_target(Path(parsed.output))  # fails before any reading
    options = MapLayoutOptions(
        title=parsed.title,
        page=parse_page(parsed.page),
        dpi=parsed.dpi,
        units=parsed.units,
        source=parsed.source,
        legend=not parsed.no_legend,
        series_layer=parsed.series,
        series_label=parsed.series_label,
    )
    progress("reading " + (", ".join(parsed.paths) or "the demo"))
    result = export_map(project_for(parsed.paths), output, options, progress=progress)
    for warning in result.warnings:
        print(f"mapdesk: warning: {warning}", file=sys.stderr)
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    names = ", ".join(str(path) for path in result.paths[:3])
    more = f" and {len(result.paths) - 3} more" if len(result.paths) > 3 else ""
    print(f"Wrote {pages}: {names}{more}")
    return 0


def run_export_web(parsed: argparse.Namespace) -> int:
    """Write the web map; what was left out, and why, goes to stderr."""
    from mapdesk.export.web import WebMapOptions, export_web_map

    options = WebMapOptions(
        title=parsed.title,
        popup_fields=_fields_by_layer(parsed.popup, "--popup"),
        tooltip_fields=_fields_by_layer(parsed.tooltip, "--tooltip"),
        include_sensitive=parsed.include_sensitive,
        cluster_threshold=parsed.cluster_threshold or None,
        basemap=None if parsed.basemap.lower() == "none" else parsed.basemap,
    )
    progress("reading " + (", ".join(parsed.paths) or "the demo"))
    result = export_web_map(
        project_for(parsed.paths), Path(parsed.output), options, progress=progress
    )
    for item in result.left_out:
        print(f"mapdesk: note: left out {item}", file=sys.stderr)
    for warning in result.warnings:
        print(f"mapdesk: warning: {warning}", file=sys.stderr)
    size = result.size / 1_000_000
    layers = len(result.layers)
    print(f"Wrote {result.path} ({size:.1f} MB, {layers} layers, {result.features:,} features)")
    return 0


def run_export_qgis(parsed: argparse.Namespace) -> int:
    """Write the QGIS project; what does not come across goes to stderr."""
    from mapdesk.export.qgis import export_qgis_project

    progress("reading " + (", ".join(parsed.paths) or "the demo"))
    result = export_qgis_project(project_for(parsed.paths), Path(parsed.output), progress)
    for warning in result.warnings:
        print(f"mapdesk: warning: {warning}", file=sys.stderr)
    layers = len(result.layers)
    print(f"Wrote {result.path} ({layers} layer{'s' if layers != 1 else ''})")
    return 0


def _fields_by_layer(choices: list[str], option: str) -> dict[str, list[str]]:
    """``LAYER=F1,F2`` choices as {layer: [fields]}."""
    from mapdesk.core.errors import MapdeskError

    chosen: dict[str, list[str]] = {}
    for choice in choices:
        layer, sep, fields = choice.partition("=")
        if not sep or not layer.strip():
            raise MapdeskError(f"{option} '{choice}' is not LAYER=FIELD1,FIELD2")
        chosen[layer.strip()] = [name.strip() for name in fields.split(",") if name.strip()]
    return chosen


def _print_notes(plan: ExportPlan) -> None:
    for issue in plan.issues:
        print(f"mapdesk: note: {issue.message}", file=sys.stderr)
