"""Exporting a layer (or its selection) to a vector file, after the pre-export check.

Every format is written whole to a hidden temporary file beside the target,
fsynced, read back and only then renamed over it (the RELIABILITY.md
recipe, ``io.whole_file`` for GDAL's formats): an export that fails or is
killed leaves any earlier file as it was and no temporary file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from mapdesk.core.crs import crs_label, parse_crs, same_crs
from mapdesk.export.check import check_export
from mapdesk.export.check_rules import check_field_rules
from mapdesk.export.files import write_main_file, write_side_files
from mapdesk.export.formats import ExportError, ExportFormat, format_for
from mapdesk.export.plan import ExportPlan, without_m
from mapdesk.io.whole_file import with_declared_integers

Progress = Callable[[str], None]
#: KML coordinates are longitude/latitude on WGS 84, always.
WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the file, the plan it followed, side files, and warnings
    about side files that could not be written (the data itself was)."""

    path: Path
    plan: ExportPlan
    features: int
    side_files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan_export(
    frame: gpd.GeoDataFrame,
    path: Path,
    crs: str | CRS | None = None,
    field_types: dict[str, str] | None = None,
    source: Path | None = None,
    field_rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[gpd.GeoDataFrame, ExportPlan]:
    """The features in the CRS they will be written in, and the pre-export check.

    ``source`` is the file the features were read from (an export never
    writes over it); ``field_rules`` are the coded values, ranges and
    defaults of its fields (``frame.attrs["field_rules"]``, see
    ``check_rules``).

    Raises
    ------
    ExportError
        For an unknown extension, a target that must not be replaced, or a
        CRS change the layer cannot make.
    CrsError
        For a CRS that cannot be understood.
    """
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give the name of the file to write")
    target = format_for(path)
    check_target(path, target, source)
    # Integer fields with NULLs read as float64: written as the integers they are.
    frame = with_declared_integers(frame, field_types or {})
    wanted = WGS84 if target.wgs84_only else (parse_crs(crs) if crs is not None else None)
    moving = wanted is not None and frame.crs is not None and not same_crs(frame.crs, wanted)
    measured = _measured(frame) if moving else 0
    if measured:
        frame = frame.set_geometry(without_m(frame.geometry.array), crs=frame.crs)
    moved = _in_crs(frame, wanted, path)
    plan = check_export(moved, target, field_types)
    check_field_rules(plan, moved, field_rules or {})
    if measured:
        plan.note(
            None, f"M values dropped from {measured} features: reprojecting does not carry them"
        )
    if moving and wanted is not None:
        why = " (KML is always longitude/latitude)" if target.wgs84_only else ""
        moves = f"{crs_label(frame.crs)} to {crs_label(wanted)}"
        plan.note(None, f"coordinates reprojected from {moves}{why}")
    return moved, plan


def check_target(path: Path, target: ExportFormat, source: Path | None) -> None:
    """Refuse targets an export must not replace, before any work.

    Raises
    ------
    ExportError
        For a missing folder, the source file itself, a GeoPackage holding
        other layers, or a CSV whose ``.prj`` would replace a shapefile's.
    """
    if not path.parent.is_dir():
        raise ExportError(f"Cannot export to {path}: the folder {path.parent} does not exist")
    if source is not None and path.exists() and _same_file(path, source):
        raise ExportError(f"{path.name} is the file being exported from: choose another name")
    if target.suffix == ".gpkg" and path.exists():
        others = _gpkg_layers(path)
        if len(others) > 1:
            raise ExportError(
                f"{path.name} holds {len(others)} layers ({', '.join(others)}) and the export "
                "would replace the whole file: choose another name"
            )
    if target.suffix == ".csv" and path.with_suffix(".shp").exists():
        raise ExportError(
            f"{path.with_suffix('.prj').name} belongs to {path.with_suffix('.shp').name} "
            "beside it, and the CSV's CRS file would replace it: choose another name"
        )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _gpkg_layers(path: Path) -> list[str]:
    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:
        raise ExportError(
            f"{path.name} exists and is not a GeoPackage mapdesk can read ({exc}): "
            "choose another name"
        ) from exc


def _measured(frame: gpd.GeoDataFrame) -> int:
    geometries = np.asarray(frame.geometry.array, dtype=object)
    present = geometries[~shapely.is_missing(geometries)]
    return int(shapely.has_m(present).sum()) if len(present) else 0


def export_vector(
    frame: gpd.GeoDataFrame,
    path: Path,
    *,
    crs: str | CRS | None = None,
    field_types: dict[str, str] | None = None,
    layer_name: str | None = None,
    source: Path | None = None,
    field_rules: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress = lambda step: None,
    on_plan: Callable[[ExportPlan], None] = lambda plan: None,
    check: Callable[[], None] | None = None,
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
    source
        The file the features came from, which the export refuses to replace.
    field_rules
        The layer's field rules (``frame.attrs["field_rules"]``): a
        GeoPackage gets the coded values and ranges its values keep.
    progress
        Told each step, for a status line or a progress dialog.
    on_plan
        Given the pre-export check before anything is written.
    check
        Called often while the file is written (a big one in a child
        process); what it raises (a worker's cancellation) stops the write,
        leaves any earlier file unchanged and no temporary file, and goes
        through.

    Raises
    ------
    ExportError
        When the format cannot hold the layer, or the file cannot be written
        (the message names the file and why); nothing is changed then.
    """
    progress("checking what the format can hold")
    moved, plan = plan_export(frame, path, crs, field_types, source, field_rules)
    on_plan(plan)
    if plan.blocking:
        raise ExportError(f"Cannot export to {path.name}: " + "; ".join(plan.blocking))
    progress(f"writing {len(moved)} features to {path.name}")
    prepared = plan.prepared(moved)
    layer = layer_name or path.stem
    write_main_file(
        prepared, path, plan.target, layer, plan.layer_options, plan.field_rules, check=check
    )
    side_files, warnings = write_side_files(path, plan.target, plan.renames, prepared.crs)
    return ExportResult(path, plan, len(prepared), side_files, warnings)


def _in_crs(frame: gpd.GeoDataFrame, wanted: CRS | None, path: Path) -> gpd.GeoDataFrame:
    if wanted is None or (frame.crs is not None and same_crs(frame.crs, wanted)):
        return frame
    if frame.crs is None:
        raise ExportError(
            f"Cannot export to {path.name} in {crs_label(wanted)}: the layer has no CRS "
            "to reproject from; set the layer's CRS first"
        )
    try:
        moved: gpd.GeoDataFrame = frame.to_crs(wanted)
    except Exception as exc:  # pyproj's errors name PROJ internals, not the layer
        raise ExportError(
            f"Cannot export to {path.name}: the features cannot be reprojected from "
            f"{crs_label(frame.crs)} to {crs_label(wanted)} ({exc})"
        ) from exc
    return moved
