"""Existing data imported into a NENA v3 layer of a GeoPackage, through a field mapping.

The source is only read. Its features are conformed (core.analysis.nena.conform:
mapped, typed, checked against NENA's domains, NGUIDs made where missing or
malformed, DateUpdate and DiscrpAgID stamped), reprojected into the target
layer's CRS and written. The target is written in place in one SQLite
transaction (the layer, when new, and its features), so the GeoPackage is
either the one before or the one after; never by a copy renamed over it, which
would lose another program's commits still in its ``-wal`` file and overwrite
a read-only file. Its other layers are kept; the NENA layer, if already there,
is added to (its NGUIDs stay unique), or replaced when the user asks.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS

from mapdesk.core.analysis.nena.conform import Conformed, ValueProblem, conform
from mapdesk.core.analysis.nena.field_mapping import FieldMapping, check_mapping, mapping_from_json
from mapdesk.core.analysis.nena.layer_roles import geometry_family
from mapdesk.core.analysis.nena.schema import LayerSpec, load_schema
from mapdesk.core.crs import crs_label
from mapdesk.core.errors import MapdeskError
from mapdesk.io.gpkg_edit import append_features, feature_table
from mapdesk.io.gpkg_layers import layer_names, write_in_transaction
from mapdesk.io.gpkg_target import check_layer_target
from mapdesk.io.nena_gpkg import create_nena_layers
from mapdesk.io.registry import read_layer

#: How many bad values an error message lists (the count says how many more).
LISTED_PROBLEMS = 20


class ImportValuesError(MapdeskError):
    """Source values that do not fit their NENA fields; nothing was written.

    Attributes
    ----------
    problems
        Every value that does not fit, with its layer and row.
    """

    def __init__(self, problems: tuple[ValueProblem, ...], target: str) -> None:
        shown = [f"  {p}" for p in problems[:LISTED_PROBLEMS]]
        more = len(problems) - len(shown)
        tail = [f"  … and {more:,} more"] if more > 0 else []
        super().__init__(
            f"{len(problems):,} value(s) do not fit their NENA field; nothing was written to "
            f"{target}. Correct them in the source or change the mapping:\n"
            + "\n".join(shown + tail)
        )
        self.problems = problems


@dataclass(frozen=True)
class NenaImportRequest:
    """What to import where.

    Attributes
    ----------
    target
        The GeoPackage written (new, or existing: its other layers are kept).
    layer
        The NENA layer imported into (``RoadCenterLine``...).
    mapping
        NENA field -> source field.
    agency
        The DiscrpAgID stamped on every feature (a domain name).
    replace
        Replace the NENA layer when the target has it (else features are added).
    crs
        The CRS of a NENA layer created by the import (default: the source's).
    fix_codes
        Write legacy spellings of coded values (``Ave``, ``N``, ``ft``) as NENA's codes.
    """

    target: Path
    layer: str
    mapping: FieldMapping
    agency: str
    replace: bool = False
    crs: CRS | None = None
    country: str = "US"
    fix_codes: bool = False


@dataclass(frozen=True)
class NenaImportResult:
    """What was written: how many features, in which CRS, with what to know."""

    target: Path
    layer: str
    count: int
    generated: int
    crs: CRS
    notes: tuple[str, ...] = field(default=())


def read_source(path: Path, layer: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """The source layer's features and a name for messages (``roads.shp`` or ``file:layer``)."""
    read = read_layer(path, layer)
    return read.frame, f"{path.name}:{layer}" if layer else path.name


def read_mapping(path: Path, layer: str) -> FieldMapping:
    """The mapping saved in ``path`` for NENA layer ``layer``.

    Raises
    ------
    MapdeskError
        When the file cannot be read or is not a mapping for that layer.
    """
    spec = load_schema().layer(layer)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MapdeskError(f"Cannot read the mapping {path}: {exc.strerror or exc}") from exc
    try:
        return mapping_from_json(text, spec, path.name)
    except ValueError as exc:
        raise MapdeskError(str(exc)) from exc


def write_mapping(path: Path, mapping: FieldMapping) -> None:
    """Save ``mapping`` as JSON at ``path`` (whole or not at all)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        temp.write_text(mapping.to_json(), encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:
        raise MapdeskError(f"Cannot save the mapping {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def import_into_nena(
    source: gpd.GeoDataFrame,
    source_name: str,
    request: NenaImportRequest,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda _text: None,
) -> NenaImportResult:
    """Write ``source``'s features into the NENA layer of ``request.target``.

    ``progress`` is told each step; an exception it raises (a Cancel) stops the
    import with the target as it was, up to the moment the new file replaces it.

    Raises
    ------
    ImportValuesError
        When values do not fit their NENA fields (each named with its row).
    MapdeskError
        For a mapping naming fields the source lacks, an agency that is not a
        domain name, a geometry the layer cannot hold, a source without a CRS,
        or a target that cannot be written; the target is then as it was.
    """
    schema = load_schema()
    spec = schema.layer(request.layer)
    check_layer_target(request.target, [spec.name], "NENA layers")
    _check_source(source, source_name, spec, request)
    existing = _existing_layer(request.target, spec.name) if not request.replace else None
    crs = _target_crs(source, source_name, request, existing)
    taken = _nguids_in(request.target, existing) if existing else set()
    progress(f"checking {len(source):,} feature(s) of {source_name}")
    try:
        conformed = conform(
            source, spec, schema, request.mapping, agency=request.agency,
            now=now or datetime.now(UTC), source_name=source_name,
            country=request.country, taken_nguids=taken, fix_codes=request.fix_codes,
        )  # fmt: skip
    except ValueError as exc:
        raise MapdeskError(str(exc)) from exc
    if conformed.problems:
        raise ImportValuesError(conformed.problems, request.target.name)
    features = _features(source, conformed, spec, crs)
    _write(request, spec, features, crs, existing is not None, progress)
    return NenaImportResult(
        request.target, spec.name, len(features), conformed.generated, crs, conformed.notes
    )


def _check_source(
    source: gpd.GeoDataFrame, name: str, spec: LayerSpec, request: NenaImportRequest
) -> None:
    fields = [str(c) for c in source.columns if c != source.geometry.name]
    problems = check_mapping(request.mapping, spec, fields, request.country)
    if problems:
        raise MapdeskError(f"The mapping does not fit {name}: " + "; ".join(problems))
    types = {str(t) for t in source.geometry.geom_type.dropna().unique()}
    wrong = sorted(t for t in types if geometry_family(t) != spec.geometry)
    if wrong:
        raise MapdeskError(
            f"{name} has {', '.join(wrong)} geometries; {spec.name} holds "
            f"{spec.geometry.lower()}s only: choose the NENA layer that matches"
        )
    if spec.geometry == "POINT":
        parts = shapely.get_num_geometries(source.geometry.to_numpy())
        several = [row for row, count in enumerate(parts, start=1) if count > 1]
        if several:
            raise MapdeskError(
                f"{name} row {several[0]} has a MultiPoint of {parts[several[0] - 1]} points "
                f"({len(several):,} such row(s)); {spec.name} holds one point per feature: "
                "split them into single points first"
            )


def _existing_layer(target: Path, layer: str) -> str | None:
    """The target's table of that NENA layer, when the target already has it."""
    if not target.exists():
        return None
    return next((n for n in layer_names(target) if n.lower() == layer.lower()), None)


def _target_crs(
    source: gpd.GeoDataFrame, name: str, request: NenaImportRequest, existing: str | None
) -> CRS:
    if existing is not None:
        found = pyogrio.read_info(request.target, layer=existing).get("crs")
        if found:
            return CRS.from_user_input(found)
    if request.crs is not None:
        return request.crs
    if source.crs is None:
        raise MapdeskError(f"{name} has no CRS: set its CRS first, or choose the NENA layer's CRS")
    return CRS.from_user_input(source.crs)


def _nguids_in(target: Path, table: str) -> set[str]:
    frame = pyogrio.read_dataframe(target, layer=table, columns=["NGUID"], read_geometry=False)
    return {str(v) for v in frame["NGUID"].dropna()}


def _features(
    source: gpd.GeoDataFrame, conformed: Conformed, spec: LayerSpec, crs: CRS
) -> gpd.GeoDataFrame:
    geometry = source.geometry
    if source.crs is not None:
        geometry = geometry.to_crs(crs)
    values = geometry.to_numpy().copy()
    values[shapely.is_empty(values)] = None  # no geometry, as GeoPackage readers expect
    if spec.geometry == "POINT":
        multi = shapely.get_type_id(values) == 4  # single-part, as _check_source made sure
        values[multi] = shapely.get_geometry(values[multi], 0)
    else:
        single = shapely.get_type_id(values) == (1 if spec.geometry == "POLYLINE" else 3)
        values[single] = [_multi(g) for g in values[single]]
    values = shapely.force_3d(values) if spec.has_z else shapely.force_2d(values)
    frame = conformed.frame.reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(values, crs=crs), crs=crs)


def _multi(geometry: shapely.Geometry) -> shapely.Geometry:
    if isinstance(geometry, shapely.LineString):
        return shapely.MultiLineString([geometry])
    return shapely.MultiPolygon([geometry])


def _write(
    request: NenaImportRequest,
    spec: LayerSpec,
    features: gpd.GeoDataFrame,
    crs: CRS,
    append: bool,
    progress: Callable[[str], None],
) -> None:
    """Write the features in one transaction on the target, with the layer when it is new.

    In place (io.gpkg_layers.write_in_transaction), never a copy renamed over
    the file: another program's recent commits in ``-wal`` stay, a read-only
    file stays unwritten, and a Cancel up to the commit rolls everything back.
    """
    target = request.target

    def fill(connection: sqlite3.Connection) -> None:
        table = feature_table(connection, spec.name, target)
        missing = [c for c in request.mapping.fields if c not in table.columns]
        if missing:
            raise MapdeskError(
                f"{table.name} in {target.name} has no field {', '.join(missing)}: import with "
                "replace to write the whole NENA layer, or change the mapping"
            )
        progress(f"writing {len(features):,} feature(s) to {target.name}")
        append_features(connection, target, table.name, features)
        progress(f"committing to {target.name}")  # the last moment a cancel leaves it as it was

    try:
        if append:
            write_in_transaction(target, fill)
        else:
            create_nena_layers(target, crs, [spec.name], True, request.country, fill)
    except pyogrio.errors.DataSourceError as exc:
        raise MapdeskError(f"Cannot write {spec.name} in {crs_label(crs)}: {exc}") from exc
