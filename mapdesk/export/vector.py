"""Exporting a layer (or its selection) to a vector file, after the pre-export check.

Every format is written whole to a hidden temporary file beside the target,
fsynced, read back and only then renamed over it (the RELIABILITY.md
recipe, ``io.whole_file`` for GDAL's formats): an export that fails or is
killed leaves any earlier file as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from mapdesk.core.crs import crs_label, parse_crs, same_crs
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.serialize import write_text_atomically
from mapdesk.export.check import ExportPlan, check_export
from mapdesk.export.formats import ExportError, ExportFormat, format_for
from mapdesk.io.whole_file import save_whole_file

Progress = Callable[[str], None]
#: KML coordinates are longitude/latitude on WGS 84, always.
WGS84 = CRS.from_epsg(4326)
#: Beside an exported shapefile: original field name -> name in the file.
FIELD_NAMES_SUFFIX = ".fields.csv"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the file, the plan it followed, and any side files."""

    path: Path
    plan: ExportPlan
    features: int
    side_files: list[Path] = field(default_factory=list)


def plan_export(
    frame: gpd.GeoDataFrame,
    path: Path,
    crs: str | CRS | None = None,
    field_types: dict[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, ExportPlan]:
    """The features in the CRS they will be written in, and the pre-export check.

    Raises
    ------
    ExportError
        For an unknown extension, or a CRS change the layer cannot make.
    CrsError
        For a CRS that cannot be understood.
    """
    target = format_for(path)
    wanted = WGS84 if target.wgs84_only else (parse_crs(crs) if crs is not None else None)
    source = frame.crs
    moved = _in_crs(frame, wanted, path)
    plan = check_export(moved, target, field_types)
    if wanted is not None and source is not None and not same_crs(source, wanted):
        why = " (KML is always longitude/latitude)" if target.wgs84_only else ""
        moves = f"{crs_label(source)} to {crs_label(wanted)}"
        plan.note(None, f"coordinates reprojected from {moves}{why}")
    return moved, plan


def export_vector(
    frame: gpd.GeoDataFrame,
    path: Path,
    *,
    crs: str | CRS | None = None,
    field_types: dict[str, str] | None = None,
    layer_name: str | None = None,
    progress: Progress = lambda step: None,
    on_plan: Callable[[ExportPlan], None] = lambda plan: None,
) -> ExportResult:
    """Check, then write ``frame`` to ``path`` in the format its extension names.

    Parameters
    ----------
    frame
        The features (a layer's, or its selected ones).
    path
        The file to write; an existing file is replaced (atomically).
    crs
        Target CRS (e.g. "EPSG:2802"); the layer's own when omitted.
    field_types
        Declared GDAL field types of the layer (see ``check_export``).
    layer_name
        Name of the layer inside the file (GeoPackage, KML); the file's stem
        when omitted.
    progress
        Told each step, for a status line or a progress dialog.
    on_plan
        Given the pre-export check before anything is written.

    Raises
    ------
    ExportError
        When the format cannot hold the layer, or the file cannot be written
        (the message names the file and why); nothing is changed then.
    """
    progress("checking what the format can hold")
    moved, plan = plan_export(frame, path, crs, field_types)
    on_plan(plan)
    if plan.blocking:
        raise ExportError(f"Cannot export to {path.name}: " + "; ".join(plan.blocking))
    progress(f"writing {len(moved)} features to {path.name}")
    prepared = plan.prepared(moved)
    _write(prepared, path, plan.target, layer_name or path.stem)
    side_files = [_write_field_names(path, plan)] if plan.renames else []
    if plan.target.suffix == ".csv" and prepared.crs is not None:
        side_files.append(_write_prj(path, prepared.crs))
    return ExportResult(path, plan, len(prepared), side_files)


def _in_crs(frame: gpd.GeoDataFrame, wanted: CRS | None, path: Path) -> gpd.GeoDataFrame:
    if wanted is None or (frame.crs is not None and same_crs(frame.crs, wanted)):
        return frame
    if frame.crs is None:
        raise ExportError(
            f"Cannot export to {path.name} in {crs_label(wanted)}: the layer has no CRS "
            "to reproject from; set the layer's CRS first"
        )
    return frame.to_crs(wanted)


def _write(frame: gpd.GeoDataFrame, path: Path, target: ExportFormat, layer: str) -> None:
    try:
        if target.driver is not None:
            # A shapefile's layer is its file name (the temporary one, while writing).
            named = None if target.one_geometry_kind else layer
            save_whole_file(path, target.driver, named, frame, new_file=True)
        elif target.suffix == ".parquet":
            _replace_atomically(path, lambda temp: frame.to_parquet(temp))
        else:
            _replace_atomically(path, lambda temp: _write_csv(frame, temp))
    except SaveError as exc:
        raise ExportError(str(exc)) from exc


def _write_csv(frame: gpd.GeoDataFrame, temp: Path) -> None:
    """Attributes, then the geometry as WKT in full precision (mapdesk and QGIS read it)."""
    geometry = frame.geometry.name
    table = pd.DataFrame(frame.drop(columns=geometry))
    table["WKT"] = shapely.to_wkt(frame.geometry.array, rounding_precision=-1)
    table.to_csv(temp, index=False, encoding="utf-8")


def _replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write`` to a temporary file beside ``path``, then rename it over."""
    temp = path.with_name(f".{path.stem}.mapdesk-export-{secrets.token_hex(4)}{path.suffix}")
    try:
        write(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}") from exc
    except Exception as exc:
        raise ExportError(f"Cannot write {path}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _write_field_names(path: Path, plan: ExportPlan) -> Path:
    """The renamed fields, original then shapefile name, as CSV beside the file."""
    side = path.with_name(path.stem + FIELD_NAMES_SUFFIX)
    renamed = plan.renames.items()
    lines = ["original,in_file", *(f"{_csv_cell(a)},{_csv_cell(b)}" for a, b in renamed)]
    try:
        write_text_atomically(side, "\n".join(lines) + "\n")
    except OSError as exc:
        raise ExportError(f"Cannot write {side}: {exc.strerror or exc}") from exc
    return side


def _write_prj(path: Path, crs: CRS) -> Path:
    """The CRS beside a CSV, which has no place for one (mapdesk reads it back)."""
    side = path.with_suffix(".prj")
    try:
        write_text_atomically(side, crs.to_wkt())
    except OSError as exc:
        raise ExportError(f"Cannot write {side}: {exc.strerror or exc}") from exc
    return side


def _csv_cell(text: str) -> str:
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
