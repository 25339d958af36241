"""QGIS 3.22 itself opens what mapdesk exports, and mapdesk reads what QGIS saves.

QGIS runs in a child process (Debian's ``/usr/bin/python3`` with python3-qgis;
mapdesk's venv has no QGIS bindings). The child prints what QGIS sees as JSON.
Skipped when QGIS is not installed, except on CI (``CI`` set), where
scripts/test.sh installs it and a missing QGIS is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import Categorized, Graduated, SingleSymbol
from mapdesk.export.qgis import export_qgis_project
from mapdesk.io.qgis_project import open_qgis_project, read_qgis_project
from mapdesk.io.qgis_xml import rgba

pytestmark = pytest.mark.qgis

#: Debian's Python with python3-qgis (another one: set MAPDESK_QGIS_PYTHON).
QGIS_PYTHON = os.environ.get("MAPDESK_QGIS_PYTHON", "/usr/bin/python3")
DEMO = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"

_START = """
import json, sys
from qgis.core import QgsApplication, QgsProject
app = QgsApplication([], False)
app.initQgis()
"""

#: Prints what QGIS sees in the project file argv[1].
INSPECT = (
    _START
    + """
from qgis.core import NULL
project = QgsProject.instance()
read = project.read(sys.argv[1])

def color(symbol):
    c = symbol.color()
    return [c.red(), c.green(), c.blue(), c.alpha()]

def classes(renderer):
    kind = renderer.type()
    if kind == "singleSymbol":
        return [color(renderer.symbol())]
    if kind == "categorizedSymbol":
        return [renderer.classAttribute()] + [
            ["" if c.value() in (None, NULL) else str(c.value()), c.label(), color(c.symbol())]
            for c in renderer.categories()
        ]
    if kind == "graduatedSymbol":
        return [renderer.classAttribute()] + [
            [r.lowerValue(), r.upperValue(), r.label(), color(r.symbol())]
            for r in renderer.ranges()
        ]
    return []

layers = []
for node in project.layerTreeRoot().findLayers():
    layer = node.layer()
    renderer = layer.renderer() if layer is not None else None
    layers.append({
        "name": node.name(),
        "valid": bool(layer is not None and layer.isValid()),
        "checked": node.itemVisibilityChecked(),
        "features": layer.featureCount() if layer is not None else None,
        "crs": layer.crs().authid() if layer is not None else None,
        "opacity": layer.opacity() if layer is not None else None,
        "renderer": renderer.type() if renderer is not None else None,
        "classes": classes(renderer) if renderer is not None else None,
    })
extent = project.viewSettings().defaultViewExtent()
print(json.dumps({
    "read": read,
    "crs": project.crs().authid(),
    "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
    "layers": layers,
}))
"""
)

#: Builds a project in QGIS from the GeoPackage argv[1], saves it as argv[2].
AUTHOR = (
    _START
    + """
from qgis.core import (
    QgsCategorizedSymbolRenderer, QgsCoordinateReferenceSystem, QgsFillSymbol,
    QgsGraduatedSymbolRenderer, QgsLineSymbol, QgsMarkerSymbol, QgsRendererCategory,
    QgsRendererRange, QgsSingleSymbolRenderer, QgsVectorLayer,
)
gpkg, target = sys.argv[1], sys.argv[2]
project = QgsProject.instance()
project.setCrs(QgsCoordinateReferenceSystem("EPSG:26984"))
zones = QgsVectorLayer(gpkg + "|layername=zones", "Zones", "ogr")
zones.setRenderer(QgsGraduatedSymbolRenderer("pop", [
    QgsRendererRange(0, 10, QgsFillSymbol.createSimple({"color": "255,255,204,255"}), "few"),
    QgsRendererRange(10, 50.5, QgsFillSymbol.createSimple(
        {"color": "253,141,60,128", "outline_style": "dash"}), "many"),
]))
mains = QgsVectorLayer(gpkg + "|layername=mains", "Water mains", "ogr")
mains.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple(
    {"line_color": "0,0,255,255", "line_width": "0.5", "line_style": "dash"})))
hydrants = QgsVectorLayer(gpkg + "|layername=hydrants", "Hydrants <&>", "ogr")
hydrants.setRenderer(QgsCategorizedSymbolRenderer("status", [
    QgsRendererCategory("open", QgsMarkerSymbol.createSimple(
        {"name": "square", "color": "215,25,28,255", "size": "3"}), "Open"),
    QgsRendererCategory("closed", QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": "158,158,158,255", "size": "2"}), "Closed"),
    QgsRendererCategory("", QgsMarkerSymbol.createSimple(
        {"name": "triangle", "color": "0,0,0,255"}), "Everything else"),
]))
for layer in (zones, mains, hydrants):  # each new layer goes on top of the panel
    assert layer.isValid(), layer.name()
    project.addMapLayer(layer)
project.layerTreeRoot().findLayer(mains.id()).setItemVisibilityChecked(False)
assert project.write(target)
print(json.dumps({"layers": [n.name() for n in project.layerTreeRoot().findLayers()]}))
"""
)


@cache
def _qgis_missing() -> str | None:
    """Why QGIS's Python bindings cannot be used (None: they can)."""
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} does not exist"
    check = subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"],
        capture_output=True,
        text=True,
        env=_child_env(None),
        timeout=120,
    )
    return None if check.returncode == 0 else (check.stderr.strip().splitlines() or ["?"])[-1]


@pytest.fixture
def qgis(tmp_path: Path) -> Path:
    """A QGIS settings folder for the child; skips (fails on CI) without QGIS."""
    missing = _qgis_missing()
    if missing:
        message = f"QGIS 3.22 Python bindings unavailable ({missing}): apt install python3-qgis"
        if os.environ.get("CI"):
            pytest.fail(f"On CI QGIS must be installed (scripts/test.sh does it): {message}")
        pytest.skip(message)
    settings = tmp_path / "qgis-settings"
    settings.mkdir()
    return settings


def _child_env(settings: Path | None) -> dict[str, str]:
    # The venv's variables would point QGIS's Python at mapdesk's packages.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    env["QT_QPA_PLATFORM"] = "offscreen"
    if settings is not None:
        env["QGIS_CUSTOM_CONFIG_PATH"] = str(settings)  # not the tester's QGIS profile
        env["XDG_RUNTIME_DIR"] = str(settings)
    return env


def run_qgis(settings: Path, script: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [QGIS_PYTHON, "-c", script, *args],
        capture_output=True,
        text=True,
        env=_child_env(settings),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _rgba(text: str) -> list[int]:
    return [int(v) for v in text.split(",")]


def expected_color(style: LayerStyle, geometry_type: str | None) -> list[int]:
    """The colour QGIS reports for a symbol: a line's stroke, else the fill."""
    if "line" in (geometry_type or "").lower():
        return _rgba(rgba(style.stroke_color))
    return _rgba(rgba(style.fill_color, style.fill_opacity))


def expected_classes(layer: Any) -> list[Any]:
    symbology, kind = layer.symbology, layer.geometry_type
    if isinstance(symbology, SingleSymbol):
        return [expected_color(layer.style, kind)]
    if isinstance(symbology, Categorized):
        categories = [
            [str(c.value), c.label, expected_color(c.style, kind)] for c in symbology.categories
        ]
        return [symbology.field, *categories]
    assert isinstance(symbology, Graduated)
    ranges = [[r.lower, r.upper, r.label, expected_color(r.style, kind)] for r in symbology.ranges]
    return [symbology.field, *ranges]


def test_qgis_opens_the_exported_demo_as_mapdesk_shows_it(
    qgis: Path, demo: Project, tmp_path: Path
) -> None:
    target = tmp_path / "maps" / "demo.qgz"
    export_qgis_project(demo, target)

    seen = run_qgis(qgis, INSPECT, str(target))

    assert seen["read"] is True
    assert seen["crs"] == "EPSG:26984"
    assert seen["extent"] == pytest.approx(list(demo.view.extent))
    layers = seen["layers"]
    assert [q["name"] for q in layers] == [layer.name for layer in demo.layers]
    for qgis_layer, layer in zip(layers, demo.layers, strict=True):
        assert qgis_layer["valid"], layer.name
        assert qgis_layer["checked"] == layer.visible, layer.name
        assert qgis_layer["features"] == layer.feature_count, layer.name
        assert qgis_layer["crs"] == f"EPSG:{layer.crs.to_epsg()}", layer.name
        assert qgis_layer["opacity"] == pytest.approx(layer.opacity), layer.name
        assert qgis_layer["renderer"] == f"{layer.symbology.kind}Symbol", layer.name
        assert qgis_layer["classes"] == expected_classes(layer), layer.name
    renderers = {q["renderer"] for q in layers}
    assert renderers == {"singleSymbol", "categorizedSymbol", "graduatedSymbol"}


def test_qgis_opens_shapefiles_zipped_or_not_by_relative_path(qgis: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    frame = gpd.GeoDataFrame(
        {"kind": ["a", "b", "c"]},
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2)],
        crs="EPSG:26984",
    )
    frame.to_file(data / "points.shp")
    with zipfile.ZipFile(data / "zipped.zip", "w") as archive:
        for member in data.glob("points.*"):
            archive.write(member, f"inner/{member.name}")
    project = Project()
    project.add_layer(data / "points.shp")
    project.add_layer(data / "zipped.zip")
    (tmp_path / "maps").mkdir()
    target = tmp_path / "maps" / "shapes.qgs"
    export_qgis_project(project, target)
    assert "/vsizip/../data/zipped.zip/inner/points.shp" in target.read_text(encoding="utf-8")

    seen = run_qgis(qgis, INSPECT, str(target))

    assert [(q["name"], q["valid"], q["features"]) for q in seen["layers"]] == [
        (layer.name, True, 3) for layer in project.layers
    ]
    back = open_qgis_project(target)
    assert back.warnings == ()
    assert [layer.feature_count for layer in back.project.layers] == [3, 3]


def test_qgis_opens_a_zipped_geopackage_layer_by_layer(qgis: Path, tmp_path: Path) -> None:
    """In a zipped GeoPackage the layer is a table, not a member of the zip."""
    data = tmp_path / "Données à jour"
    data.mkdir()
    gpkg = tmp_path / "city.gpkg"
    for name, count in (("zones", 2), ("hydrants", 3)):
        gpd.GeoDataFrame(
            {"n": list(range(count))},
            geometry=[Point(i, i) for i in range(count)],
            crs="EPSG:26984",
        ).to_file(gpkg, layer=name, driver="GPKG")
    with zipfile.ZipFile(data / "pkg.zip", "w") as archive:
        archive.write(gpkg, "city.gpkg")
    project = Project()
    project.add_layer(data / "pkg.zip", layer="zones")
    project.add_layer(data / "pkg.zip", layer="hydrants")
    target = tmp_path / "zipped.qgz"
    result = export_qgis_project(project, target)
    assert result.warnings == ()

    seen = run_qgis(qgis, INSPECT, str(target))

    assert [(q["valid"], q["features"]) for q in seen["layers"]] == [(True, 3), (True, 2)]
    back = open_qgis_project(target)
    assert [layer.feature_count for layer in back.project.layers] == [3, 2]


@pytest.fixture
def city_gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "city.gpkg"
    square = Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    gpd.GeoDataFrame(
        {"pop": [5.0, 20.0]}, geometry=[square, square.buffer(-10)], crs="EPSG:26984"
    ).to_file(path, layer="zones", driver="GPKG")
    gpd.GeoDataFrame(
        {"size": [8]}, geometry=[LineString([(0, 0), (50, 50)])], crs="EPSG:26984"
    ).to_file(path, layer="mains", driver="GPKG")
    gpd.GeoDataFrame(
        {"status": ["open", "closed", "broken", None]},
        geometry=[Point(1, 1), Point(2, 2), Point(3, 3), Point(4, 4)],
        crs="EPSG:26984",
    ).to_file(path, layer="hydrants", driver="GPKG")
    return path


def test_mapdesk_reads_a_project_qgis_wrote(qgis: Path, city_gpkg: Path) -> None:
    target = city_gpkg.with_name("city.qgs")
    written = run_qgis(qgis, AUTHOR, str(city_gpkg), str(target))

    described = read_qgis_project(target)
    opened = open_qgis_project(target)

    assert described.warnings == () and opened.warnings == ()
    assert described.crs is not None and described.crs.to_epsg() == 26984
    project = opened.project
    assert [layer.name for layer in project.layers] == written["layers"]
    assert [layer.visible for layer in project.layers] == [True, False, True]
    assert [layer.feature_count for layer in project.layers] == [4, 1, 2]

    hydrants = project.layers.by_name("Hydrants <&>").symbology
    assert isinstance(hydrants, Categorized) and hydrants.field == "status"
    assert [(c.value, c.label, c.style.fill_color) for c in hydrants.categories] == [
        ("open", "Open", "#d7191c"),
        ("closed", "Closed", "#9e9e9e"),
    ]
    assert [(c.style.marker_shape, c.style.marker_size) for c in hydrants.categories] == [
        ("square", pytest.approx(3 * 96 / 25.4, abs=1e-3)),
        ("circle", pytest.approx(2 * 96 / 25.4, abs=1e-3)),
    ]
    assert hydrants.other is not None
    assert (hydrants.other.label, hydrants.other.style.marker_shape) == (
        "Everything else",
        "triangle",
    )
    # mapdesk draws every hydrant: open, closed, and the rest (broken, NULL) as "other".
    rows = project.layers.by_name("Hydrants <&>").symbol_classes().rows
    assert [len(r) for r in rows] == [1, 1, 2]

    mains = project.layers.by_name("Water mains")
    assert isinstance(mains.symbology, SingleSymbol)
    assert (mains.style.stroke_color, mains.style.dashed) == ("#0000ff", True)
    assert mains.style.stroke_width == pytest.approx(0.5 * 96 / 25.4, abs=1e-3)

    zones = project.layers.by_name("Zones").symbology
    assert isinstance(zones, Graduated) and zones.field == "pop"
    assert [(r.lower, r.upper, r.label) for r in zones.ranges] == [
        (0.0, 10.0, "few"),
        (10.0, 50.5, "many"),
    ]
    assert [(r.style.fill_color, r.style.fill_opacity, r.style.dashed) for r in zones.ranges] == [
        ("#ffffcc", 1.0, False),
        ("#fd8d3c", 0.5, True),
    ]


#: Opens argv[1], prints its "FixIt incidents" heatmap renderer, and draws that
#: layer alone over the extent argv[3] at argv[4] x argv[5] px, 96 dpi, into argv[2].
DRAW_HEATMAP = (
    _START
    + """
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings, QgsRectangle
project = QgsProject.instance()
assert project.read(sys.argv[1])
(layer,) = [x for x in project.mapLayers().values() if x.name() == "FixIt incidents"]
renderer, ramp = layer.renderer(), layer.renderer().colorRamp()
settings = QgsMapSettings()
settings.setLayers([layer])
settings.setDestinationCrs(project.crs())
settings.setExtent(QgsRectangle(*[float(v) for v in sys.argv[3].split(",")]))
settings.setOutputSize(QSize(int(sys.argv[4]), int(sys.argv[5])))
settings.setOutputDpi(96)
settings.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
job.renderedImage().save(sys.argv[2])
print(json.dumps({
    "renderer": renderer.type(),
    "radius": renderer.radius(),
    "unit": int(renderer.radiusUnit()),
    "maximum": renderer.maximumValue(),
    "weight": renderer.weightExpression(),
    "ramp": [ramp.color1().name(QColor.HexArgb), ramp.color2().name(QColor.HexArgb)]
    + [[s.offset, s.color.name(QColor.HexArgb)] for s in ramp.stops()],
}))
"""
)


def _argb(color: str) -> str:
    """mapdesk's #rrggbb[aa] as QColor's HexArgb name (#aarrggbb)."""
    return f"#{color[7:9] or 'ff'}{color[1:7]}"


@pytest.mark.parametrize("radius_mm", [6.0, 12.0])  # 12 mm: mapdesk's grid is coarser
def test_qgis_draws_the_exported_heatmap_as_mapdesk_does(
    qgis: Path, demo: Project, tmp_path: Path, radius_mm: float
) -> None:
    import numpy as np
    from PySide6.QtGui import QImage

    from mapdesk.core.heatmap import Heatmap
    from mapdesk.core.view import ViewState
    from mapdesk.render import MapSettings, render_map
    from mapdesk.render.settings import LayerSnapshot

    fixit = demo.layers.by_name("FixIt incidents")
    fixit.symbology = Heatmap(radius=radius_mm)
    target = tmp_path / "maps" / "density.qgz"
    export_qgis_project(demo, target)
    x, y = 892_630.0, 91_540.0  # City Hall: downtown's reports
    view = ViewState(width=400, height=300).fitted((x - 2600, y - 1800, x + 2600, y + 1800), 0)
    extent = ",".join(repr(v) for v in view.extent)

    seen = run_qgis(
        qgis, DRAW_HEATMAP, str(target), str(tmp_path / "qgis.png"), extent, "400", "300"
    )

    ramp = fixit.symbology.ramp.stops
    assert (
        seen
        == {
            "renderer": "heatmapRenderer",
            "radius": radius_mm,
            "unit": 0,  # millimetres
            "maximum": 0.0,  # automatic
            "weight": "",
            "ramp": [_argb(ramp[0][1]), _argb(ramp[-1][1])]
            + [[p, _argb(c)] for p, c in ramp[1:-1]],
        }
    )
    ours = render_map(MapSettings(view=view, crs=demo.crs, layers=(LayerSnapshot.of(fixit),)))
    assert ours is not None
    theirs = QImage(str(tmp_path / "qgis.png"))

    def rgb(image: QImage) -> np.ndarray:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
        raw = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height())
        rows = raw.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
        return rows.reshape(image.height(), image.width(), 3).astype(int)

    difference = np.abs(rgb(ours) - rgb(theirs))
    assert difference.mean() < 2.0  # on 0-255: the same picture
    assert np.percentile(difference, 99) < 25
