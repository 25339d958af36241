"""Reading QGIS projects (``.qgs``, ``.qgz``) into mapdesk projects.

Two steps, so the caller can look before reading any data:

- :func:`read_qgis_project` parses the project file: layers (top first) with
  their files, visibility, opacity and styles, the project CRS and the saved
  map extent. It reads no features.
- :func:`open_qgis_project` reads the layers' files too and returns a mapdesk
  :class:`~mapdesk.core.project.Project` plus warnings for the user.

Only file-based vector layers (QGIS's ``ogr`` provider) become mapdesk layers.
A layer whose file is missing stays in the project as an unavailable layer (as
in a ``.mapdesk`` project), to be repaired; a database, web or raster layer is
left out with a warning that names it. Qt-free, like all of ``mapdesk.io``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_untrusted
from pyproj import CRS

from mapdesk.core.crs import parse_crs
from mapdesk.core.errors import CrsError, MapdeskError, ProjectFileError, UnsafeFileError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.serialize import apply_entry, unavailable_layer
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import Categorized, SingleSymbol, Symbology, symbology_to_dict
from mapdesk.core.view import Extent, ViewState
from mapdesk.io.archives import check_archive
from mapdesk.io.loader import load_layers
from mapdesk.io.qgis_project_symbols import read_renderer

#: The suffixes of QGIS project files.
QGIS_SUFFIXES = (".qgs", ".qgz")
_VSIZIP = "/vsizip/"


@dataclass(frozen=True)
class QgisLayer:
    """One layer of a QGIS project, as the project file describes it.

    Attributes
    ----------
    name
        The name in QGIS's layer panel.
    provider
        QGIS's data provider: ``"ogr"`` for files; others are not read.
    datasource
        The data source as written in the project.
    path
        The file it reads, made absolute (None when it is not a file).
    layer
        The layer inside the file (GeoPackage table, zip member), if any.
    visible
        Checked in QGIS's layer panel (and in every group above it).
    opacity
        The layer's opacity, 0-1.
    style, symbology
        Its symbol (None: mapdesk's default style) and its classes.
    scale_range
        (min_scale, max_scale) as mapdesk's ``VectorLayer.scale_range``.
    crs
        The layer's CRS as the project states it (used when the file has none).
    problem
        Why mapdesk cannot read this layer at all (None: it can try).
    """

    name: str
    provider: str
    datasource: str
    path: Path | None
    layer: str | None
    visible: bool = True
    opacity: float = 1.0
    style: LayerStyle | None = None
    symbology: Symbology = field(default_factory=SingleSymbol)
    scale_range: tuple[float, float] = (0.0, 0.0)
    crs: CRS | None = None
    problem: str | None = None
    layer_index: int | None = None


@dataclass(frozen=True)
class QgisProjectFile:
    """What a QGIS project file says: layers top first, the CRS and the extent."""

    path: Path
    crs: CRS | None
    extent: Extent | None
    layers: tuple[QgisLayer, ...]
    warnings: tuple[str, ...] = ()
    background: str | None = None


@dataclass(frozen=True)
class OpenedQgisProject:
    """A QGIS project opened as a mapdesk project, with what the user should know."""

    project: Project
    warnings: tuple[str, ...]


def is_qgis_project(path: str | os.PathLike[str]) -> bool:
    """True for a file name ending in ``.qgs`` or ``.qgz``."""
    return os.fspath(path).lower().endswith(QGIS_SUFFIXES)


def read_qgis_project(path: str | os.PathLike[str]) -> QgisProjectFile:
    """Parse a ``.qgs`` or ``.qgz`` file (no layer data is read).

    Relative data sources are resolved from the project file's folder, as
    QGIS does.

    Raises
    ------
    ProjectFileError
        If the file is missing, not a zip (``.qgz``), holds no ``.qgs``, or
        is not a QGIS project (damaged XML); the message names the file.
    UnsafeFileError
        If the ``.qgz`` is a hostile archive (see :mod:`mapdesk.io.archives`)
        or the XML declares entities or an external entity (XXE, billion laughs).
    """
    source = Path(path).expanduser().absolute()
    root = _project_root(source)
    warnings: list[str] = []
    crs = _crs(root.find("projectCrs/spatialrefsys"), warnings, "the project")
    layers = _layers(root, source.parent, warnings, crs)
    background = _background(root)
    return QgisProjectFile(source, crs, _extent(root), tuple(layers), tuple(warnings), background)


def open_qgis_project(path: str | os.PathLike[str]) -> OpenedQgisProject:
    """Open a QGIS project as a mapdesk project: layers read, styled, in QGIS's order.

    Raises
    ------
    ProjectFileError
        If the project file itself cannot be read (see :func:`read_qgis_project`).
        A layer that cannot be read never fails the project: it becomes an
        unavailable layer, or is left out, and a warning says which and why.
    """
    return project_from_qgis(read_qgis_project(path))


def project_from_qgis(described: QgisProjectFile) -> OpenedQgisProject:
    """Build the mapdesk project a parsed QGIS project describes (reads the layers)."""
    warnings = list(described.warnings)
    project = Project(crs=described.crs, loader=load_layers)
    notes: list[list[str]] = []
    for qgis_layer in reversed(described.layers):  # added bottom first: each goes on top
        notes.append(_add_layer(project, qgis_layer, described.path))
    warnings.extend(note for layer_notes in reversed(notes) for note in layer_notes)
    if described.background is not None:
        project.background = described.background
    if described.extent is not None:
        project.view = ViewState().fitted(described.extent, margin=0.0)
    return OpenedQgisProject(project, tuple(warnings))


# --- the project file ------------------------------------------------------------


def _project_root(path: Path) -> ET.Element:
    text = _project_bytes(path)
    try:
        # QGIS writes a DOCTYPE naming its DTD (never fetched), but no entities.
        root: ET.Element = parse_untrusted(text, forbid_dtd=False)
    except DefusedXmlException as exc:
        raise UnsafeFileError(
            f"{path}: refused, it was not read: its XML declares entities or refers to "
            f"external ones ({exc}), which a QGIS project never does; they can read files "
            "on this computer (XXE) or expand to gigabytes (billion laughs)"
        ) from exc
    except ET.ParseError as exc:
        raise ProjectFileError(f"{path}: not a readable QGIS project (damaged XML: {exc})") from exc
    if root.tag != "qgis":
        raise ProjectFileError(f"{path}: not a QGIS project (its root element is <{root.tag}>)")
    return root


#: A QGIS project is XML of kilobytes to a few megabytes; far more is not one
#: (a "zip bomb" would fill memory before the XML parser could say so).
MAX_PROJECT_BYTES = 200_000_000
_MAX_RATIO = 200


def _refuse_a_bomb(path: Path, info: zipfile.ZipInfo, size: int | None = None) -> None:
    unpacked = info.file_size if size is None else size
    ratio = unpacked / max(info.compress_size, 1)
    if unpacked > MAX_PROJECT_BYTES or (unpacked > 10_000_000 and ratio > _MAX_RATIO):
        raise ProjectFileError(
            f"{path}: its project file {info.filename} unpacks to {unpacked / 1e6:,.0f} MB "
            f"from {info.compress_size / 1e6:,.1f} MB; that is not a QGIS project, and it "
            "was not opened"
        )


def _project_bytes(path: Path) -> bytes:
    try:
        if path.suffix.lower() != ".qgz":
            return path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            found = [i for i in archive.infolist() if i.filename.lower().endswith(".qgs")]
            if not found:
                raise ProjectFileError(f"{path}: this .qgz holds no QGIS project (.qgs) file")
            _refuse_a_bomb(path, found[0])
            check_archive(path)  # zip slip, links, duplicates, other bombs: refused unread
            with archive.open(found[0]) as member:
                # The declared size may lie: never read more than the limit.
                data = member.read(MAX_PROJECT_BYTES + 1)
            if len(data) > MAX_PROJECT_BYTES:
                _refuse_a_bomb(path, found[0], len(data))
            return data
    except FileNotFoundError as exc:
        raise ProjectFileError(f"{path}: project file not found") from exc
    except zipfile.BadZipFile as exc:
        raise ProjectFileError(
            f"{path}: not a valid .qgz (a .qgz is a zip archive; this one is damaged or "
            "another kind of file)"
        ) from exc
    except OSError as exc:
        raise ProjectFileError(f"{path}: could not be read ({exc.strerror or exc})") from exc


def _crs(element: ET.Element | None, warnings: list[str], whose: str) -> CRS | None:
    """A ``spatialrefsys``: by its authority code when it has one, else its WKT or PROJ."""
    if element is None:
        return None
    authid = (element.findtext("authid") or "").strip()
    candidates = [authid] if authid and not authid.upper().startswith("USER:") else []
    candidates += [(element.findtext(tag) or "").strip() for tag in ("wkt", "proj4")]
    for candidate in filter(None, candidates):
        try:
            return parse_crs(candidate)
        except CrsError:
            continue
    if any(candidates):
        warnings.append(f"The CRS of {whose} ({authid or 'custom'}) is not one mapdesk knows")
    return None


def _extent(root: ET.Element) -> Extent | None:
    """The map extent QGIS last showed (its canvas), or the project's default view."""
    canvas = root.find("mapcanvas/extent")
    if canvas is not None:
        values = [canvas.findtext(k) for k in ("xmin", "ymin", "xmax", "ymax")]
    else:
        view = root.find("ProjectViewSettings/DefaultViewExtent")
        if view is None:
            return None
        values = [view.get(k) for k in ("xmin", "ymin", "xmax", "ymax")]
    try:
        xmin, ymin, xmax, ymax = (float(v or "nan") for v in values)
    except ValueError:
        return None
    if not (xmin < xmax and ymin < ymax):  # also false for NaN
        return None
    return (xmin, ymin, xmax, ymax)


def _background(root: ET.Element) -> str | None:
    """The map background colour (QGIS's canvas colour), ``#rrggbb``."""
    parts = [root.findtext(f"properties/Gui/CanvasColor{p}Part") for p in ("Red", "Green", "Blue")]
    try:
        values = [min(max(int(p or ""), 0), 255) for p in parts]
    except ValueError:
        return None
    return "#" + "".join(f"{v:02x}" for v in values)


# --- layers ------------------------------------------------------------------------


def _tree_layers(root: ET.Element) -> list[tuple[str, bool]]:
    """(layer id, visible) top first, through groups; a layer in an unchecked group is hidden."""
    found: list[tuple[str, bool]] = []

    def walk(group: ET.Element, shown: bool) -> None:
        for child in group:
            checked = child.get("checked", "Qt::Checked") != "Qt::Unchecked"
            if child.tag == "layer-tree-layer":
                found.append((child.get("id", ""), shown and checked))
            elif child.tag == "layer-tree-group":
                walk(child, shown and checked)

    tree = root.find("layer-tree-group")
    if tree is not None:
        walk(tree, True)
        order = tree.find("custom-order")
        if order is not None and order.get("enabled") == "1":
            # mapdesk has one order: the drawing order QGIS used wins.
            visible = dict(found)
            ids = [item.text or "" for item in order.findall("item")]
            found = [(i, visible.get(i, True)) for i in ids if i in visible]
    return found


def _layers(
    root: ET.Element, base: Path, warnings: list[str], map_crs: CRS | None
) -> list[QgisLayer]:
    elements = {e.findtext("id", ""): e for e in root.findall("projectlayers/maplayer")}
    order = _tree_layers(root) or [(i, True) for i in elements]
    layers = []
    for layer_id, visible in order:
        element = elements.get(layer_id)
        if element is not None:
            layers.append(_layer(element, visible, base, warnings, map_crs))
    return layers


def _layer(
    element: ET.Element, visible: bool, base: Path, warnings: list[str], map_crs: CRS | None
) -> QgisLayer:
    name = element.findtext("layername") or element.findtext("id") or "layer"
    provider = (element.findtext("provider") or "").strip()
    datasource = element.findtext("datasource") or ""
    layer = QgisLayer(name, provider, datasource, None, None, visible=visible)
    if element.get("type", "vector") != "vector":
        return _problem(layer, f"a {element.get('type')} layer (mapdesk reads vector layers)")
    if provider != "ogr":
        return _problem(layer, f"its data comes from QGIS's '{provider}' provider, not a file")
    path, sublayer, index, notes = parse_ogr_source(datasource, base)
    read = read_renderer(element.find("renderer-v2"), map_crs)
    warnings.extend(f"Layer '{name}': {note}" for note in (*notes, *read.warnings))
    return replace(
        layer,
        path=path,
        layer=sublayer,
        layer_index=index,
        opacity=_float(element.findtext("layerOpacity"), 1.0, 0.0, 1.0),
        style=read.style,
        symbology=read.symbology,
        scale_range=_scale_range(element),
        crs=_crs(element.find("srs/spatialrefsys"), warnings, f"layer '{name}'"),
    )


def _problem(layer: QgisLayer, why: str) -> QgisLayer:
    return replace(layer, problem=why)


def _float(text: str | None, default: float, low: float, high: float) -> float:
    try:
        value = float(text) if text is not None else default
    except ValueError:
        return default
    return min(max(value, low), high) if value == value else default


def _scale_range(element: ET.Element) -> tuple[float, float]:
    if element.get("hasScaleBasedVisibilityFlag") != "1":
        return (0.0, 0.0)
    low = _float(element.get("minScale"), 0.0, 0.0, float("inf"))
    high = _float(element.get("maxScale"), 0.0, 0.0, float("inf"))
    return (low, high) if not (low and high and high > low) else (0.0, 0.0)


def parse_ogr_source(text: str, base: Path) -> tuple[Path, str | None, int | None, list[str]]:
    """An OGR data source (``path|layername=x``, ``/vsizip/a.zip/b.shp``) as
    (absolute file, layer in it, layer number, notes about what is ignored)."""
    head, *options = text.split("|")
    values = dict(o.split("=", 1) for o in options if "=" in o)
    notes = []
    if values.get("subset"):
        notes.append(f"its filter ({values['subset']}) is not applied: every feature is shown")
    member = None
    if head.startswith(_VSIZIP) and ".zip/" in head.lower():
        cut = head.lower().index(".zip/") + len(".zip")
        head, member = head[len(_VSIZIP) : cut], head[cut + 1 :]
    path = resolve_path(head, base)
    sublayer = values.get("layername") or member
    index = int(values["layerid"]) if values.get("layerid", "").isdigit() and not sublayer else None
    return path, sublayer, index, notes


def resolve_path(text: str, base: Path) -> Path:
    """A path from a QGIS project: relative ones (``./``, ``../``) from the project's folder."""
    if text.startswith("file://"):
        text = text[len("file://") :]
    path = Path(text)
    return path if path.is_absolute() else Path(os.path.normpath(base / path))


# --- building the mapdesk project ----------------------------------------------------


def _add_layer(project: Project, described: QgisLayer, path: Path) -> list[str]:
    """Add one layer on top of ``project``; what the user should know about it."""
    if described.problem is not None or described.path is None:
        return [f"Layer '{described.name}' is left out: {described.problem}"]
    sublayer = described.layer
    try:
        if described.layer_index is not None:
            sublayer = _nth_layer(described.path, described.layer_index)
        layer = project.add_layer(described.path, layer=sublayer)
    except MapdeskError as exc:
        # As for a .mapdesk project: one missing file must not cost the whole project.
        entry = {**_entry(described, None), "layer": sublayer}
        project.add_layer(unavailable_layer(entry, described.path, str(exc)))
        return [f"Layer '{described.name}' is unavailable: {exc}"]
    before = len(layer.warnings)
    apply_entry(layer, _entry(described, layer), path)
    return [f"Layer '{described.name}': {w}" for w in layer.warnings[before:]]


def _nth_layer(path: Path, index: int) -> str:
    from mapdesk.io.registry import list_layers

    names = [info.name for info in list_layers(str(path))]
    if index >= len(names):
        raise MapdeskError(f"{path.name} has no layer number {index}")
    return names[index]


def _entry(described: QgisLayer, layer: VectorLayer | None) -> dict[str, Any]:
    """The layer as a ``.mapdesk`` project entry, which ``apply_entry`` gives a layer."""
    symbology = described.symbology
    if layer is not None and isinstance(symbology, Categorized):
        symbology = typed_categories(symbology, layer.data)
    return {
        "path": str(described.path),
        "layer": described.layer,
        "name": described.name,
        "visible": described.visible,
        "opacity": described.opacity,
        "style": asdict(described.style) if described.style is not None else None,
        "symbology": symbology_to_dict(symbology),
        "scale_range": list(described.scale_range),
        "crs": described.crs.to_wkt() if described.crs is not None else None,
    }


def typed_categories(symbology: Categorized, frame: pd.DataFrame) -> Categorized:
    """Category values (text in a QGIS project) as values of the field's type."""
    if symbology.field not in frame.columns:
        return symbology  # applying it reports the missing field
    column = frame[symbology.field]
    categories = tuple(
        replace(c, value=_typed(c.value, column)) if isinstance(c.value, str) else c
        for c in symbology.categories
    )
    return replace(symbology, categories=categories)


def _typed(value: str, column: pd.Series) -> Any:
    dtype = column.dtype
    try:
        if pd.api.types.is_bool_dtype(dtype):
            return value.strip().lower() in ("true", "1")
        if pd.api.types.is_integer_dtype(dtype):
            number = float(value)
            return int(number) if number.is_integer() else number
        if pd.api.types.is_float_dtype(dtype):
            return float(value)
    except ValueError:
        return value
    return value
