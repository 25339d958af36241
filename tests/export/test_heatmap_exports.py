"""A heatmap layer in every export: printed maps, web maps and QGIS projects.

Printed maps draw it (the PDF's one raster image) with its ramp in the
legend; web maps cannot draw it and say so; QGIS projects carry it as
QGIS's own ``heatmapRenderer``, which mapdesk reads back. That QGIS itself
draws it is tests/export/test_qgis_opens.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from shapely.geometry import Point

from mapdesk.core.heatmap import HEAT_RAMPS, ColorRamp, Heatmap
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.symbology import SingleSymbol
from mapdesk.core.view import ViewState
from mapdesk.export.layout.legend import legend_rows, paint_legend
from mapdesk.export.map_layout import MapLayoutOptions, export_map
from mapdesk.export.qgis import export_qgis_project
from mapdesk.export.web import export_web_map
from mapdesk.io.qgis_project import open_qgis_project
from mapdesk.render.settings import LayerSnapshot
from tests.export.web_helpers import fixit_frame, layer_data, legend_html, project_of

CITY_HALL = (892_630.0, 91_540.0)  # Maine West metres
RED = (0xBD, 0x00, 0x26)  # the default ramp's densest colour


@pytest.fixture
def heat_project(demo_project: Project) -> Project:
    """The demo with its FixIt reports as a heatmap, zoomed to the peninsula."""
    fixit = demo_project.layers.by_name("FixIt incidents")
    fixit.symbology = Heatmap()
    x, y = CITY_HALL
    view = ViewState(width=1000, height=700).fitted((x - 2600, y - 1800, x + 2600, y + 1800))
    demo_project.view = view
    return demo_project


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return found


def _near(pixels: np.ndarray, color: tuple[int, int, int], tolerance: int = 30) -> int:
    return int((np.abs(pixels.astype(int) - np.array(color)).max(axis=-1) <= tolerance).sum())


def _rgb(image: QImage) -> np.ndarray:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.bytesPerLine() * rgb.height())
    rows = raw.reshape(rgb.height(), rgb.bytesPerLine())[:, : rgb.width() * 3]
    return rows.reshape(rgb.height(), rgb.width(), 3)


# --- printed maps -----------------------------------------------------------------------
def test_the_printed_legend_shows_the_ramp_sparse_to_dense(heat_project: Project) -> None:
    fixit = heat_project.layers.by_name("FixIt incidents")
    rows = legend_rows([LayerSnapshot.of(fixit)])
    assert [(r.text, r.heading, r.ramp) for r in rows] == [
        ("FixIt incidents", True, None),
        ("sparse → dense", False, fixit.symbology.ramp),
    ]
    image = QImage(300, 100, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    assert paint_legend(painter, QRectF(0, 0, 300, 100), rows) == 2
    painter.end()
    bar = _rgb(image)[15 + 17 : 15 + 25, 10:48]  # the second row's colour bar
    assert _near(bar[:, -4:], RED, 40) > 0  # dense end
    assert _near(bar[:, :4], (255, 255, 255), 25) > 0  # sparse end: the page shows through


def test_a_weighted_heatmap_says_what_weighs_in_the_legend(heat_project: Project) -> None:
    fixit = heat_project.layers.by_name("FixIt incidents")
    fixit.replace_data(fixit.data.assign(calls=1.0))
    fixit.symbology = Heatmap(weight_field="calls")
    rows = legend_rows([LayerSnapshot.of(fixit)])
    assert rows[1].text == "sparse → dense (weighted by calls)"


def test_the_printed_pdf_draws_the_heatmap_as_its_one_image(
    heat_project: Project, tmp_path: Path
) -> None:
    target = tmp_path / "density.pdf"
    options = MapLayoutOptions(title="FixIt density", date=dt.date(2026, 11, 26))
    export_map(heat_project, target, options)
    listing = subprocess.run(
        [_tool("pdfimages"), "-list", str(target)], capture_output=True, text=True, check=True
    )
    images = [line.split() for line in listing.stdout.splitlines()[2:]]
    assert [image[2] for image in images] == ["image", "smask"]  # one picture and its alpha
    assert int(images[0][12]) >= 150  # ppi: smooth on paper
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(target), "-"], capture_output=True, text=True
    ).stdout
    assert "sparse → dense" in text
    stem = tmp_path / "page"
    subprocess.run([_tool("pdftoppm"), "-r", "72", "-png", str(target), str(stem)], check=True)
    (picture,) = tmp_path.glob("page*.png")
    assert _near(_rgb(QImage(str(picture))), RED) > 30  # downtown's hot spot


def test_a_printed_png_draws_the_heatmap(heat_project: Project, tmp_path: Path) -> None:
    target = tmp_path / "density.png"
    export_map(heat_project, target, MapLayoutOptions(title="FixIt density", dpi=96))
    assert _near(_rgb(QImage(str(target))), RED) > 50


# --- web maps --------------------------------------------------------------------------
def test_a_web_map_draws_heatmap_points_with_one_symbol_and_warns(tmp_path: Path) -> None:
    frame = fixit_frame({"status": ["open", "closed", "open"], "calls": [1, 4, 2]})
    layer = VectorLayer(frame, "FixIt")
    layer.symbology = Heatmap(weight_field="calls")
    target = tmp_path / "map.html"

    result = export_web_map(project_of(layer), target)

    assert result.features == 3
    assert [w for w in result.warnings if "heatmap" in w] == [
        'Layer "FixIt" is a heatmap in mapdesk, which web maps cannot draw (no heatmap '
        "library is bundled): its points are drawn with its single symbol"
    ]
    page = target.read_text(encoding="utf-8")
    (data,) = layer_data(page)
    assert len(data["styles"]) == 1
    assert data["styles"][0]["fillColor"] == layer.style.fill_color
    assert "FixIt" in legend_html(page)
    assert isinstance(layer.symbology, Heatmap)  # the project itself is untouched


# --- QGIS projects ---------------------------------------------------------------------
def test_a_qgis_project_carries_qgis_s_heatmap_renderer(
    heat_project: Project, tmp_path: Path
) -> None:
    fixit = heat_project.layers.by_name("FixIt incidents")
    fixit.symbology = Heatmap(250.0, "m", HEAT_RAMPS["Heat"], maximum=12.5)
    target = tmp_path / "density.qgs"
    result = export_qgis_project(heat_project, target)
    assert not [w for w in result.warnings if "FixIt" in w]
    root = ET.parse(target).getroot()
    (layer,) = [m for m in root.iter("maplayer") if m.findtext("layername") == "FixIt incidents"]
    renderer = layer.find("renderer-v2")
    assert renderer is not None
    assert {k: renderer.get(k) for k in ("type", "radius", "radius_unit", "max_value")} == {
        "type": "heatmapRenderer",
        "radius": "250",
        "radius_unit": "7",  # QGIS's metres on the ground
        "max_value": "12.5",
    }
    assert renderer.get("weight_expression") == "" and renderer.get("quality") == "1"
    props = {p.get("k"): p.get("v") for p in renderer.findall("colorramp/prop")}
    assert props["color1"] == "0,0,255,0" and props["color2"] == "255,0,0,255"
    assert props["stops"].split(":")[0] == "0.15;0,0,255,160"


def test_heatmaps_come_back_from_a_qgis_project_as_they_went(
    heat_project: Project, tmp_path: Path
) -> None:
    fixit = heat_project.layers.by_name("FixIt incidents")
    fixit.replace_data(fixit.data.assign(calls=np.arange(fixit.feature_count) % 3))
    custom = ColorRamp("From QGIS", ((0.0, "#ffffff00"), (0.4, "#41b6c4c0"), (1.0, "#253494")))
    heatmaps = [
        Heatmap(),
        Heatmap(8.0, "px", HEAT_RAMPS["Viridis"], "calls"),
        Heatmap(300.0, "m", custom, maximum=20.0),
    ]
    for heatmap in heatmaps:
        fixit.symbology = heatmap
        export_qgis_project(heat_project, tmp_path / "density.qgz")
        back = open_qgis_project(tmp_path / "density.qgz")
        if heatmap.weight_field:  # the field is mapdesk's own: not in the file
            assert any("calls" in w for w in back.warnings)
            continue
        assert back.project.layers.by_name("FixIt incidents").symbology == heatmap


#: A layer as QGIS 3.22 writes a heatmap (saved by QGIS itself, trimmed).
QGIS_HEATMAP = """<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16">{project_crs}<layer-tree-group>
<layer-tree-layer id="pts" checked="Qt::Checked"/></layer-tree-group><projectlayers>
<maplayer type="vector" geometry="Point"><id>pts</id><layername>Calls</layername>
<datasource>./calls.gpkg|layername=calls</datasource><provider>ogr</provider>
<renderer-v2 symbollevels="0" radius_map_unit_scale="3x:0,0,0,0,0,0" radius="12.5"
 radius_unit="{unit}" enableorderby="0" type="heatmapRenderer" max_value="{maximum}" quality="3"
 weight_expression="{weight}" forceraster="0" referencescale="-1">
 <colorramp type="gradient" name="[source]">
  <Option type="Map">
   <Option value="255,255,178,0" type="QString" name="color1"/>
   <Option value="189,0,38,255" type="QString" name="color2"/>
   <Option value="0" type="QString" name="discrete"/>
   <Option value="gradient" type="QString" name="rampType"/>
   <Option value="{stops}" type="QString" name="stops"/>
  </Option>
  <prop k="color1" v="255,255,178,0"/><prop k="color2" v="189,0,38,255"/>
 </colorramp></renderer-v2></maplayer></projectlayers></qgis>"""


#: Gradient stops as QGIS 3.22 writes them (offset;colour) and as 3.24 and later
#: do (offset;colour;colour spec;hue direction).
QGIS_322_STOPS = "0.25;254,204,92,255:0.6;240,59,32,200"
QGIS_328_STOPS = "0.25;254,204,92,255;rgb;ccw:0.6;240,59,32,200;rgb;ccw"


@pytest.fixture
def calls_gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "calls.gpkg"
    gpd.GeoDataFrame(
        {"w": [1.0, 2.5], "name": ["a", "b"]},
        geometry=[Point(0, 0), Point(5, 5)],
        crs="EPSG:26919",
    ).to_file(path, layer="calls", driver="GPKG")
    return path


def _open(tmp_path: Path, **attributes: str) -> tuple[Heatmap | object, tuple[str, ...]]:
    values = {
        "unit": "0",
        "maximum": "0",
        "weight": "w",
        "stops": QGIS_322_STOPS,
        "project_crs": "",
        **attributes,
    }
    (tmp_path / "calls.qgs").write_text(QGIS_HEATMAP.format(**values), encoding="utf-8")
    opened = open_qgis_project(tmp_path / "calls.qgs")
    return opened.project.layers.by_name("Calls").symbology, opened.warnings


@pytest.mark.parametrize("stops", [QGIS_322_STOPS, QGIS_328_STOPS])
def test_mapdesk_reads_the_heatmap_qgis_wrote(calls_gpkg: Path, tmp_path: Path, stops: str) -> None:
    symbology, warnings = _open(tmp_path, stops=stops)
    assert warnings == ()
    assert symbology == Heatmap(
        12.5,
        "mm",
        ColorRamp(
            "From QGIS",
            (
                (0.0, "#ffffb200"),
                (0.25, "#fecc5c"),
                (0.6, "#f03b20c8"),
                (1.0, "#bd0026"),
            ),
        ),
        weight_field="w",
        maximum=None,
    )


@pytest.mark.parametrize(
    ("attributes", "expected", "note"),
    [
        ({"unit": "2", "maximum": "7.5"}, (12.5, "px", 7.5, "w"), None),
        ({"unit": "4"}, (12.5 * 25.4 / 72, "mm", None, "w"), None),  # points
        ({"unit": "1"}, (12.5, "m", None, "w"), "map units is read as metres"),
        ({"weight": "&quot;w&quot;"}, (12.5, "mm", None, "w"), None),  # quoted: "w"
        ({"weight": "w * 2"}, (12.5, "mm", None, None), "every point counts 1"),
        ({"weight": "log(w)"}, (12.5, "mm", None, None), "every point counts 1"),
        ({"stops": "0.5;254,204,92,255;hsv;cw"}, (12.5, "mm", None, "w"), "blends in HSV"),
    ],
)
def test_qgis_units_and_weights_are_read_or_said_to_be_changed(
    calls_gpkg: Path, tmp_path: Path, attributes: dict, expected: tuple, note: str | None
) -> None:
    symbology, warnings = _open(tmp_path, **attributes)
    assert isinstance(symbology, Heatmap)
    assert symbology.radius == pytest.approx(expected[0])
    assert (symbology.radius_unit, symbology.maximum, symbology.weight_field) == expected[1:]
    assert (note is None) == (warnings == ()), warnings
    if note:
        assert note in " ".join(warnings)


def test_a_radius_in_map_units_of_a_feet_project_is_read_in_metres(
    calls_gpkg: Path, tmp_path: Path
) -> None:
    # The city's projects are in Maine West US feet: 500 map units are 500 ft.
    feet = "<projectCrs><spatialrefsys><authid>EPSG:26847</authid></spatialrefsys></projectCrs>"
    symbology, warnings = _open(tmp_path, unit="1", project_crs=feet)
    assert isinstance(symbology, Heatmap) and symbology.radius_unit == "m"
    assert symbology.radius == pytest.approx(12.5 * 1200 / 3937)
    assert not [w for w in warnings if "map units" in w]


def test_a_weight_field_with_a_space_is_a_field_as_in_qgis(tmp_path: Path) -> None:
    gpd.GeoDataFrame(
        {"days open": [1.0, 2.5]}, geometry=[Point(0, 0), Point(5, 5)], crs="EPSG:26919"
    ).to_file(tmp_path / "calls.gpkg", layer="calls", driver="GPKG")
    symbology, warnings = _open(tmp_path, weight="days open")
    assert warnings == ()
    assert isinstance(symbology, Heatmap) and symbology.weight_field == "days open"


def test_a_weight_field_named_like_an_expression_comes_back_from_qgis(tmp_path: Path) -> None:
    # QGIS finds "calls/day" as a field; unquoted, reading it back took it
    # for an expression and dropped the weight.
    data = tmp_path / "calls.gpkg"
    gpd.GeoDataFrame(
        {"calls/day": [1.0, 2.5]}, geometry=[Point(0, 0), Point(5, 5)], crs="EPSG:26919"
    ).to_file(data, layer="calls", driver="GPKG")
    project = Project(crs="EPSG:26919")
    layer = project.add_layer(data)
    layer.symbology = Heatmap(weight_field="calls/day")
    export_qgis_project(project, tmp_path / "weighted.qgs")
    back = open_qgis_project(tmp_path / "weighted.qgs")
    assert back.warnings == ()
    assert back.project.layers[0].symbology == Heatmap(weight_field="calls/day")


def test_a_weight_field_the_data_lacks_keeps_the_layer_and_says_so(
    calls_gpkg: Path, tmp_path: Path
) -> None:
    symbology, warnings = _open(tmp_path, weight="population")
    assert isinstance(symbology, SingleSymbol)
    assert any("population" in w for w in warnings)
