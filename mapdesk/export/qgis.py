"""Exporting a mapdesk project as a QGIS project (``.qgz``, or plain ``.qgs``).

The project QGIS 3.22+ opens shows the same layers, in the same order (top of
the layer panel first), checked as they were visible, in the same CRS and
map extent, drawn with the same single-symbol, categorized or graduated
styles. Layers are referenced, never copied: each points at its file through
QGIS's OGR provider, relative to the project file when possible (QGIS's
"relative paths" setting), so the project and its data can move together.

What QGIS cannot be given (a layer only in memory, a layer whose file is
missing, a CSV layer, labels) is listed in the result's warnings; nothing is
left out silently. The file is written atomically: a failed export leaves any
earlier file of that name unchanged.
"""

from __future__ import annotations

import io
import os
import re
import warnings as python_warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from mapdesk.core.data_uri import is_uri
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.symbology import symbology_field
from mapdesk.core.view import Extent
from mapdesk.export.files import _replace_atomically
from mapdesk.export.formats import ExportError
from mapdesk.export.qgis_symbols import number, renderer_element, symbol_type

Progress = Callable[[str], None]
#: The QGIS version the written project says it comes from (the oldest that opens it).
QGIS_VERSION = "3.22.0-Białowieża"
SUFFIXES = (".qgz", ".qgs")
#: Readers whose files QGIS's OGR provider cannot open as mapdesk reads them
#: (mapdesk finds a CSV's coordinate columns itself; GeoParquet needs a GDAL
#: built with Arrow).
_NOT_OGR = {"csv": "CSV", "geoparquet": "GeoParquet"}
_GEOMETRY = {"marker": "Point", "line": "Line", "fill": "Polygon"}


@dataclass(frozen=True)
class QgisExportResult:
    """What an export wrote: the project file, the layers in it (top first), and
    warnings about what QGIS could not be given."""

    path: Path
    layers: tuple[str, ...]
    warnings: tuple[str, ...]


def export_qgis_project(
    project: Project, path: Path, progress: Progress | None = None
) -> QgisExportResult:
    """Write ``project`` as a QGIS project: ``.qgz`` (zipped) or ``.qgs`` (plain XML).

    Parameters
    ----------
    project
        The mapdesk project; its layers' files are referenced, not copied.
    path
        The file to write; its suffix chooses ``.qgz`` or ``.qgs``. An existing
        file is replaced atomically.
    progress
        Told each step, for a status line or a progress dialog.

    Raises
    ------
    ExportError
        For another suffix, a missing folder, or a file that cannot be
        written (the message names it); nothing is changed then.
    """
    path = Path(path)
    report = progress or (lambda step: None)
    if path.suffix.lower() not in SUFFIXES:
        raise ExportError(f"{path.name}: a QGIS project is a .qgz or .qgs file; use one of those")
    if not path.parent.is_dir():
        raise ExportError(f"Cannot export to {path}: the folder {path.parent} does not exist")
    warnings: list[str] = []
    root, written = project_element(project, path, warnings, report)
    report(f"writing {path.name}")
    document = project_xml(root)
    _replace_atomically(path, lambda temp: _write(temp, path, document))
    return QgisExportResult(path, tuple(written), tuple(warnings))


def project_xml(root: ET.Element) -> bytes:
    """The bytes of a ``.qgs`` file: QGIS's doctype, then the indented document."""
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{body}\n".encode()


def _write(temp: Path, path: Path, document: bytes) -> None:
    if path.suffix.lower() == ".qgs":
        temp.write_bytes(document)
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{path.stem}.qgs", document)
    temp.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(temp) as check:  # read back before it replaces anything
        if check.testzip() is not None or check.read(f"{path.stem}.qgs") != document:
            raise ExportError("the archive read back differently from what was written")


def project_element(
    project: Project, path: Path, warnings: list[str], progress: Progress
) -> tuple[ET.Element, list[str]]:
    """The ``<qgis>`` document of ``project`` saved at ``path``, and the layers in it."""
    base = path.parent.resolve()
    root = ET.Element("qgis", {"projectname": path.stem, "version": QGIS_VERSION})
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = path.stem
    if project.crs is not None:
        ET.SubElement(root, "projectCrs").append(spatialrefsys(project.crs))
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    layers = ET.SubElement(root, "projectlayers")
    written: list[tuple[str, str]] = []
    for layer in project.layers:  # top of the panel first, as QGIS's layer tree
        progress(f"describing layer {layer.name}")
        source, problem = datasource(layer, base)
        if problem is not None:
            warnings.append(f"Layer '{layer.name}' is not in the QGIS project: {problem}")
            continue
        layer_id = qgis_layer_id(layer)
        tree.append(_tree_layer(layer, layer_id, source))
        layers.append(_map_layer(layer, layer_id, source, warnings))
        written.append((layer_id, layer.name))
    order = ET.SubElement(tree, "custom-order", {"enabled": "0"})
    for layer_id, _ in written:
        ET.SubElement(order, "item").text = layer_id
    _canvas(root, project)
    layer_order = ET.SubElement(root, "layerorder")
    for layer_id, _ in written:
        ET.SubElement(layer_order, "layer", {"id": layer_id})
    root.append(_properties(project.background))
    return root, [name for _, name in written]


# --- CRS and extent ------------------------------------------------------------------


def spatialrefsys(crs: CRS) -> ET.Element:
    """QGIS's description of a CRS: authority id, WKT and PROJ (QGIS reads the
    authority id or the WKT; the PROJ string is for older readers)."""
    element = ET.Element("spatialrefsys")
    authority = crs.to_authority(min_confidence=90)
    with python_warnings.catch_warnings():  # "you will lose information": it is a fallback
        python_warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4() or ""
    acronym = re.search(r"\+proj=(\S+)", proj4)
    ellipsoid = (crs.ellipsoid.to_json_dict().get("id") or {}) if crs.ellipsoid else {}
    values = {
        "wkt": crs.to_wkt("WKT2_2019"),
        "proj4": proj4,
        "srsid": "0",
        "srid": authority[1] if authority and authority[0] == "EPSG" else "0",
        "authid": ":".join(authority) if authority else "",
        "description": crs.name,
        "projectionacronym": acronym.group(1) if acronym else "",
        "ellipsoidacronym": f"{ellipsoid['authority']}:{ellipsoid['code']}" if ellipsoid else "",
        "geographicflag": "true" if crs.is_geographic else "false",
    }
    for tag, text in values.items():
        ET.SubElement(element, tag).text = text
    return element


def _map_units(crs: CRS | None) -> str:
    unit = (crs.axis_info[0].unit_name if crs is not None and crs.axis_info else "").lower()
    if "degree" in unit:
        return "degrees"
    if "foot" in unit or "feet" in unit:
        return "feet"
    return "meters" if "metre" in unit or "meter" in unit else "unknown"


def view_extent(project: Project) -> Extent | None:
    """The map area to open QGIS at: the current view, else the project's home extent."""
    return project.view.extent if project.view is not None else project.home_extent()


def _canvas(root: ET.Element, project: Project) -> None:
    extent = view_extent(project)
    if extent is None:
        return
    names = ("xmin", "ymin", "xmax", "ymax")
    canvas = ET.SubElement(root, "mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"})
    ET.SubElement(canvas, "units").text = _map_units(project.crs)
    box = ET.SubElement(canvas, "extent")
    for name, value in zip(names, extent, strict=True):
        ET.SubElement(box, name).text = number(value)
    ET.SubElement(canvas, "rotation").text = "0"
    settings = ET.SubElement(root, "ProjectViewSettings", {"UseProjectScales": "0"})
    ET.SubElement(settings, "Scales")
    default = ET.SubElement(
        settings,
        "DefaultViewExtent",
        {name: number(value) for name, value in zip(names, extent, strict=True)},
    )
    if project.crs is not None:
        ET.SubElement(canvas, "destinationsrs").append(spatialrefsys(project.crs))
        default.append(spatialrefsys(project.crs))


def _properties(background: str) -> ET.Element:
    properties = ET.Element("properties")
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", {"type": "bool"}).text = "false"
    gui = ET.SubElement(properties, "Gui")
    for part, offset in (("Red", 1), ("Green", 3), ("Blue", 5)):
        value = str(int(background[offset : offset + 2], 16))
        ET.SubElement(gui, f"CanvasColor{part}Part", {"type": "int"}).text = value
    # QGIS reads <projectCrs> only when this (once "on-the-fly reprojection") is set.
    crs = ET.SubElement(properties, "SpatialRefSys")
    ET.SubElement(crs, "ProjectionsEnabled", {"type": "int"}).text = "1"
    return properties


# --- layers ------------------------------------------------------------------------------


def qgis_layer_id(layer: VectorLayer) -> str:
    """A QGIS layer id: the name in letters, digits and underscores, then a unique tail."""
    stem = re.sub(r"\W", "_", layer.name, flags=re.ASCII)[:40]
    return f"{stem}_{layer.id}"


def qgis_path(file: Path, base: Path) -> str:
    """``file`` as QGIS writes a relative path (``./a.gpkg``, ``../data/a.gpkg``),
    or absolute when it is on another drive."""
    try:
        relative = Path(os.path.relpath(file, base)).as_posix()
    except ValueError:  # another drive on Windows
        return file.as_posix()
    return relative if relative.startswith("../") else f"./{relative}"


def datasource(layer: VectorLayer, base: Path) -> tuple[str, str | None]:
    """The OGR data source QGIS opens the layer with, or why there is none."""
    if layer.unavailable is not None:
        return "", f"its file could not be read when the project opened ({layer.unavailable})"
    origin = layer.origin
    if origin is None:
        return "", "it exists only in memory; export it to a file (GeoPackage) first"
    if is_uri(origin.path):
        return "", "PostGIS layers are not written to QGIS projects yet; export it to GeoPackage"
    if origin.reader in _NOT_OGR:
        kind = _NOT_OGR[origin.reader]
        return "", f"QGIS cannot open this {kind} file as mapdesk reads it; export it to GeoPackage"
    file = Path(origin.path).absolute()
    relative = qgis_path(file, base)
    if file.suffix.lower() == ".zip":
        return _zipped_datasource(file, relative, origin.layer)
    return (f"{relative}|layername={origin.layer}" if origin.layer else relative), None


def _zipped_datasource(file: Path, relative: str, layer: str | None) -> tuple[str, str | None]:
    """``/vsizip/`` to the shapefile member, or to the one GeoPackage (GeoJSON...)
    inside with its layer name: for those, the layer is a table, not a member."""
    from mapdesk.io.zipped import find_member, open_zip

    try:
        contents = open_zip(file)
        if contents.members:
            return f"/vsizip/{relative}/{find_member(file, contents, layer).name}", None
    except MapdeskError as exc:
        return "", f"its zip could not be read to find the layer ({exc})"
    inner = str(contents.inner_gdal_path).split(f"{file.as_posix()}/", 1)[-1]
    source = f"/vsizip/{relative}/{inner}"
    return (f"{source}|layername={layer}" if layer else source), None


def _tree_layer(layer: VectorLayer, layer_id: str, source: str) -> ET.Element:
    element = ET.Element(
        "layer-tree-layer",
        {
            "id": layer_id,
            "name": layer.name,
            "source": source,
            "providerKey": "ogr",
            "checked": "Qt::Checked" if layer.visible else "Qt::Unchecked",
            "expanded": "1",
        },
    )
    ET.SubElement(element, "customproperties")
    return element


def _map_layer(layer: VectorLayer, layer_id: str, source: str, warnings: list[str]) -> ET.Element:
    kind = symbol_type(layer.geometry_type)
    low, high = layer.scale_range
    element = ET.Element(
        "maplayer",
        {
            "type": "vector",
            "geometry": _GEOMETRY[kind],
            "wkbType": layer.geometry_type or "Unknown",
            "hasScaleBasedVisibilityFlag": "1" if (low or high) else "0",
            "minScale": number(low or 1e8),
            "maxScale": number(high),
            "labelsEnabled": "0",
            "readOnly": "0",
        },
    )
    ET.SubElement(element, "id").text = layer_id
    ET.SubElement(element, "datasource").text = source
    ET.SubElement(element, "layername").text = layer.name
    if layer.crs is not None:
        ET.SubElement(element, "srs").append(spatialrefsys(layer.crs))
    ET.SubElement(element, "provider", {"encoding": "UTF-8"}).text = "ogr"
    lost: list[str] = []
    element.append(renderer_element(layer.style, layer.symbology, kind, lost))
    ET.SubElement(element, "customproperties")
    ET.SubElement(element, "blendMode").text = "0"
    ET.SubElement(element, "featureBlendMode").text = "0"
    ET.SubElement(element, "layerOpacity").text = number(layer.opacity)
    warnings.extend(f"Layer '{layer.name}': {note}" for note in (*lost, *_not_exported(layer)))
    return element


def _not_exported(layer: VectorLayer) -> list[str]:
    notes = []
    if layer.labels is not None:
        notes.append("its labels are not exported (label it again in QGIS)")
    field = symbology_field(layer.symbology)
    if field is not None and field in layer.virtual_fields:
        notes.append(f"it is styled by the virtual field '{field}', which QGIS does not have")
    return notes
