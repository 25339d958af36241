"""Which writer saves a layer's edits, by the format it came from."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.editing.saving import CommitPoint, SaveError
from mapdesk.io import gpkg_edit, whole_file
from mapdesk.io.archives import ARCHIVE_SUFFIXES
from mapdesk.io.gpkg_domains import add_field_rules
from mapdesk.io.postgis import is_postgis_uri


def write_layer_edits(
    origin: Any, changes: EditChanges, at_commit_point: CommitPoint
) -> gpd.GeoDataFrame | None:
    """Save ``changes`` to the file ``origin`` names; the re-read features when rewritten.

    GeoPackage layers are committed in place; Shapefile, GeoJSON, FlatGeobuf and
    KML files are rewritten atomically. Other sources (CSV, Parquet, zipped or
    read-only formats) cannot take edits back: the message says to use Save As.
    PostGIS tables are saved in one transaction that checks nobody else saved
    the same features meanwhile (:mod:`mapdesk.io.postgis.editing`).
    """
    if is_postgis_uri(origin.path):
        from mapdesk.io.postgis.editing import write_postgis_edits  # imports psycopg

        return write_postgis_edits(origin, changes, at_commit_point)
    path = Path(origin.path)
    if origin.driver == "GPKG" and path.suffix.lower() == ".gpkg":
        gpkg_edit.commit_edits(path, origin.layer, changes, at_commit_point=at_commit_point)
        return None
    # A zipped shapefile or a KMZ is read through the archive; rewriting it
    # would need the whole archive rebuilt, which is Save As's job.
    archived = path.suffix.lower() in ARCHIVE_SUFFIXES
    if origin.driver in whole_file.WHOLE_FILE_DRIVERS and path.is_file() and not archived:
        frame = whole_file.with_declared_integers(changes.frame, changes.field_types)
        return whole_file.save_whole_file(
            path, origin.driver, origin.layer, frame, at_commit_point=at_commit_point
        )
    kind = origin.driver or path.suffix.lstrip(".").upper() or "this"
    raise SaveError(
        f"mapdesk cannot write edits back into {path.name} ({kind} source): your edits are "
        "kept; use Save As to write them to a GeoPackage"
    )


def save_as_geopackage(
    path: Path,
    layer_name: str,
    frame: gpd.GeoDataFrame,
    field_rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> gpd.GeoDataFrame:
    """Write every feature of ``frame`` to a new GeoPackage (atomically); them as read back.

    What a user does when the layer's own file cannot take the edits (locked,
    read-only, a format mapdesk cannot write back). The layer's
    ``field_rules`` (coded values, ranges) go into the new file as they
    were, before it is renamed into place: the file becomes the layer's, and
    its edits stay checked against them.
    """
    if path.suffix.lower() != ".gpkg":
        path = path.with_suffix(".gpkg")
    return whole_file.save_whole_file(
        path,
        "GPKG",
        layer_name,
        frame,
        new_file=True,
        finish=lambda temp: add_field_rules(temp, layer_name, field_rules or {}),
    )
