"""QGIS projects without QGIS: mapdesk -> .qgz/.qgs -> mapdesk keeps what a map is.

Layers, their order and visibility, the CRS, the view extent and the single,
categorized and graduated styles must come back equal; paths are stored
relative; odd characters survive the XML; what cannot be exported is named in
warnings; broken project files give errors that name the file. That QGIS
itself opens the files is tests/export/test_qgis_opens.py.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from mapdesk.core.errors import ProjectFileError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.serialize import unavailable_layer
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import (
    Categorized,
    Graduated,
    SingleSymbol,
    SymbolClass,
    categorize,
    graduate,
)
from mapdesk.export.formats import ExportError
from mapdesk.export.qgis import export_qgis_project, view_extent
from mapdesk.io.qgis_project import open_qgis_project, read_qgis_project

DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"
ODD = "Pipes <&\"'> ü|x"  # XML's five specials, a non-ASCII letter, the OGR separator


def drawn(style: LayerStyle | None, geometry_type: str | None) -> tuple[object, ...]:
    """What of a style shows on a layer of this geometry (a line has no fill or marker)."""
    assert style is not None
    kind = (geometry_type or "").lower()
    line = (style.stroke_color, style.stroke_width, style.dashed)
    if "line" in kind:
        return line
    fill = (style.fill_color, style.fill_opacity)
    if "polygon" in kind:
        return (*line, *fill)
    return (*line, *fill, style.marker_size, style.marker_shape)


def drawn_symbology(layer: VectorLayer) -> object:
    """The symbology with each class's style reduced to what shows."""
    symbology, kind = layer.symbology, layer.geometry_type
    if isinstance(symbology, Categorized):
        other = symbology.other
        return (
            symbology.field,
            [(c.value, c.label, drawn(c.style, kind)) for c in symbology.categories],
            None if other is None else (other.label, drawn(other.style, kind)),
        )
    if isinstance(symbology, Graduated):
        ranges = [(r.lower, r.upper, r.label, drawn(r.style, kind)) for r in symbology.ranges]
        return (symbology.field, symbology.method, ranges)
    return symbology


@pytest.mark.parametrize("suffix", [".qgz", ".qgs"])
def test_round_trip_keeps_layers_order_visibility_crs_extent_and_styles(
    demo: Project, tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / "maps" / f"demo{suffix}"
    steps: list[str] = []
    result = export_qgis_project(demo, target, progress=steps.append)
    assert result.layers == tuple(layer.name for layer in demo.layers)
    assert steps and steps[-1] == f"writing {target.name}"

    described = read_qgis_project(target)
    assert [q.name for q in described.layers] == [layer.name for layer in demo.layers]
    assert [q.visible for q in described.layers] == [layer.visible for layer in demo.layers]
    assert described.crs == demo.crs
    assert described.extent == pytest.approx(demo.view.extent)
    assert described.background == demo.background
    for qgis, layer in zip(described.layers, demo.layers, strict=True):
        assert (qgis.path, qgis.layer) == (tmp_path / "data" / "demo.gpkg", layer.origin.layer)
        assert qgis.opacity == layer.opacity
        assert qgis.crs == layer.crs
        assert drawn(qgis.style, layer.geometry_type) == drawn(layer.style, layer.geometry_type)

    opened = open_qgis_project(target)
    project = opened.project
    assert opened.warnings == ()
    assert [layer.name for layer in project.layers] == [layer.name for layer in demo.layers]
    assert project.crs == demo.crs
    assert project.background == demo.background
    assert project.view is not None
    for back, layer in zip(project.layers, demo.layers, strict=True):
        assert back.visible == layer.visible
        assert back.opacity == layer.opacity
        assert back.feature_count == layer.feature_count
        assert back.unavailable is None
        assert drawn(back.style, back.geometry_type) == drawn(layer.style, layer.geometry_type)
        assert drawn_symbology(back) == drawn_symbology(layer), layer.name
    kinds = {type(layer.symbology) for layer in project.layers}
    assert kinds == {SingleSymbol, Categorized, Graduated}


def test_point_and_polygon_styles_come_back_exactly(demo: Project, tmp_path: Path) -> None:
    # Points and polygons draw every style attribute mapdesk has except, for
    # polygons, the marker: those must survive to the last decimal.
    fixit = demo.layers.by_name("FixIt incidents")
    fixit.style = LayerStyle("#123456", "#abcdef80", 0.35, 6.5, "star", 0.35, dashed=True)
    stations = demo.layers.by_name("Fire / police / EMS stations")
    stations.style = stations.style.with_changes(fill_color="#e6194b80", fill_opacity=0.5)
    target = tmp_path / "maps" / "demo.qgz"
    export_qgis_project(demo, target)
    back = open_qgis_project(target).project
    for name in ("FixIt incidents", "Radio towers", "City sites", "Municipal boundaries"):
        assert back.layers.by_name(name).style == demo.layers.by_name(name).style
    # QGIS has one alpha for a fill: a fill colour's own alpha joins the fill opacity.
    back_stations = back.layers.by_name(stations.name).style
    assert (back_stations.fill_color, back_stations.fill_opacity) == ("#e6194b", 0.25)


def test_paths_are_stored_relative_and_the_project_moves_with_its_data(
    demo: Project, tmp_path: Path
) -> None:
    target = tmp_path / "maps" / "demo.qgs"
    export_qgis_project(demo, target)
    root = ET.parse(target).getroot()
    assert root.findtext("properties/Paths/Absolute") == "false"
    sources = {e.findtext("datasource") for e in root.iter("maplayer")}
    assert sources == {f"../data/demo.gpkg|layername={layer.origin.layer}" for layer in demo.layers}
    tree = [e.get("source") for e in root.iter("layer-tree-layer")]
    assert all(source in sources for source in tree)

    moved = tmp_path / "elsewhere"
    shutil.copytree(tmp_path / "maps", moved / "maps")
    shutil.copytree(tmp_path / "data", moved / "data")
    described = read_qgis_project(moved / "maps" / "demo.qgs")
    assert {q.path for q in described.layers} == {moved / "data" / "demo.gpkg"}


def test_a_project_beside_its_data_uses_dot_slash_paths(demo: Project, tmp_path: Path) -> None:
    target = tmp_path / "data" / "demo.qgz"
    export_qgis_project(demo, target)
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["demo.qgs"]
        root = ET.fromstring(archive.read("demo.qgs"))
    source = root.find("projectlayers/maplayer/datasource")
    assert source is not None and source.text == "./demo.gpkg|layername=fixit_incidents"


@pytest.fixture
def odd_gpkg(tmp_path: Path) -> Path:
    """A GeoPackage whose table name, field values and category labels need escaping."""
    path = tmp_path / "odd.gpkg"
    frame = gpd.GeoDataFrame(
        {
            "kind": [ODD, "plain", "a & b", None],
            "size": [1, 2, 3, 2],
            "flow": [0.5, 2.25, 7.0, 11.125],
        },
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2), Point(3, 3)],
        crs="EPSG:26984",
    )
    frame.to_file(path, layer="water mains", driver="GPKG")
    lines = gpd.GeoDataFrame({"id": [1]}, geometry=[LineString([(0, 0), (3, 3)])], crs="EPSG:26984")
    lines.to_file(path, layer="lines", driver="GPKG")
    return path


def test_special_characters_and_typed_category_values_survive(
    odd_gpkg: Path, tmp_path: Path
) -> None:
    project = Project()
    layer = project.add_layer(odd_gpkg, layer="water mains")
    layer.name = ODD
    layer.symbology = categorize(layer.data, "kind", layer.style)
    by_size = project.add_layer(odd_gpkg, layer="water mains")
    by_size.symbology = categorize(layer.data, "size", layer.style)
    target = tmp_path / f"{ODD.replace('|', '_').replace('/', '_')}.qgz"

    export_qgis_project(project, target)
    back = open_qgis_project(target).project

    assert [b.name for b in back.layers] == [a.name for a in project.layers]
    field, categories, other = drawn_symbology(back.layers[1])  # type: ignore[misc]
    assert field == "kind" and other[0] == "NULL"  # type: ignore[index]
    assert categories == drawn_symbology(layer)[1][:-1]  # type: ignore[index]
    # NULL's category: in QGIS the empty value, which also catches any value
    # no category names (mapdesk's "other" class): it comes back as that.
    null = layer.symbology.categories[-1]
    assert null.value is None
    assert back.layers[1].symbology.other == SymbolClass(null.style, null.label)
    sizes = back.layers[0].symbology
    assert isinstance(sizes, Categorized)
    assert [c.value for c in sizes.categories] == [c.value for c in by_size.symbology.categories]
    assert all(type(c.value) is int for c in sizes.categories)


def test_graduated_bounds_are_exact(odd_gpkg: Path, tmp_path: Path) -> None:
    project = Project()
    layer = project.add_layer(odd_gpkg, layer="water mains")
    layer.symbology = graduate(layer.data, "flow", layer.style, "equal_interval", 3, "Blues")
    export_qgis_project(project, tmp_path / "flow.qgz")
    back = read_qgis_project(tmp_path / "flow.qgz").layers[0].symbology
    assert back == layer.symbology


def test_layers_qgis_cannot_open_are_warned_not_dropped_silently(
    odd_gpkg: Path, tmp_path: Path
) -> None:
    project = Project(crs="EPSG:26984")
    project.add_layer(odd_gpkg, layer="lines")
    frame = gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs="EPSG:26984")
    project.add_layer(VectorLayer(frame, "Scratch buffer"))
    entry = {"path": str(tmp_path / "gone.gpkg"), "layer": "x", "name": "Gone layer"}
    project.add_layer(unavailable_layer(entry, tmp_path / "gone.gpkg", "file not found"))

    result = export_qgis_project(project, tmp_path / "partial.qgz")

    assert result.layers == ("lines",)
    assert len(result.warnings) == 2
    assert "Scratch buffer" in result.warnings[1] and "memory" in result.warnings[1]
    assert "Gone layer" in result.warnings[0] and "file not found" in result.warnings[0]
    assert [q.name for q in read_qgis_project(tmp_path / "partial.qgz").layers] == ["lines"]


def test_labels_not_exported_are_warned(demo: Project, tmp_path: Path) -> None:
    result = export_qgis_project(demo, tmp_path / "maps" / "demo.qgz")
    assert result.warnings == ("Layer 'Road centrelines': its labels are not exported "
                               "(label it again in QGIS)",)  # fmt: skip


def test_a_missing_data_file_opens_as_an_unavailable_layer(demo: Project, tmp_path: Path) -> None:
    target = tmp_path / "maps" / "demo.qgz"
    export_qgis_project(demo, target)
    (tmp_path / "data" / "demo.gpkg").rename(tmp_path / "data" / "moved.gpkg")

    opened = open_qgis_project(target)

    layers = list(opened.project.layers)
    assert [layer.name for layer in layers] == [layer.name for layer in demo.layers]
    assert all(layer.unavailable is not None for layer in layers)
    assert [layer.visible for layer in layers] == [layer.visible for layer in demo.layers]
    assert len(opened.warnings) == len(layers)
    assert "FixIt incidents" in opened.warnings[0] and "demo.gpkg" in opened.warnings[0]


QGS_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.16\">"


def _qgs(layers: str, tree: str) -> str:
    return f"{QGS_HEAD}<layer-tree-group>{tree}</layer-tree-group><projectlayers>{layers}</projectlayers></qgis>"  # noqa: E501


def test_other_providers_and_renderers_are_reported_by_layer_name(
    odd_gpkg: Path, tmp_path: Path
) -> None:
    layers = """
    <maplayer type="vector"><id>pg</id><layername>Hydrants (PostGIS)</layername>
      <datasource>dbname='gis' table="public"."hydrants" (geom)</datasource>
      <provider>postgres</provider></maplayer>
    <maplayer type="raster"><id>wms</id><layername>Orthophoto</layername>
      <datasource>url=https://example.org/wms</datasource><provider>wms</provider></maplayer>
    <maplayer type="vector"><id>rules</id><layername>Mains by rule</layername>
      <datasource>./odd.gpkg|layername=water mains|subset="size" = 2</datasource>
      <provider>ogr</provider><renderer-v2 type="RuleRenderer"/></maplayer>
    <maplayer type="vector"><id>svg</id><layername>Mains as SVG</layername>
      <datasource>./odd.gpkg|layername=water mains</datasource><provider>ogr</provider>
      <renderer-v2 type="singleSymbol"><symbols><symbol type="marker" name="0">
        <layer class="SvgMarker" enabled="1"/></symbol></symbols></renderer-v2></maplayer>"""
    tree = "".join(
        f'<layer-tree-layer id="{i}" checked="Qt::Checked"/>' for i in ("pg", "wms", "rules", "svg")
    )
    target = tmp_path / "mixed.qgs"
    target.write_text(_qgs(layers, tree), encoding="utf-8")

    opened = open_qgis_project(target)

    assert [layer.name for layer in opened.project.layers] == ["Mains by rule", "Mains as SVG"]
    text = "\n".join(opened.warnings)
    assert "'Hydrants (PostGIS)' is left out" in text and "postgres" in text
    assert "'Orthophoto' is left out" in text and "raster" in text
    assert "Layer 'Mains by rule': its 'RuleRenderer' renderer is not one mapdesk draws" in text
    assert "Layer 'Mains by rule': its filter" in text
    assert "Layer 'Mains as SVG': symbol layers mapdesk cannot draw (SvgMarker)" in text
    svg = opened.project.layers.by_name("Mains as SVG")
    assert isinstance(svg.symbology, SingleSymbol) and svg.feature_count == 4


def test_groups_hide_their_layers_and_unknown_ids_are_ignored(
    odd_gpkg: Path, tmp_path: Path
) -> None:
    layers = """<maplayer type="vector"><id>a</id><layername>A</layername>
      <datasource>./odd.gpkg|layername=lines</datasource><provider>ogr</provider></maplayer>"""
    tree = """<layer-tree-layer id="ghost"/><layer-tree-group name="G" checked="Qt::Unchecked">
      <layer-tree-layer id="a" checked="Qt::Checked"/></layer-tree-group>"""
    (tmp_path / "groups.qgs").write_text(_qgs(layers, tree), encoding="utf-8")
    described = read_qgis_project(tmp_path / "groups.qgs")
    assert [(q.name, q.visible) for q in described.layers] == [("A", False)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.qgs", b"<qgis><projectlayers>", "damaged XML"),
        ("other.qgs", b"<html></html>", "not a QGIS project"),
        ("notzip.qgz", b"<qgis/>", "not a valid .qgz"),
        ("empty.qgz", None, "holds no QGIS project"),
        ("missing.qgz", "absent", "not found"),
    ],
)
def test_broken_project_files_raise_errors_naming_the_file(
    tmp_path: Path, name: str, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("demo.qgd", b"aux")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=message) as raised:
        read_qgis_project(path)
    assert name in str(raised.value)


def test_a_zip_bomb_is_refused_before_it_fills_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small .qgz whose project unpacks to far more than any real project."""
    import mapdesk.io.qgis_project as qgis_project

    monkeypatch.setattr(qgis_project, "MAX_PROJECT_BYTES", 5_000_000)  # keeps the test quick
    path = tmp_path / "bomb.qgz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.qgs", b"<qgis>" + b" " * 20_000_000 + b"</qgis>")
    assert path.stat().st_size < 100_000
    with pytest.raises(ProjectFileError, match=r"bomb\.qgz: its project file bomb\.qgs unpacks"):
        read_qgis_project(path)


def test_export_refuses_other_suffixes_and_missing_folders(demo: Project, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.qgz or \.qgs"):
        export_qgis_project(demo, tmp_path / "demo.qgis")
    with pytest.raises(ExportError, match="does not exist"):
        export_qgis_project(demo, tmp_path / "nowhere" / "demo.qgz")


def test_export_replaces_atomically_and_leaves_no_temporary_file(
    demo: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "maps" / "demo.qgz"
    target.write_bytes(b"earlier export")
    monkeypatch.setattr(zipfile.ZipFile, "testzip", lambda self: "demo.qgs")  # a bad read-back
    with pytest.raises(ExportError, match="read back differently") as raised:
        export_qgis_project(demo, target)
    assert "demo.qgz" in str(raised.value)
    assert target.read_bytes() == b"earlier export"
    monkeypatch.undo()
    export_qgis_project(demo, target)
    assert [p.name for p in target.parent.iterdir()] == ["demo.qgz"]
    assert zipfile.is_zipfile(target)


def test_without_a_view_the_home_extent_is_saved(demo: Project, tmp_path: Path) -> None:
    demo.view = None
    export_qgis_project(demo, tmp_path / "maps" / "home.qgz")
    described = read_qgis_project(tmp_path / "maps" / "home.qgz")
    assert described.extent == pytest.approx(view_extent(demo))
    assert described.extent == pytest.approx(demo.home_extent())
