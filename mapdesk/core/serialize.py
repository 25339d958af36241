"""The versioned JSON project format (``.mapdesk``) with ordered migrations.

Layers are stored by reference (path relative to the project file, sub-layer
name), with their display state. Every old format version stays readable:
each migration lifts a document by one version.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapdesk.core.backups import back_up
from mapdesk.core.bookmarks import Bookmark
from mapdesk.core.data_uri import is_uri, without_password
from mapdesk.core.errors import MapdeskError, ProjectFileError
from mapdesk.core.labels import LabelSettings
from mapdesk.core.source_text import names_existing_file, non_file_reason
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import symbology_from_dict, symbology_to_dict
from mapdesk.core.view import ViewState
from mapdesk.core.virtual_fields import add_virtual_field

PROJECT_SUFFIX = ".mapdesk"
FORMAT_NAME = "mapdesk-project"
CURRENT_VERSION = 1

Document = dict[str, Any]
#: MIGRATIONS[n] lifts a version-n document to version n+1.
MIGRATIONS: dict[int, Callable[[Document], Document]] = {}

if TYPE_CHECKING:  # only for annotations: project.py imports this module lazily
    from mapdesk.core.project import Project


def project_to_document(project: Project, base: Path, leave_out_memory: bool = False) -> Document:
    """The JSON-ready description of a project, paths relative to ``base``.

    ``leave_out_memory``: omit the layers that exist only in memory (analysis
    results) instead of refusing to describe the project.
    """
    layers = [x for x in project.layers if not (leave_out_memory and x.origin is None)]
    return {
        "format": FORMAT_NAME,
        "version": CURRENT_VERSION,
        "crs": project.crs.to_wkt() if project.crs is not None else None,
        "background": project.background,
        "view": asdict(project.view) if project.view is not None else None,
        "layers": [_layer_entry(layer, base) for layer in layers],
        "bookmarks": [bookmark.to_dict() for bookmark in project.bookmarks],
    }


def _layer_entry(layer: Any, base: Path) -> Document:
    if layer.unavailable is not None and layer.saved_entry is not None:
        # Kept as it was saved (its style may name fields only its file has).
        state = {
            "name": layer.name,
            "visible": layer.visible,
            "opacity": layer.opacity,
            "sensitive": layer.sensitive,
        }
        return {**layer.saved_entry, "path": _relative(layer.origin.path, base), **state}
    if layer.origin is None:
        raise MapdeskError(
            f"Layer '{layer.name}' exists only in memory: export it to a file before saving "
            "the project"
        )
    return {
        "path": _relative(layer.origin.path, base),
        "layer": layer.origin.layer,
        **({"encoding": layer.origin.encoding} if layer.origin.encoding else {}),
        "name": layer.name,
        "visible": layer.visible,
        "opacity": layer.opacity,
        "sensitive": layer.sensitive,
        "style": asdict(layer.style),
        "symbology": symbology_to_dict(layer.symbology),
        "labels": asdict(layer.labels) if layer.labels is not None else None,
        "scale_range": list(layer.scale_range),
        "virtual_fields": dict(layer.virtual_fields),
        "crs": layer.crs.to_wkt() if layer.crs is not None else None,
    }


def _relative(path: str, base: Path) -> str:
    if is_uri(path):  # a database layer: its address, never a password
        return without_password(path)
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return path


def write_project(project: Project, path: Path, leave_out_memory: bool = False) -> None:
    """Write atomically: temp file in the same folder, fsync, rename, fsync dir."""
    document = project_to_document(project, path.parent.resolve(), leave_out_memory)
    back_up(path, [path])  # the version being replaced, in the user's backup folder
    try:
        write_text_atomically(path, json.dumps(document, indent=2, default=json_value))
    except OSError as exc:
        raise ProjectFileError(f"{path}: could not save the project ({exc.strerror})") from exc


def json_value(value: Any) -> Any:
    """Values JSON lacks, as a style keeps them: numpy numbers as numbers, dates
    (a category of a date field) as ISO text, which pandas compares with dates."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves the old file or the new
    one, never half of either: temp file beside it, fsync, rename, fsync the folder.

    Raises
    ------
    OSError
        If the folder cannot be written; the old file is then untouched.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_document(path: Path) -> Document:
    """Load and migrate a project document to the current version."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProjectFileError(f"{path}: project file not found") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectFileError(f"{path}: not a readable mapdesk project ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ProjectFileError(f"{path}: not a mapdesk project file")
    return migrate(document, path)


def migrate(document: Document, path: Path) -> Document:
    version = document.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"{path}: project version {version!r} is not valid")
    if version > CURRENT_VERSION:
        raise ProjectFileError(
            f"{path}: written by a newer mapdesk (format {version}); this one reads up to "
            f"{CURRENT_VERSION}"
        )
    while version < CURRENT_VERSION:
        document = MIGRATIONS[version](document)
        version += 1
    return document


def read_project(project: Project, path: Path) -> None:
    """Fill ``project`` from the project file at ``path``."""
    document = read_document(path)
    base = path.parent.resolve()
    if document.get("crs"):
        project.crs = document["crs"]
    project.background = document.get("background", "#ffffff")
    for entry in reversed(document.get("layers", [])):
        _restore_layer(project, entry, base, path)
    if document.get("view"):
        project.view = ViewState(**document["view"])
    for entry in document.get("bookmarks") or []:  # absent from older files
        try:
            project.bookmarks.append(Bookmark.from_dict(entry))
        except (MapdeskError, KeyError, TypeError, ValueError) as exc:
            raise ProjectFileError(f"{path}: a bookmark is damaged ({exc})") from exc
    project.path = path


def _restore_symbology(layer: Any, data: Document, path: Path) -> None:
    """Categories or classes as saved; if the data changed under them (a field
    gone), the layer keeps its single symbol and says why rather than failing."""
    try:
        layer.symbology = symbology_from_dict(data)
    except MapdeskError as exc:
        layer.warnings = (*layer.warnings, f"{path.name}: its style was not restored: {exc}")


def _restore_virtual_field(layer: Any, name: str, expression: str, path: Path) -> None:
    """Computed again from the data as it is now (before styles that may use it)."""
    try:
        add_virtual_field(layer, name, str(expression))
    except MapdeskError as exc:
        layer.warnings = (*layer.warnings, f"{path.name}: virtual field {name} not computed: {exc}")


def _restore_labels(layer: Any, data: Document, path: Path) -> None:
    try:
        layer.labels = LabelSettings(**data)
    except (MapdeskError, TypeError) as exc:
        layer.warnings = (*layer.warnings, f"{path.name}: its labels were not restored: {exc}")


def _restore_layer(project: Project, entry: Document, base: Path, path: Path) -> None:
    source = entry_source(entry, base)
    try:
        layer = project.add_layer(source, layer=entry.get("layer"), encoding=entry.get("encoding"))
    except MapdeskError as exc:
        # One missing or damaged file must not cost the whole project: the
        # layer stays, flagged, with everything saved about it, until the
        # user repairs its source (or removes it).
        project.add_layer(unavailable_layer(entry, source, str(exc)))
        return
    apply_entry(layer, entry, path)


def entry_source(entry: Document, base: Path) -> Path | str:
    """The data file a layer entry points at (relative paths from the project's folder),
    or the address of a database layer as saved.

    Text that is no file path (a web address, inline GeoJSON, a GDAL
    connection string) is kept as written, so that reading it is refused with
    a message that quotes it rather than "file not found" for a joined path.
    """
    text = str(entry["path"])
    if is_uri(text):
        return text
    source = Path(text)
    if not source.is_absolute():
        source = base / source
    if names_existing_file(str(source)) or non_file_reason(text) is None:
        return source
    return text


def apply_entry(layer: Any, entry: Document, path: Path) -> None:
    """Give a freshly read layer what the project saved about it."""
    layer.name = entry.get("name", layer.name)
    layer.visible = bool(entry.get("visible", True))
    layer.opacity = float(entry.get("opacity", 1.0))
    layer.sensitive = bool(entry.get("sensitive", False))
    if entry.get("style"):
        layer.style = LayerStyle(**entry["style"])
    for name, expression in (entry.get("virtual_fields") or {}).items():
        _restore_virtual_field(layer, name, expression, path)
    if entry.get("symbology"):
        _restore_symbology(layer, entry["symbology"], path)
    if entry.get("labels"):
        _restore_labels(layer, entry["labels"], path)
    if entry.get("scale_range"):
        layer.scale_range = tuple(entry["scale_range"])
    if layer.crs_missing and entry.get("crs"):
        layer.set_crs(entry["crs"])


def unavailable_layer(entry: Document, source: Path | str, reason: str) -> Any:
    """A layer with no features standing in for one whose file cannot be read.

    It keeps the project's entry (``saved_entry``), so saving the project
    loses nothing about it, and says why (``unavailable``).
    """
    import geopandas as gpd  # here: core's other users need no geopandas at import

    from mapdesk.core.layer import LayerOrigin, VectorLayer

    crs = entry.get("crs") or None
    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs))
    origin = LayerOrigin(str(source), entry.get("layer"), "", "", entry.get("encoding"))
    style = LayerStyle(**entry["style"]) if entry.get("style") else None
    fallback = entry.get("layer") or "layer" if isinstance(source, str) else source.stem
    layer = VectorLayer(frame, entry.get("name") or fallback, origin=origin, style=style)
    layer.visible = bool(entry.get("visible", True))
    layer.opacity = float(entry.get("opacity", 1.0))
    layer.sensitive = bool(entry.get("sensitive", False))
    layer.unavailable = reason
    layer.saved_entry = dict(entry)
    return layer


def read_repaired(project: Project, layer: Any, source: Path) -> Any:
    """The layer an unavailable ``layer`` stands for, read from ``source`` (its new place).

    Everything the project saved about the layer (name, style, symbology,
    labels, ...) is applied; the caller puts the result in the placeholder's
    place (``project.layers[index] = ...``).

    Raises
    ------
    MapdeskError
        If ``source`` cannot be read either (the message names it).
    """
    entry = layer.saved_entry or {}
    loaded = project.read_layers(str(source), entry.get("layer"))
    if len(loaded) != 1:
        names = ", ".join(found.name for found in loaded)
        raise MapdeskError(f"{source} holds {len(loaded)} layers ({names}): pick the file of one")
    repaired = loaded[0]
    apply_entry(repaired, {**entry, "name": layer.name}, project.path or source)
    return repaired
