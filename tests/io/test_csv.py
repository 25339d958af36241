"""CSV layout detection and reading: delimiters, encodings, x/y and WKT columns."""

from __future__ import annotations

import pytest

from mapdesk.core.errors import CsvLayoutError
from mapdesk.io import CsvLayout, describe, detect_csv_layout, list_layers, read_layer

SEECLICKFIX = (
    "\ufeffId,Address,Description,Lat,Lng,ZIP\n"
    '101,"389 Congress St","Smell near\nthe harbor",43.6567,-70.2619,04101\n'
    '102,"Willard Beach","",43.6393,-70.2254,04106\n'
)


def test_lat_lng_columns_become_points_in_wgs84(tmp_path):
    path = tmp_path / "scf.csv"
    path.write_text(SEECLICKFIX, encoding="utf-8")

    layout = detect_csv_layout(path)
    result = read_layer(path)

    assert (layout.encoding, layout.delimiter, layout.kind) == ("utf-8-sig", ",", "xy")
    assert (layout.x_field, layout.y_field, layout.crs) == ("Lng", "Lat", "EPSG:4326")
    assert layout.header[0] == "Id"
    frame = result.frame
    assert len(frame) == 2
    assert frame.crs.to_epsg() == 4326
    assert (frame.geometry.iloc[0].x, frame.geometry.iloc[0].y) == (-70.2619, 43.6567)
    assert frame["Description"].iloc[0] == "Smell near\nthe harbor"
    assert result.source == result.source.__class__(str(path), None, "CSV", "csv")


def test_zip_codes_and_ids_keep_leading_zeros(tmp_path):
    path = tmp_path / "scf.csv"
    path.write_text(SEECLICKFIX, encoding="utf-8")

    frame = read_layer(path).frame

    assert frame["ZIP"].tolist() == ["04101", "04106"]
    assert frame["Id"].tolist() == [101, 102]


def test_projected_x_y_has_no_crs_and_says_so(tmp_path):
    path = tmp_path / "outfalls.csv"
    path.write_text("name,POINT_X,POINT_Y\nCSO 002,398731.5,4835012.2\nCSO 004,399102,4834877\n")

    layout = detect_csv_layout(path)
    result = read_layer(path)

    assert (layout.x_field, layout.y_field, layout.crs) == ("POINT_X", "POINT_Y", None)
    assert result.frame.crs is None
    assert result.frame.geometry.iloc[1].x == 399102
    assert any(w.startswith("No CRS") for w in result.warnings)


def test_wkt_with_a_bad_row_names_the_row(tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text('id,WKT\n1,"POINT (10 20)"\n2,"POINT (10)"\n3,""\n4,"LINESTRING (0 0, 1 1)"\n')

    result = read_layer(path)

    frame = result.frame
    assert len(frame) == 4  # no row is dropped
    assert frame.geometry.isna().tolist() == [False, True, True, False]
    assert "WKT" not in frame.columns
    assert any("could not read" in w and "row 2 (line 3)" in w for w in result.warnings)
    assert any("empty WKT" in w and "row 3 (line 4)" in w for w in result.warnings)


def test_ewkt_srid_becomes_the_crs(tmp_path):
    path = tmp_path / "ewkt.csv"
    path.write_text("id|geom\n1|SRID=26984;POINT (871000 92000)\n2|SRID=26984;POINT (1 2)\n")

    layout = detect_csv_layout(path)
    result = read_layer(path)

    assert (layout.delimiter, layout.kind, layout.crs) == ("|", "wkt", "EPSG:26984")
    assert result.frame.crs.to_epsg() == 26984
    assert result.frame.geometry.iloc[0].x == 871000


def test_curves_triangles_and_tins_are_read(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(
        "WKT,kind\n"
        '"CIRCULARSTRING (0 0, 1 1, 2 0)",arc\n'
        '"TRIANGLE ((0 0, 0 1, 1 1, 0 0))",triangle\n'
        '"TIN (((0 0, 0 1, 1 0, 0 0)), ((0 1, 1 1, 1 0, 0 1)))",tin\n'
    )

    frame = read_layer(path).frame

    assert frame.geom_type.tolist() == ["LineString", "Polygon", "MultiPolygon"]
    assert len(frame.geometry.iloc[0].coords) > 3  # linearised, not a straight line


def test_semicolon_delimiter_and_cp1252_text(tmp_path):
    path = tmp_path / "bornes.csv"
    path.write_bytes("nom;latitude;longitude\nCafé Mère;43,65;-70,26\n".encode("cp1252"))

    layout = detect_csv_layout(path)
    frame = read_layer(path).frame

    assert (layout.delimiter, layout.encoding) == (";", "cp1252")
    assert frame["nom"].tolist() == ["Café Mère"]
    assert (frame.geometry.iloc[0].x, frame.geometry.iloc[0].y) == (-70.26, 43.65)


def test_tab_delimited_with_bom(tmp_path):
    path = tmp_path / "hydrants.tsv"
    path.write_bytes("\ufeffid\tlon\tlat\nH1\t-70.25\t43.66\n".encode("utf-8"))

    layout = detect_csv_layout(path)
    result = read_layer(path)

    assert (layout.delimiter, layout.encoding, layout.header) == (
        "\t",
        "utf-8-sig",
        ("id", "lon", "lat"),
    )
    assert list(result.frame.columns) == ["id", "lon", "lat", "geometry"]


def test_rows_without_coordinates_are_kept_and_named(tmp_path):
    path = tmp_path / "beaches.csv"
    path.write_text("Beach,Latitude,Longitude\nWillard,43.639,-70.225\nEast End,,\n\nBug,x,y\n")

    result = read_layer(path)

    assert len(result.frame) == 3  # the blank line is not a record
    assert result.frame.geometry.isna().tolist() == [False, True, True]
    assert any("rows 2 (line 3), 3 (line 5)" in w for w in result.warnings)


def test_no_geometry_columns_names_the_columns(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("event,firstdate,CSO_002\n1,2015-01-04,0\n")

    assert detect_csv_layout(path).kind == "none"
    (info,) = list_layers(path)
    assert info.geometry_type is None
    with pytest.raises(CsvLayoutError, match=r"events\.csv: no geometry columns.*event, firstdate"):
        read_layer(path)


def test_an_explicit_layout_without_geometry_reads_a_table(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("event,firstdate\n1,2015-01-04\n2,2015-02-01\n")
    layout = CsvLayout(",", "utf-8", "none", None, None, None, None, ("event", "firstdate"))

    result = read_layer(path, csv_layout=layout)

    assert len(result.frame) == 2
    assert result.frame.geometry.isna().all()


def test_an_explicit_layout_with_a_missing_column_is_refused(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("a,b\n1,2\n")
    layout = CsvLayout(",", "utf-8", "xy", "lon", "lat", None, None, ("a", "b"))

    with pytest.raises(CsvLayoutError, match=r"events\.csv: column 'lon' is not in the file"):
        read_layer(path, csv_layout=layout)


def test_wrong_encoding_is_a_layout_error(tmp_path):
    path = tmp_path / "bornes.csv"
    path.write_bytes("nom,lat,lon\nCafé,43.6,-70.2\n".encode("cp1252"))
    layout = CsvLayout(",", "utf-8", "xy", "lon", "lat", None, None, ("nom", "lat", "lon"))

    with pytest.raises(CsvLayoutError, match=r"bornes\.csv: the text is not utf-8"):
        read_layer(path, csv_layout=layout)


def test_describe_counts_rows_and_types_columns(tmp_path):
    path = tmp_path / "scf.csv"
    path.write_text(SEECLICKFIX, encoding="utf-8")

    (info,) = describe(path)

    assert (info.name, info.driver, info.geometry_type, info.feature_count) == (
        "scf",
        "CSV",
        "Point",
        2,
    )
    assert info.extent == pytest.approx((-70.2619, 43.6393, -70.2254, 43.6567))
    assert ("Lat", "Real") in info.fields and ("ZIP", "String") in info.fields


def test_a_wkt_value_longer_than_the_csv_module_default_limit(tmp_path):
    ring = ", ".join(f"{i % 360 - 180} {(i * 7) % 170 - 85}" for i in range(20000))
    path = tmp_path / "town.csv"
    path.write_text(f'name,WKT\nBig,"LINESTRING ({ring})"\n')
    assert len(ring) > 131072

    result = read_layer(path)

    assert len(result.frame.geometry.iloc[0].coords) == 20000


def test_codes_stay_text_and_numbers_keep_every_digit(tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text(
        "tag,asset_id,serial,reading,WKT\n"
        "1E5,9223372036854775807,12345678901234567890123,1e+16,POINT (1 2)\n"
        "2E3,-5,7,2.5e-07,POINT (3 4)\n"
    )
    frame = read_layer(path).frame
    assert frame["tag"].tolist() == ["1E5", "2E3"]  # asset tags, not 100000.0
    assert frame["asset_id"].tolist() == [2**63 - 1, -5]  # the widest 64-bit integer, exact
    assert frame["serial"].tolist() == ["12345678901234567890123", "7"]  # too wide: as text
    assert frame["reading"].tolist() == [1e16, 2.5e-07]  # exponents as Python writes them
