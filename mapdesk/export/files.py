"""Writing an export's files: the main file atomically, then its side files.

GDAL's formats go through ``io.whole_file`` (temporary file, fsync, read
back, rename); GeoParquet and CSV, which mapdesk writes itself, get the same
recipe here. Side files (a shapefile's field-name list, a CSV's ``.prj``)
come after the main file: one that cannot be written is reported as a
warning, since the data itself is written by then.
"""

from __future__ import annotations

import contextlib
import csv
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from mapdesk.core.editing.saving import SaveError
from mapdesk.core.serialize import write_text_atomically
from mapdesk.export.formats import ExportError, ExportFormat
from mapdesk.io.gpkg_domains import add_field_rules
from mapdesk.io.sandbox import CheckCallback
from mapdesk.io.whole_file import replace_whole_file

#: Beside an exported shapefile: original field name -> name in the file.
FIELD_NAMES_SUFFIX = ".fields.csv"
#: What an export that failed leaves as it was.
_KEPT = "nothing was exported and any earlier file of that name is unchanged"
#: GDAL layer options every export to a format needs (GeoJSON: numbers in full,
#: not rounded to 15 significant digits).
_ALWAYS: dict[str, dict[str, str]] = {".geojson": {"SIGNIFICANT_FIGURES": "17"}}


def write_main_file(
    frame: gpd.GeoDataFrame,
    path: Path,
    target: ExportFormat,
    layer: str,
    options: dict[str, str],
    field_rules: Mapping[str, Mapping[str, Any]] | None = None,
    check: CheckCallback | None = None,
) -> None:
    """Replace ``path`` with ``frame`` in ``target``'s format, atomically.

    ``field_rules`` (a GeoPackage's coded values and ranges, by field name in
    the file) go into the temporary file before it is read back and renamed.
    ``check`` is called while a GDAL format is written; what it raises (a
    Cancel) stops the write and goes through, ``path`` unchanged.

    Raises
    ------
    ExportError
        Naming the file and why; the old file (if any) is then unchanged.
    """
    try:
        if target.driver is not None:
            # A shapefile's layer is its file name (the temporary one, while writing).
            named = None if target.one_geometry_kind else layer
            layer_options = {**_ALWAYS.get(target.suffix, {}), **options}
            rules = field_rules if target.suffix == ".gpkg" and field_rules else {}
            replace_whole_file(
                path,
                target.driver,
                named,
                frame,
                layer_options=layer_options,
                kept=_KEPT,
                finish=lambda temp: add_field_rules(temp, layer, rules),
                check=check,
            )
        elif target.suffix == ".parquet":
            _replace_atomically(path, lambda temp: _write_parquet(frame, temp))
        else:
            _replace_atomically(path, lambda temp: _write_csv(frame, temp))
    except SaveError as exc:
        raise ExportError(str(exc)) from exc


def _write_parquet(frame: gpd.GeoDataFrame, temp: Path) -> None:
    frame.to_parquet(temp)
    written = pq.read_metadata(temp).num_rows
    if written != len(frame):
        raise ExportError(f"the new file read back {written} rows of the {len(frame)} written")


def _write_csv(frame: gpd.GeoDataFrame, temp: Path) -> None:
    """Attributes, then the geometry as WKT in full precision (mapdesk and QGIS read it)."""
    geometry = frame.geometry.name
    table = pd.DataFrame(frame.drop(columns=geometry))
    table["WKT"] = shapely.to_wkt(frame.geometry.array, rounding_precision=-1)
    # CRLF line ends: the csv module then quotes a text holding a lone CR too
    # (with LF ends it would not, and a reader would start a row there).
    table.to_csv(temp, index=False, encoding="utf-8", lineterminator="\r\n")
    with open(temp, encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    if rows != len(frame):
        raise ExportError(f"the new file read back {rows} rows of the {len(frame)} written")


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write`` to a temporary file beside ``path``, then rename it over."""
    temp = path.with_name(f".{path.stem}.mapdesk-export-{secrets.token_hex(4)}{path.suffix}")
    try:
        write(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
        _fsync_folder(path.parent)
    except ExportError as exc:
        raise ExportError(f"Cannot write {path}: {exc}; {_KEPT}") from exc
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}; {_KEPT}") from exc
    except Exception as exc:
        raise ExportError(f"Cannot write {path}: {exc}; {_KEPT}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _fsync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_side_files(
    path: Path, target: ExportFormat, renames: dict[str, str], crs: CRS | None
) -> tuple[list[Path], list[str]]:
    """The side files this export needs, and stale ones of an earlier export removed.

    Returns the files written and warnings for those that could not be.
    """
    written: list[Path] = []
    warnings: list[str] = []
    names = path.with_name(path.stem + FIELD_NAMES_SUFFIX)
    if renames:
        renamed = renames.items()
        lines = ["original,in_file", *(f"{_csv_cell(a)},{_csv_cell(b)}" for a, b in renamed)]
        _side(names, "\n".join(lines) + "\n", written, warnings)
    else:
        _remove_stale(names, warnings)
    prj = path.with_suffix(".prj")
    if target.suffix == ".csv" and crs is not None:
        _side(prj, crs.to_wkt(), written, warnings)
    elif target.suffix in (".csv", ".shp") and crs is None:
        _remove_stale(prj, warnings)  # an earlier export's CRS would be taken as this one's
    return written, warnings


def _side(path: Path, text: str, written: list[Path], warnings: list[str]) -> None:
    try:
        write_text_atomically(path, text)
        written.append(path)
    except OSError as exc:
        warnings.append(f"{path.name} could not be written ({exc.strerror or exc})")


def _remove_stale(path: Path, warnings: list[str]) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        warnings.append(f"the earlier {path.name} could not be removed ({exc.strerror or exc})")


def _csv_cell(text: str) -> str:
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
