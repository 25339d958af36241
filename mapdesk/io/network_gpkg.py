"""New, empty network layers in a GeoPackage: nodes and spans with their coded domains.

What Layer ▸ Create Layer ▸ New Network Layers… and ``mapdesk network create``
write: the asset model's two layers (core.analysis.network.assets) with its
fields, and ``type`` and ``status`` tied to their codes, so that mapdesk's
attribute form and QGIS's both offer the lists and refuse other values.
Either both layers (and their domains) are written or nothing is: a new file
is written beside its place and renamed into it; an existing GeoPackage gets
them in one transaction (io.gpkg_layers).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyogrio
from pyproj import CRS

from mapdesk.core.analysis.network.assets import (
    ASSET_LAYERS,
    AssetLayer,
    FieldKind,
)
from mapdesk.core.crs import crs_label
from mapdesk.core.errors import MapdeskError
from mapdesk.io.gpkg_domains import write_coded_domains
from mapdesk.io.gpkg_target import check_layer_target, gdal_crs_text, write_new_layers

_ARROW_TYPES: dict[FieldKind, pa.DataType] = {
    "text": pa.string(),
    "integer": pa.int32(),
    "real": pa.float64(),
    "date": pa.date32(),
}
_GEOMETRY = "geom"


@dataclass(frozen=True)
class NetworkTables:
    """The layers written: the file and the node and span table names."""

    path: Path
    nodes: str
    spans: str


def create_network_layers(
    path: Path,
    crs: CRS,
    nodes: str = ASSET_LAYERS["node"].name,
    spans: str = ASSET_LAYERS["span"].name,
    replace: bool = False,
) -> NetworkTables:
    """Write an empty node layer and span layer into the GeoPackage at ``path``.

    Parameters
    ----------
    path
        A new GeoPackage, or an existing one that keeps its other layers.
    crs
        The layers' CRS (a projected one in metres suits network work).
    nodes, spans
        The table names of the two layers.
    replace
        Replace layers of those names already in the file (the user agreed).

    Raises
    ------
    LayerExistsError
        When the file has layers of those names and ``replace`` is False.
    MapdeskError
        For a bad name or folder, or a file that cannot be written; the file
        is then as it was.
    """
    _check_request(path, (nodes, spans))
    models = {nodes: ASSET_LAYERS["node"], spans: ASSET_LAYERS["span"]}

    def write(temp: Path) -> None:
        for table, model in models.items():
            _write_empty(temp, table, model, crs)

    write_new_layers(path, list(models), write, lambda c: _domains(c, models), replace)
    return NetworkTables(path, nodes, spans)


def _check_request(path: Path, names: Sequence[str]) -> None:
    check_layer_target(path, names, "network layers")
    if names[0].lower() == names[1].lower():
        raise MapdeskError(f"The node and span layers need two names, not {names[0]} twice")


def _write_empty(path: Path, table: str, model: AssetLayer, crs: CRS) -> None:
    schema = pa.schema(
        [pa.field(f.name, _ARROW_TYPES[f.kind]) for f in model.fields]
        + [pa.field(_GEOMETRY, pa.binary(), metadata={"ARROW:extension:name": "geoarrow.wkb"})]
    )
    try:
        pyogrio.write_arrow(
            schema.empty_table(),
            path,
            layer=table,
            driver="GPKG",
            geometry_name=_GEOMETRY,
            geometry_type=model.geometry_type,
            crs=gdal_crs_text(crs),
            append=path.exists(),
            layer_options={"SPATIAL_INDEX": "YES"},
        )
    except Exception as exc:
        raise MapdeskError(f"Cannot write the {table} layer in {crs_label(crs)}: {exc}") from exc


def _domains(connection: sqlite3.Connection, models: dict[str, AssetLayer]) -> None:
    for table, model in models.items():
        titles = {field.name: field.title for field in model.fields}
        write_coded_domains(connection, table, model.domains, titles)
