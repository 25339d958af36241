"""List, describe and read the layers of any file mapdesk supports.

The reader is chosen by the file's kind: CSV and GeoParquet have their own
readers, zips are opened member by member through ``/vsizip/``, and every other
file goes to GDAL (see :mod:`mapdesk.io.ogr`). ``postgresql://`` addresses are
PostGIS tables (see :mod:`mapdesk.io.postgis`). Whatever happens inside, a
failure leaves here as a :class:`~mapdesk.core.errors.MapdeskError` whose
message starts with the file's name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pyproj

from mapdesk.core.crs import parse_crs
from mapdesk.core.errors import CrsError, CsvLayoutError, MapdeskError
from mapdesk.io import csv_reader, dbf_encoding, geoparquet, messages, ogr, screening, zipped
from mapdesk.io.csv_layout import CsvLayout, detect_csv_layout
from mapdesk.io.frames import finish
from mapdesk.io.paths import check_local_path, file_kind, is_supported_path, supported_file_filter
from mapdesk.io.postgis.uri import is_postgis_uri
from mapdesk.io.recovery import recover_interrupted_save
from mapdesk.io.sources import LayerInfo, LayerRead, Source

__all__ = [
    "CsvLayout",
    "describe",
    "detect_csv_layout",
    "is_supported_path",
    "list_layers",
    "read_layer",
    "supported_file_filter",
]

#: Formats whose layers are tables or folders inside one file: the layer name
#: is recorded on the Source even when there is only one.
_CONTAINER_DRIVERS = {"GPKG", "OpenFileGDB", "SQLite", "KML", "LIBKML", "GPX", "OSM"}
_CSV_GEOMETRY = {"xy": "Point", "wkt": "Geometry", "none": None}


@dataclass(frozen=True)
class _Loaded:
    frame: pd.DataFrame
    notes: list[str]
    source: Source
    no_prj: bool = False


# ---------------------------------------------------------------- listing


def list_layers(path: str | os.PathLike[str]) -> list[LayerInfo]:
    """The layers in a file, quickly: counts and extents only when cheap.

    Raises
    ------
    MapdeskError
        When the path is refused, missing, or not a readable GIS file.
    """
    return _infos(path, full=False)


def describe(path: str | os.PathLike[str]) -> list[LayerInfo]:
    """The layers in a file with feature counts, extents and fields (``mapdesk info``).

    Raises
    ------
    MapdeskError
        When the path is refused, missing, or not a readable GIS file.
    """
    return _infos(path, full=True)


def _infos(path: str | os.PathLike[str], full: bool) -> list[LayerInfo]:
    if is_postgis_uri(path):
        from mapdesk.io.postgis import layers  # psycopg only when a database is used

        return layers.describe(str(path)) if full else layers.list_layers(str(path))
    local = check_local_path(path)
    try:
        return _INFOS[file_kind(local)](local, full)
    except MapdeskError:
        raise
    except Exception as exc:  # anything unforeseen still names the file
        raise messages.translate(exc, local.name) from exc


def _csv_info(local: Path, full: bool) -> list[LayerInfo]:
    layout = detect_csv_layout(local)
    info = LayerInfo(
        name=local.stem,
        driver="CSV",
        geometry_type=_CSV_GEOMETRY[layout.kind],
        feature_count=None,
        crs=_csv_crs(layout)[0],
        extent=None,
        fields=tuple((h, "String") for h in layout.header),
    )
    return [_csv_full_info(local, layout, info) if full else info]


def _csv_full_info(local: Path, layout: CsvLayout, info: LayerInfo) -> LayerInfo:
    frame, _ = csv_reader.read_csv(local, layout)
    bounds = tuple(float(v) for v in frame.total_bounds)
    extent = (bounds[0], bounds[1], bounds[2], bounds[3]) if all(b == b for b in bounds) else None
    fields = tuple(
        (str(c), _field_type(str(t))) for c, t in frame.dtypes.items() if c != "geometry"
    )
    return replace(info, feature_count=len(frame), extent=extent, fields=fields)


def _field_type(dtype: str) -> str:
    if dtype.lower().startswith("int"):
        return "Integer64"
    return "Real" if dtype.startswith("float") else "String"


def _parquet_info(local: Path, full: bool) -> list[LayerInfo]:
    return [geoparquet.layer_info(local)]


def _zip_infos(local: Path, full: bool) -> list[LayerInfo]:
    contents = zipped.open_zip(local)
    if contents.inner_gdal_path is not None:
        return _gdal_infos(contents.inner_gdal_path, local.name, full)
    many = len(contents.members) > 1
    return [_member_info(local, m, full, many) for m in contents.members]


def _member_info(local: Path, member: zipped.ZipMember, full: bool, many: bool) -> LayerInfo:
    where = f"{local.name} ({member.name})"
    try:
        if not member.has_shx:
            raise messages.missing_shx(where)
        info = ogr.layer_info(member.gdal_path, None, where, full=full)
    except MapdeskError:
        if not many:
            raise
        # One broken member must not hide the others; reading it says why.
        return LayerInfo(member.name, "ESRI Shapefile", None, None, None, None, ())
    return replace(info, name=member.name)


def _file_infos(local: Path, full: bool) -> list[LayerInfo]:
    screening.screen_for_gdal(local)
    _check_shapefile(local)
    return _gdal_infos(str(local), local.name, full)


def _gdal_infos(gdal_path: str, name: str, full: bool) -> list[LayerInfo]:
    names = ogr.layer_names(gdal_path, name)
    return [ogr.layer_info(gdal_path, layer, name, full=full) for layer in names]


_INFOS: dict[str, Callable[[Path, bool], list[LayerInfo]]] = {
    "csv": _csv_info,
    "parquet": _parquet_info,
    "zip": _zip_infos,
    "ogr": _file_infos,
}


# ---------------------------------------------------------------- reading


def read_layer(
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    csv_layout: CsvLayout | None = None,
    encoding: str | None = None,
) -> LayerRead:
    """Read one layer of a file into a GeoDataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        A local file (a zip of shapefiles is read in place).
    layer : str, optional
        The layer name from :func:`list_layers`; may be omitted for files with
        a single layer.
    csv_layout : CsvLayout, optional
        How to read a CSV file; detected when omitted.
    encoding : str, optional
        The text encoding of a shapefile's DBF (a Python codec name), as the
        user chose it; checked (see :mod:`mapdesk.io.dbf_encoding`) when omitted.

    Raises
    ------
    EncodingUncertainError
        When a shapefile's text encoding cannot be told for sure and
        ``encoding`` was not given; it carries the candidates.
    LayerNotFoundError
        When ``layer`` is omitted on a multi-layer file or names no layer;
        the message lists the layers.
    CsvLayoutError
        When a CSV file has no recognisable geometry columns.
    MapdeskError
        For every other failure, naming the file and the problem.
    """
    if is_postgis_uri(path):
        from mapdesk.io.postgis import layers

        return layers.read_layer(str(path), layer)
    local = check_local_path(path)
    try:
        # A save that a crash cut short is finished or undone before reading.
        recovered = recover_interrupted_save(local)
        if file_kind(local) == "zip":
            loaded = _read_zip(local, layer, csv_layout, encoding)
        elif encoding is not None or _has_dbf_text(local):
            loaded = _read_dbf_file(local, layer, encoding)
        else:
            loaded = _READERS[file_kind(local)](local, layer, csv_layout)
        frame, notes = finish(loaded.frame, local.name, loaded.notes, no_prj=loaded.no_prj)
    except MapdeskError:
        raise
    except Exception as exc:  # anything unforeseen still names the file
        raise messages.translate(exc, local.name) from exc
    return LayerRead(frame, loaded.source, (recovered, *notes) if recovered else notes)


def _single_layer(local: Path, layer: str | None) -> None:
    if layer is not None and layer != local.stem:
        raise messages.layer_not_found(local.name, layer, [local.stem])


def _csv_crs(layout: CsvLayout) -> tuple[pyproj.CRS | None, list[str]]:
    if layout.crs is None:
        return None, []
    try:
        return parse_crs(layout.crs), []
    except CrsError:
        return None, [f"The CRS {layout.crs} given for the coordinates is not one mapdesk knows"]


def _prj_crs(local: Path) -> pyproj.CRS | None:
    """The CRS in a ``.prj`` file beside a CSV (as mapdesk's CSV export writes), if any."""
    prj = local.with_suffix(".prj")
    try:
        text = prj.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        return parse_crs(text)
    except CrsError:
        return None


def _no_geometry_columns(local: Path, layout: CsvLayout) -> CsvLayoutError:
    columns = ", ".join(layout.header) or "none"
    return CsvLayoutError(
        f"{local.name}: no geometry columns found (no longitude/latitude or x/y pair and no "
        f"WKT column); its columns are: {columns}. Choose the geometry columns to load it"
    )


def _read_csv(local: Path, layer: str | None, csv_layout: CsvLayout | None) -> _Loaded:
    _single_layer(local, layer)
    layout = csv_layout or detect_csv_layout(local)
    if layout.kind == "none" and csv_layout is None:
        raise _no_geometry_columns(local, layout)
    frame, notes = csv_reader.read_csv(local, layout)
    crs, crs_notes = _csv_crs(layout)
    beside = _prj_crs(local) if layout.crs is None else None
    if beside is not None:
        frame = frame.set_crs(beside)
    elif crs is not None:
        frame = frame.set_crs(crs)
        if csv_layout is None:
            notes.append(f"CRS {layout.crs} was detected from the data; change it if it is wrong")
    return _Loaded(frame, notes + crs_notes, Source(str(local), None, "CSV", "csv"))


def _read_parquet(local: Path, layer: str | None, csv_layout: CsvLayout | None) -> _Loaded:
    _single_layer(local, layer)
    frame, notes = geoparquet.read(local)
    return _Loaded(frame, notes, Source(str(local), None, geoparquet.DRIVER, "geoparquet"))


def _read_zip(
    local: Path, layer: str | None, csv_layout: CsvLayout | None, encoding: str | None = None
) -> _Loaded:
    """A zipped shapefile, its DBF text checked as on disk (see :func:`_read_dbf_file`)."""
    contents = zipped.open_zip(local)
    if contents.inner_gdal_path is not None:
        if encoding is not None:
            raise _not_a_shapefile(local)
        return _read_gdal(contents.inner_gdal_path, local, layer)
    member = zipped.find_member(local, contents, layer)
    where = f"{local.name} ({member.name})"
    if not member.has_shx:
        raise messages.missing_shx(where)
    if encoding is None:
        check = dbf_encoding.check_zipped_dbf(local, member.name)
        reading, recorded, notes = _checked_encoding(where, check, member.name)
    else:
        _check_codec(local, encoding)
        reading, recorded, notes = encoding, encoding, []
    result = ogr.read(member.gdal_path, None, where, encoding=reading)
    source = Source(str(local), member.name, result.driver, result.reader, recorded)
    no_prj = member.name.lower().endswith(".shp") and not member.has_prj
    return _Loaded(result.frame, notes + list(result.warnings), source, no_prj)


def _read_file(local: Path, layer: str | None, csv_layout: CsvLayout | None) -> _Loaded:
    screening.screen_for_gdal(local)
    has_prj = _check_shapefile(local)
    loaded = _read_gdal(str(local), local, layer)
    return replace(loaded, no_prj=not has_prj)


def _read_gdal(
    gdal_path: str, local: Path, layer: str | None, encoding: str | None = None
) -> _Loaded:
    names = ogr.layer_names(gdal_path, local.name)
    chosen = _choose(local.name, names, layer)
    result = ogr.read(gdal_path, chosen, local.name, encoding=encoding)
    recorded = chosen if len(names) > 1 or result.driver in _CONTAINER_DRIVERS else None
    source = Source(str(local), recorded, result.driver, result.reader, encoding)
    return _Loaded(result.frame, list(result.warnings), source)


def _has_dbf_text(local: Path) -> bool:
    return local.suffix.lower() in {".shp", ".dbf"} and local.is_file()


def _read_dbf_file(local: Path, layer: str | None, encoding: str | None) -> _Loaded:
    """A shapefile (or a bare DBF) read with a checked or chosen text encoding.

    GDAL never fails on a wrongly declared encoding, it returns mojibake; so
    the text is checked first and an uncertain file raises for the user to
    choose rather than being read garbled.
    """
    if not _has_dbf_text(local):
        raise _not_a_shapefile(local)
    screening.screen_for_gdal(local)
    has_prj = _check_shapefile(local)
    if encoding is None:
        reading, recorded, notes = _checked_encoding(local.name, dbf_encoding.check_dbf(local))
    else:
        _check_codec(local, encoding)
        reading, recorded, notes = encoding, encoding, []
    loaded = _read_gdal(str(local), local, layer, reading)
    source = replace(loaded.source, encoding=recorded)
    return replace(loaded, notes=notes + loaded.notes, source=source, no_prj=not has_prj)


def _not_a_shapefile(local: Path) -> MapdeskError:
    return MapdeskError(f"{local.name}: a text encoding can only be chosen for a shapefile")


def _checked_encoding(
    name: str, check: dbf_encoding.EncodingCheck, file_name: str | None = None
) -> tuple[str | None, str | None, list[str]]:
    """The encoding to read with, the one to record on the layer, and the notes.

    Raises EncodingUncertainError when the check is unsure. With neither a
    ``.cpg`` nor an LDID, GDAL does not recode at all and its Arrow reader
    hands back the raw bytes (invalid UTF-8), so the encoding is then always
    passed, though only one that differs from GDAL's own is recorded.
    """
    if not check.sure:
        raise dbf_encoding.uncertain_error(name, check, file_name)
    if check.encoding != check.gdal_encoding:
        return check.encoding, check.encoding, [dbf_encoding.reading_note(check)]
    return (check.encoding if check.declared_by == "default" else None), None, []


def _check_codec(local: Path, encoding: str) -> None:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise MapdeskError(f"{local.name}: {encoding!r} is not a text encoding") from None


def _choose(name: str, names: list[str], layer: str | None) -> str:
    if layer is None:
        if len(names) == 1:
            return names[0]
        raise messages.choose_layer(name, names)
    if layer in names:
        return layer
    # KML folder names often carry stray spaces or line breaks around them.
    loose = [n for n in names if n.strip() == layer.strip()]
    if len(loose) == 1:
        return loose[0]
    raise messages.layer_not_found(name, layer, names)


def _sidecar(local: Path, suffix: str) -> bool:
    # GDAL looks for the lower- and the upper-case extension, nothing else.
    return local.with_suffix(suffix).exists() or local.with_suffix(suffix.upper()).exists()


_SHP_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian, opens every .shp


def _check_shapefile(local: Path) -> bool:
    """For a .shp: raise when it is not one or its .shx is missing; return if a .prj exists."""
    if local.suffix.lower() != ".shp":
        return True
    with local.open("rb") as handle:
        if handle.read(4) != _SHP_MAGIC:
            raise messages.not_a_shapefile(local.name)
    if not _sidecar(local, ".shx"):
        raise messages.missing_shx(local.name)
    return _sidecar(local, ".prj")


_READERS: dict[str, Callable[[Path, str | None, CsvLayout | None], _Loaded]] = {
    "csv": _read_csv,
    "parquet": _read_parquet,
    "zip": _read_zip,
    "ogr": _read_file,
}
