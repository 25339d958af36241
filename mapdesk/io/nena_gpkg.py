"""New, empty NENA v3 layers in a GeoPackage: NENA's fields, lengths, defaults and domains.

What Layer ▸ Create Layer ▸ New NENA Layers… and ``mapdesk nena create``
write, from mapdesk's own NENA definition (core.analysis.nena.schema): each
layer with its fields in NENA's order and types, text fields with NENA's
length (``TEXT(100)``, which GDAL and QGIS read as the field width), NENA's
defaults (a PolicePolygon's ServiceURN), and each domain with values or a
range (Parity, OneWay, RoadClass, states, AddressNumber 0-999999...) as a
GeoPackage data column constraint: GDAL reads it as a field domain, QGIS as a
value map, mapdesk's attribute form as a list. All the layers land or none
does: a new file is written beside its place and renamed into it; an
existing GeoPackage gets them in one transaction (io.gpkg_layers).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyogrio
from pyproj import CRS

from mapdesk.core.analysis.nena.check_values import allowed_codes
from mapdesk.core.analysis.nena.schema import FieldSpec, LayerSpec, NenaSchema, load_schema
from mapdesk.core.crs import crs_label
from mapdesk.core.errors import MapdeskError
from mapdesk.io.gpkg_domains import write_field_rules
from mapdesk.io.gpkg_edit import quoted
from mapdesk.io.gpkg_target import check_layer_target, gdal_crs_text, write_new_layers

GEOMETRY_COLUMN = "geom"
_ARROW_TYPES: dict[str, pa.DataType] = {
    "TEXT": pa.string(),
    "INTEGER": pa.int64(),
    "REAL": pa.float64(),
    "DATETIME": pa.timestamp("ms", tz="UTC"),
}
#: GeoPackage geometry types: NENA's lines and polygons may be multi-part.
_GDAL_GEOMETRY = {"POINT": "Point", "POLYLINE": "MultiLineString", "POLYGON": "MultiPolygon"}


def nena_layer_names(schema: NenaSchema | None = None) -> list[str]:
    """The NENA layers mapdesk creates and imports into: those with an NGUID indicator.

    ``ServiceBoundaryPolygon`` is NENA's template for the PSAP and police/fire/EMS
    layers, not a layer of its own, so it has none.
    """
    schema = schema or load_schema()
    return [name for name, spec in schema.layers.items() if spec.indicator is not None]


def gdal_geometry_type(spec: LayerSpec) -> str:
    """The GDAL geometry type a NENA layer is written with (``MultiLineString Z``...)."""
    return _GDAL_GEOMETRY[spec.geometry] + (" Z" if spec.has_z else "")


def create_nena_layers(
    path: Path,
    crs: CRS,
    layers: Sequence[str],
    replace: bool = False,
    country: str = "US",
    fill: Callable[[sqlite3.Connection], None] = lambda _connection: None,
) -> list[str]:
    """Write the empty NENA ``layers`` into the GeoPackage at ``path``; their table names.

    Parameters
    ----------
    path
        A new GeoPackage, or an existing one that keeps its other layers.
    crs
        The layers' CRS (NENA exchanges data in EPSG:4326; a local one suits editing).
    layers
        NENA layer names (``RoadCenterLine``, ``PsapPolygon``...), as the tables' names.
    replace
        Replace layers of those names already in the file (the user agreed).
    country
        ``US`` or ``CA``: NENA drops a few fields per country.
    fill
        Writes features into the new layers, in the transaction that adds them
        (an import): they land with the layers or not at all.

    Raises
    ------
    LayerExistsError
        When the file has layers of those names and ``replace`` is False.
    MapdeskError
        For an unknown layer, a bad folder, or a file that cannot be written;
        the file is then as it was.
    """
    schema = load_schema()
    specs = _specs(schema, layers)
    check_layer_target(path, [spec.name for spec in specs], "NENA layers")

    def write(temp: Path) -> None:
        for spec in specs:
            _write_empty(temp, spec, crs, country)
        _declare_lengths_and_defaults(temp, specs, country)

    tables = [spec.name for spec in specs]

    def finish(connection: sqlite3.Connection) -> None:
        _domains(connection, schema, specs)
        fill(connection)

    write_new_layers(path, tables, write, finish, replace)
    return [spec.name for spec in specs]


def field_rules_of(schema: NenaSchema, spec: LayerSpec) -> dict[str, dict[str, Any]]:
    """The GeoPackage field rules (io.gpkg_rules' shape) of a NENA layer's domains.

    A domain without values or range (AgencyID, PostalCode: each authority's
    own) gets none. A ServiceURN's list is narrowed to the layer's service (a
    PolicePolygon offers police URNs only), under a constraint of its own.
    """
    rules: dict[str, dict[str, Any]] = {}
    for field in spec.fields:
        domain = schema.domain_of(field)
        if domain is None or not domain.checkable:
            continue
        if domain.is_range:
            rules[field.name] = {
                "constraint": domain.name,
                "range": [domain.minimum, domain.maximum, True, True],
            }
            continue
        codes = allowed_codes(field, domain)
        labels = dict(domain.values)
        name = domain.name if codes == domain.codes else f"{domain.name}_{spec.name}"
        ordered = [code for code, _ in domain.values if code in codes]
        rules[field.name] = {
            "constraint": name,
            "codes": {code: labels[code] for code in ordered},
        }
    return rules


def _specs(schema: NenaSchema, layers: Sequence[str]) -> list[LayerSpec]:
    if not layers:
        raise MapdeskError("Choose at least one NENA layer to create")
    known = {name.lower(): name for name in nena_layer_names(schema)}
    specs = []
    for name in dict.fromkeys(layers):
        found = known.get(name.lower())
        if found is None:
            raise MapdeskError(f"No NENA layer {name!r}; known: {', '.join(known.values())}")
        specs.append(schema.layers[found])
    return specs


def _write_empty(path: Path, spec: LayerSpec, crs: CRS, country: str) -> None:
    wkb = {"ARROW:extension:name": "geoarrow.wkb"}
    schema = pa.schema(
        [pa.field(f.name, _ARROW_TYPES[f.field_type]) for f in spec.fields_for(country)]
        + [pa.field(GEOMETRY_COLUMN, pa.binary(), metadata=wkb)]
    )
    try:
        pyogrio.write_arrow(
            schema.empty_table(),
            path,
            layer=spec.name,
            driver="GPKG",
            geometry_name=GEOMETRY_COLUMN,
            geometry_type=gdal_geometry_type(spec),
            crs=gdal_crs_text(crs),
            append=path.exists(),
            layer_options={"SPATIAL_INDEX": "YES"},
        )
    except Exception as exc:
        raise MapdeskError(
            f"Cannot write the {spec.name} layer in {crs_label(crs)}: {exc}"
        ) from exc


def _declare_lengths_and_defaults(path: Path, specs: Sequence[LayerSpec], country: str) -> None:
    """Give the new (empty) tables NENA's text lengths and defaults, which pyogrio cannot.

    SQLite allows a column's declaration to be edited in the schema when the
    stored format does not change: ``TEXT`` and ``TEXT(100)`` have the same
    affinity, and a default only applies to rows yet to come. This is done in
    mapdesk's own temporary file, before it is copied or renamed into place.
    """
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA writable_schema = ON")
        for spec in specs:
            (sql,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (spec.name,)
            ).fetchone()
            for field in spec.fields_for(country):
                sql = _declared(str(sql), field)
            connection.execute(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                (sql, spec.name),
            )
        version = connection.execute("PRAGMA schema_version").fetchone()[0]
        connection.execute(f"PRAGMA schema_version = {int(version) + 1}")
        connection.execute("PRAGMA writable_schema = OFF")
        connection.commit()
        if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise MapdeskError("The new NENA layers could not be declared: nothing was written")


def _declared(sql: str, field: FieldSpec) -> str:
    declaration: str = field.field_type
    if field.field_type == "TEXT" and field.length:
        declaration = f"TEXT({int(field.length)})"
    if field.default is not None:
        literal = "'" + str(field.default).replace("'", "''") + "'"
        declaration += f" DEFAULT {literal}"
    pattern = re.compile(rf"{re.escape(quoted(field.name))} {field.field_type}\b(?!\()")
    return pattern.sub(lambda _m: f"{quoted(field.name)} {declaration}", sql, count=1)


def _domains(
    connection: sqlite3.Connection, schema: NenaSchema, specs: Sequence[LayerSpec]
) -> None:
    for spec in specs:
        write_field_rules(connection, spec.name, field_rules_of(schema, spec))
        titles = {f.name: f.alias for f in spec.fields}
        connection.executemany(
            "UPDATE gpkg_data_columns SET title = ? WHERE table_name = ? AND column_name = ?",
            [(titles[column], spec.name, column) for column in field_rules_of(schema, spec)],
        )
