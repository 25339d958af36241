"""Regenerate the screenshots in docs/images from the running app (offscreen).

Usage: ``python docs/make_screenshots.py [SHOT ...]`` (from the repository, venv active);
name shots (``heatmap incident_panel``) to make only those.
Every image shows the real app on the Greater Portland demo, so the guides stay
true when the UI changes: rerun this and look at the images.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QEventLoop, QPoint, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / "docs" / "images"
sys.path.insert(0, str(REPO))

import mapdesk  # noqa: E402, F401  (registers the file reader)
from mapdesk.core.crs import transform_xy  # noqa: E402
from mapdesk.core.project import Project  # noqa: E402
from mapdesk.core.selection import SelectionMode  # noqa: E402
from mapdesk.core.style import LayerStyle  # noqa: E402
from mapdesk.core.style_library import fixit_status_symbology  # noqa: E402
from mapdesk.core.symbology import Categorized, Category  # noqa: E402
from mapdesk.export.map_layout import MapLayoutOptions, export_map  # noqa: E402
from mapdesk.io.demo import demo_path, open_demo_project  # noqa: E402
from mapdesk.render.image import render_to_png  # noqa: E402
from mapdesk.ui.app import DEMO_NAME, create_main_window  # noqa: E402
from mapdesk.ui.dialogs.about import AboutDialog  # noqa: E402
from mapdesk.ui.dialogs.add_layer import AddLayerDialog  # noqa: E402
from mapdesk.ui.dialogs.crs_dialog import CrsDialog  # noqa: E402
from mapdesk.ui.dialogs.export_layer import ExportLayerDialog  # noqa: E402
from mapdesk.ui.dialogs.layer_properties import LayerPropertiesDialog  # noqa: E402
from mapdesk.ui.dialogs.map_layout import MapLayoutDialog  # noqa: E402
from mapdesk.ui.dialogs.web_map import WebMapDialog  # noqa: E402


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(predicate: object, timeout_ms: int = 60000) -> None:
    waited = 0
    while not predicate() and waited < timeout_ms:  # type: ignore[operator]
        spin(50)
        waited += 50


def wait_for_map(window: object) -> None:
    canvas = window.canvas  # type: ignore[attr-defined]
    spin(300)
    wait_until(lambda: not canvas.busy and not canvas._timer.isActive())
    spin(200)


def save(widget: QWidget, name: str) -> None:
    path = IMAGES / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path.relative_to(REPO))


def main_window_shots(window: object) -> None:
    view = window.canvas.view  # type: ignore[attr-defined]
    window.status.show_cursor(view.center_x, view.center_y, view.resolution)  # type: ignore[attr-defined]
    save(window, "main-window.png")  # type: ignore[arg-type]


def identify_shot(window: object, project: object) -> None:
    stations = project.layers.by_name("Fire / police / EMS stations")  # type: ignore[attr-defined]
    row = int((stations.data["station_id"] == "ST-F01").to_numpy().nonzero()[0][0])
    geom = stations.data.geometry.iloc[row]
    x, y = transform_xy([geom.x], [geom.y], stations.crs, project.crs)  # type: ignore[attr-defined]
    canvas = window.canvas  # type: ignore[attr-defined]
    canvas.set_view(canvas.view.fitted((x[0] - 250, y[0] - 170, x[0] + 250, y[0] + 170)))
    wait_for_map(window)
    px, py = canvas.view.to_screen(x[0], y[0])
    window.map_actions.identify.trigger()  # type: ignore[attr-defined]
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px), round(py)))
    spin(300)
    save(window, "identify.png")  # type: ignore[arg-type]


def attribute_table_shot(window: object, project: object) -> None:
    fixit = project.layers.by_name("FixIt incidents")  # type: ignore[attr-defined]
    window.identify_panel.hide()  # type: ignore[attr-defined]
    window.canvas.zoom_to_layer(fixit)  # type: ignore[attr-defined]
    window.layer_panel.select_layer(fixit)  # type: ignore[attr-defined]
    window.map_actions.open_attribute_table.trigger()  # type: ignore[attr-defined]
    dock = window.attribute_table  # type: ignore[attr-defined]
    window.resizeDocks([dock], [300], Qt.Orientation.Vertical)  # type: ignore[attr-defined]
    dock.filter_edit.setText("status = 'open' AND age_days(requested_datetime) > 30")
    dock.filter_requested.emit(dock.filter_edit.text())
    fixit.select_by_expression("status = 'open' AND service_name ILIKE 'sidewalk%'")
    wait_for_map(window)
    spin(300)
    save(window, "attribute-table.png")  # type: ignore[arg-type]
    dock.hide()


def selection_shot(window: object, project: object) -> None:
    fixit = project.layers.by_name("FixIt incidents")  # type: ignore[attr-defined]
    window.layer_panel.select_layer(fixit)  # type: ignore[attr-defined]
    window.map_actions.select.trigger()  # type: ignore[attr-defined]
    dialog = window.selection.open_expression_dialog(fixit)  # type: ignore[attr-defined]
    dialog.expression.setPlainText("status IN ('open', 'acknowledged')")
    dialog.requested.emit(dialog.expression.toPlainText(), SelectionMode.REPLACE)
    dialog.move(window.geometry().topRight() - QPoint(dialog.width() + 20, -90))  # type: ignore[attr-defined]
    window.selection.zoom_to_selection()  # type: ignore[attr-defined]
    wait_for_map(window)
    spin(300)
    save(window, "selection.png")  # type: ignore[arg-type]
    save(dialog, "select-by-expression.png")
    dialog.close()
    fixit.selection.clear()


def editing_shot(window: object, project: object) -> None:
    """Edit mode on the FixIt incidents: a status typed, the Undo History open.

    Nothing is saved: the demo file is never written, the edits are rolled back.
    """
    fixit = project.layers.by_name("FixIt incidents")  # type: ignore[attr-defined]
    window.layer_panel.select_layer(fixit)  # type: ignore[attr-defined]
    window.map_actions.toggle_editing.trigger()  # type: ignore[attr-defined]
    window.map_actions.open_attribute_table.trigger()  # type: ignore[attr-defined]
    dock = window.attribute_table  # type: ignore[attr-defined]
    dock.filter_edit.setText("service_name ILIKE 'pothole%' AND status <> 'closed'")
    dock.filter_requested.emit(dock.filter_edit.text())
    model = dock.model()
    first = model.fid_at(0)
    fixit.change_attribute_value(first, "status", "acknowledged")
    fixit.change_attribute_value(model.fid_at(1), "status_notes", "Crew sent 11/26")
    window.undo_history.show()  # type: ignore[attr-defined]
    window.identify_panel.hide()  # type: ignore[attr-defined]
    window.resizeDocks([dock], [300], Qt.Orientation.Vertical)  # type: ignore[attr-defined]
    fixit.selection.apply([first])
    window.selection.zoom_to_selection()  # type: ignore[attr-defined]
    wait_for_map(window)
    spin(300)
    save(window, "editing.png")  # type: ignore[arg-type]
    fixit.rollback(stop_editing=True)
    fixit.selection.clear()
    window.undo_history.hide()  # type: ignore[attr-defined]
    dock.hide()


def save_conflicts_shot(window: object) -> None:
    """The Save Conflicts dialog of a shared PostGIS parcels layer (values made up)."""
    from shapely import Point

    from mapdesk.core.editing.conflicts import EditConflict, FieldConflict
    from mapdesk.ui.dialogs.save_conflicts import SaveConflictsDialog

    both = EditConflict(
        1184,
        False,
        False,
        (
            FieldConflict("owner", "Casco Bay Lines", "Casco Bay Island Transit", "CBITD"),
            FieldConflict("units", 4, 6, 4),
            FieldConflict("zoning", "B-5", "B-5", "B-5b"),
        ),
        {"owner": "CBITD", "units": 4, "zoning": "B-5b", "geometry": Point(0, 0)},
        901,
    )
    mine_deleted = EditConflict(
        2207,
        False,
        True,
        (FieldConflict("assessed", 98000.0, None, 104500.0),),
        {"assessed": 104500.0, "geometry": Point(0, 0)},
        902,
    )
    theirs_deleted = EditConflict(3051, True, False, (), None, None)
    dialog = SaveConflictsDialog(
        "public.parcels",
        [both, mine_deleted, theirs_deleted],
        window,  # type: ignore[arg-type]
    )
    dialog.field_choices[1184]["units"].setCurrentText("Theirs")
    dialog.field_choices[1184]["units"].activated.emit(1)
    dialog.show()
    spin(300)
    save(dialog, "postgis-conflicts.png")
    dialog.close()


def digitizing_shot(window: object, project: object) -> None:
    """Add Feature on the parcels: three corners clicked, the mouse snapping to a fourth."""
    parcels = project.layers.by_name("Parcels")  # type: ignore[attr-defined]
    window.layer_panel.select_layer(parcels)  # type: ignore[attr-defined]
    window.map_actions.toggle_editing.trigger()  # type: ignore[attr-defined]
    canvas = window.canvas  # type: ignore[attr-defined]
    x, y = 892_630.0, 91_540.0  # Portland City Hall, Maine West metres
    canvas.set_view(canvas.view.fitted((x - 70, y - 45, x + 70, y + 45)))
    wait_for_map(window)
    window.map_actions.add_feature.trigger()  # type: ignore[attr-defined]
    projected = parcels.projected(project.crs)  # type: ignore[attr-defined]
    nearest = projected.rows_at(shapely.Point(x, y), 60.0)[:1]
    corners = shapely.get_coordinates(projected.geometries[nearest])[:4]
    for cx, cy in corners[:3]:
        px, py = canvas.view.to_screen([cx], [cy])
        click_at = QPoint(int(px[0]) + 3, int(py[0]) - 2)  # a little off: snapping
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=click_at)
    px, py = canvas.view.to_screen([corners[3][0]], [corners[3][1]])
    QTest.mouseMove(canvas, QPoint(int(px[0]) + 4, int(py[0]) + 3))
    spin(300)
    save(window, "digitizing.png")  # type: ignore[arg-type]
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    window.map_actions.pan.trigger()  # type: ignore[attr-defined]
    parcels.rollback(stop_editing=True)


def styling_shot(window: object, project: object) -> None:
    parcels = project.layers.by_name("Parcels")  # type: ignore[attr-defined]
    window.layer_panel.select_layer(parcels)  # type: ignore[attr-defined]
    dialog = window.styles.open_dialog(parcels)  # type: ignore[attr-defined]
    dialog.kind.setCurrentIndex(dialog.kind.findData("graduated"))
    dialog.field.setCurrentIndex(dialog.field.findData("assessed_value"))
    dialog.method.setCurrentIndex(dialog.method.findData("natural_breaks"))
    dialog.ramp.setCurrentIndex(dialog.ramp.findData("YlOrRd"))
    canvas = window.canvas  # type: ignore[attr-defined]
    x, y = 892_630.0, 91_540.0  # Portland City Hall, Maine West metres
    canvas.set_view(canvas.view.fitted((x - 1300, y - 900, x + 1300, y + 900)))
    wait_for_map(window)
    spin(300)
    save(window, "styling.png")  # type: ignore[arg-type]
    save(dialog, "style-dialog.png")
    dialog.reject()  # the other shots show the demo as it opens


def measure_shot(window: object) -> None:
    canvas = window.canvas  # type: ignore[attr-defined]
    x, y = 892_630.0, 91_540.0
    canvas.set_view(canvas.view.fitted((x - 500, y - 350, x + 500, y + 350)))
    wait_for_map(window)
    window.map_actions.measure_area.trigger()  # type: ignore[attr-defined]
    panel = window.measure_panel  # type: ignore[attr-defined]
    panel.length_unit.setCurrentText("ft")
    panel.area_unit.setCurrentText("ac")
    corners = [(x - 180, y - 120), (x + 150, y - 150), (x + 200, y + 130), (x - 120, y + 160)]
    for cx, cy in corners:
        px, py = canvas.view.to_screen(cx, cy)
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px), round(py)))
    QTest.mouseClick(canvas, Qt.MouseButton.RightButton, pos=QPoint(round(px), round(py)))
    spin(300)
    save(window, "measure.png")  # type: ignore[arg-type]
    window.map_actions.pan.trigger()  # type: ignore[attr-defined]
    panel.hide()


def dialog_shots(window: object, project: object) -> None:
    roads = project.layers.by_name("Road centrelines")  # type: ignore[attr-defined]
    properties = LayerPropertiesDialog(roads, window)  # type: ignore[arg-type]
    properties.show()
    spin(200)
    save(properties, "layer-properties.png")
    properties.close()
    add = AddLayerDialog(window.workers, window)  # type: ignore[attr-defined]
    add.show()
    add.set_path(str(demo_path()))
    wait_until(lambda: add.inspection is not None)
    spin(200)
    save(add, "add-layer.png")
    add.close()
    crs = CrsDialog(window, title="Project CRS", current=project.crs)  # type: ignore[arg-type, attr-defined]
    crs.search.setText("maine west")
    crs.run_search()
    crs.show()
    spin(200)
    save(crs, "crs-dialog.png")
    crs.close()


def about_shot(window: object) -> None:
    """Help ▸ About mapdesk: versions and data folders, with the Copy button."""
    about = AboutDialog(window)  # type: ignore[arg-type]
    about.show()
    spin(200)
    save(about, "about.png")
    about.close()


def text_encoding_shot(window: object) -> None:
    """The encoding question for a contractor's Windows-1252 shapefile whose .cpg says UTF-8."""
    import geopandas as gpd
    import pyogrio

    from mapdesk.core.errors import EncodingUncertainError
    from mapdesk.io.registry import read_layer
    from mapdesk.ui.dialogs.text_encoding import TextEncodingDialog

    names = ["Congress St – Monument Sq", "Rue Saint-Rémi", "Müller Way", "Café Côté Ln"]
    frame = gpd.GeoDataFrame(
        {"name": names}, geometry=[shapely.Point(-70.26, 43.66)] * len(names), crs=4326
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roads.shp"
        pyogrio.write_dataframe(frame, path, encoding="cp1252")
        path.with_suffix(".cpg").write_text("UTF-8")
        try:
            read_layer(path)
        except EncodingUncertainError as error:
            dialog = TextEncodingDialog(error, window)  # type: ignore[arg-type]
        else:
            raise SystemExit("the encoding shot's file was read without a question")
    dialog.show()
    spin(200)
    save(dialog, "text-encoding.png")
    dialog.close()


def bookmarks_shot(window: object, project: object) -> None:
    """Two bookmarks made, the panel open, the map at the second one."""
    window.canvas.zoom_full()  # type: ignore[attr-defined]
    wait_for_map(window)
    window.bookmarks.add("Greater Portland")  # type: ignore[attr-defined]
    window.canvas.zoom_by(4.0)  # type: ignore[attr-defined]
    wait_for_map(window)
    window.bookmarks.add("Fore River bridges")  # type: ignore[attr-defined]
    window.bookmarks.zoom_to(1)  # type: ignore[attr-defined]
    wait_for_map(window)
    spin(300)
    save(window, "bookmarks.png")  # type: ignore[arg-type]
    window.bookmarks_panel.hide()  # type: ignore[attr-defined]
    project.bookmarks.clear()  # type: ignore[attr-defined]


def export_shot(window: object, project: object) -> None:
    """Save Features As on the FixIt incidents, Shapefile chosen: the check's list."""
    fixit = project.layers.by_name("FixIt incidents")  # type: ignore[attr-defined]
    dialog = ExportLayerDialog(fixit, Path.home(), parent=window)  # type: ignore[arg-type]
    dialog.format.setCurrentIndex(dialog.format.findData(".shp"))
    folder = Path(tempfile.gettempdir()) / "exports"  # the check wants a real folder
    folder.mkdir(exist_ok=True)
    dialog.file_name.setText(str(folder / "fixit_incidents.shp"))
    dialog.recheck()
    dialog.show()
    spin(200)
    save(dialog, "export-layer.png")
    dialog.close()


def map_file_shots(window: object, project: object) -> None:
    """The Export Map dialog with its preview, a printed page, the web-map dialog."""
    dialog = MapLayoutDialog(project, Path(tempfile.gettempdir()), parent=window)  # type: ignore[arg-type]
    dialog.title.setText("Greater Portland: city sites and FixIt reports")
    dialog.show()
    wait_until(lambda: dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull())
    spin(300)
    save(dialog, "map-layout.png")
    dialog.close()
    options = MapLayoutOptions(title="Greater Portland: city sites and FixIt reports", dpi=80)
    export_map(project, IMAGES / "printed-map.png", options)  # type: ignore[arg-type]
    print("docs/images/printed-map.png")
    web = WebMapDialog(project, Path(tempfile.gettempdir()), parent=window)  # type: ignore[arg-type]
    web.show()
    spin(200)
    save(web, "web-map-dialog.png")
    web.close()


def web_map_page_shot(project: object) -> None:
    """The exported demo web map in Chromium, a popup open (Leaflet from .cache, offline)."""
    from playwright.sync_api import sync_playwright

    from mapdesk.export.web import WebMapOptions, export_web_map
    from mapdesk.export.web_csp import CDN

    assets = REPO / ".cache" / "web-assets"
    page_file = Path(tempfile.gettempdir()) / "mapdesk-demo-web-map.html"
    options = WebMapOptions(title="Greater Portland demo", basemap=None)
    export_web_map(project, page_file, options)  # type: ignore[arg-type]

    def serve(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        for package in ("leaflet.markercluster", "leaflet"):
            prefix = f"{CDN}/npm/{package}@"
            if url.startswith(prefix):
                local = assets / package / url[len(prefix) :].split("/", 1)[1]
                kind = "text/css" if local.suffix == ".css" else "application/javascript"
                if local.suffix == ".png":
                    kind = "image/png"
                route.fulfill(body=local.read_bytes(), headers={"Content-Type": kind})  # type: ignore[attr-defined]
                return
        route.continue_() if url.startswith("file:") else route.abort()  # type: ignore[attr-defined]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.route("**/*", serve)
        page.goto(page_file.as_uri())
        page.wait_for_timeout(1500)
        page.evaluate(OPEN_ONE_POPUP)
        page.wait_for_timeout(500)
        page.screenshot(path=str(IMAGES / "web-map.png"))
        browser.close()
    print("docs/images/web-map.png")


#: Zooms to a FixIt report in its cluster and opens its popup.
OPEN_ONE_POPUP = """
() => new Promise((done) => {
    const map = window[Object.keys(window).find((key) => key.startsWith("map_"))];
    let group = null;
    map.eachLayer((layer) => { if (layer.getVisibleParent) { group = layer; } });
    const marker = group.getLayers()[1200];
    group.zoomToShowLayer(marker, () => { marker.openPopup(); done(); });
})
"""


def qgis_shot(project: object) -> None:
    """The demo exported as .qgz and drawn by QGIS 3.22 itself (Debian's python3-qgis)."""
    import subprocess

    from mapdesk.export.qgis import export_qgis_project

    target = Path(tempfile.gettempdir()) / "mapdesk-demo.qgz"
    export_qgis_project(project, target)  # type: ignore[arg-type]
    subprocess.run(
        ["/usr/bin/python3", "-c", QGIS_RENDER, str(target), str(IMAGES / "qgis-opens.png")],
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    print("docs/images/qgis-opens.png")


QGIS_RENDER = """
import sys
from qgis.core import QgsApplication, QgsProject, QgsMapSettings, QgsMapRendererParallelJob
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False); app.initQgis()
project = QgsProject.instance(); assert project.read(sys.argv[1])
root = project.layerTreeRoot()
settings = QgsMapSettings()
settings.setLayers([n.layer() for n in root.findLayers() if n.isVisible()])
settings.setDestinationCrs(project.crs())
settings.setBackgroundColor(QColor(project.backgroundColor()))
settings.setOutputSize(QSize(900, 600))
settings.setExtent(project.viewSettings().defaultViewExtent())
job = QgsMapRendererParallelJob(settings); job.start(); job.waitForFinished()
job.renderedImage().save(sys.argv[2])
app.exitQgis()
"""


def fixit_import_shot(window: object, project: object) -> None:
    """Layer ▸ Import FixIt Reports… on a CRM-style CSV made from the demo's reports."""
    import csv

    demo = project.layers.by_name("FixIt incidents")  # type: ignore[attr-defined]
    source = Path(tempfile.gettempdir()) / "fixit_crm_export.csv"
    with open(source, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "Id",
                "Report Source",
                "Category",
                "Created at local",
                "Closed at local",
                "Status",
                "Address",
                "Description",
                "URL",
                "Lat",
                "Lng",
            ]
        )
        for _, row in demo.data.iloc[::6].iterrows():
            created = pd.Timestamp(row["requested_datetime"]).strftime("%m/%d/%Y - %I:%M%p")
            out.writerow(
                [
                    row["service_request_id"],
                    "iPhone",
                    row["service_name"],
                    created,
                    "",
                    row["status"].title(),
                    row["address"],
                    row["description"],
                    "",
                    row["lat"],
                    row["long"],
                ]
            )
    window.incidents.start(source)  # type: ignore[attr-defined]
    name = f"FixIt reports ({source.name})"
    wait_until(lambda: name in [layer.name for layer in project.layers])  # type: ignore[attr-defined]
    demo.visible = False
    layer = project.layers.by_name(name)  # type: ignore[attr-defined]
    layer.symbology = fixit_status_symbology(layer.data, "status", layer.style)
    window.canvas.zoom_to_extent(project.layer_extent(layer))  # type: ignore[attr-defined]
    wait_for_map(window)
    save(window, "fixit-import.png")  # type: ignore[arg-type]
    project.remove_layer(layer)  # type: ignore[attr-defined]
    demo.visible = True


def cut_impact_shot(window: object, project: object) -> None:
    """Fibre span FS-0121 cut: Peaks Island's sites and tower lost, selected and listed."""
    spans = project.layers.by_name("Fibre spans")  # type: ignore[attr-defined]
    nodes = project.layers.by_name("Network nodes")  # type: ignore[attr-defined]
    nodes.visible = True
    spans.selection.apply(spans.data.index[spans.data["asset_id"] == "FS-0121"])
    window.map_actions.cut_impact.trigger()  # type: ignore[attr-defined]
    panel = window.cut_impact_panel  # type: ignore[attr-defined]
    wait_until(lambda: panel.tree.topLevelItemCount() > 0)
    sites = project.layers.by_name("City sites")  # type: ignore[attr-defined]
    lost = sites.data.index.isin(sites.selected_fids)
    x0, y0, x1, y1 = sites.data[lost].to_crs(project.crs).total_bounds  # type: ignore[attr-defined]
    window.canvas.zoom_to_extent((x0 - 2500, y0 - 1800, x1 + 2500, y1 + 1800))  # type: ignore[attr-defined]
    wait_for_map(window)
    save(window, "cut-impact.png")  # type: ignore[arg-type]
    panel.hide()
    nodes.visible = False
    for layer in project.layers:  # type: ignore[attr-defined]
        layer.selection.clear()


def network_trace_shot(window: object, project: object) -> None:
    """Deering High School traced with two ring spans cut: what it still reaches."""
    spans = project.layers.by_name("Fibre spans")  # type: ignore[attr-defined]
    nodes = project.layers.by_name("Network nodes")  # type: ignore[attr-defined]
    nodes.visible = True
    window.identify_panel.hide()  # type: ignore[attr-defined]
    spans.selection.apply(spans.data.index[spans.data["asset_id"].isin(["FS-0033", "FS-0040"])])
    window.map_actions.trace_with_cuts.trigger()  # type: ignore[attr-defined]
    cut = spans.data[spans.data["asset_id"].isin(["FS-0033", "FS-0040"])]
    x0, y0, x1, y1 = cut.to_crs(project.crs).total_bounds  # type: ignore[attr-defined]
    canvas = window.canvas  # type: ignore[attr-defined]
    canvas.set_view(canvas.view.fitted((x0 - 900, y0 - 700, x1 + 900, y1 + 700)))
    window.resizeDocks([window.cut_impact_panel], [400], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    wait_for_map(window)
    point = nodes.data.geometry[nodes.data["asset_id"] == "NN-0019"].iloc[0]
    px, py = canvas.view.to_screen(point.x, point.y)
    trace = window.network_trace  # type: ignore[attr-defined]
    trace.last_answer = None
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px) + 3, round(py) - 2))
    wait_until(lambda: trace.last_answer is not None)
    wait_for_map(window)
    save(window, "network-trace.png")  # type: ignore[arg-type]
    window.cut_impact_panel.hide()  # type: ignore[attr-defined]
    canvas.clear_highlight()
    nodes.visible = False
    for layer in project.layers:  # type: ignore[attr-defined]
        layer.selection.clear()
    window.map_actions.pan.trigger()  # type: ignore[attr-defined]


def network_assets_shot(window: object, project: object) -> None:
    """A fibre span drawn between two nodes: its form with a template chosen, the next
    asset id, its end nodes and length filled in. Cancelled: nothing is added."""
    spans = project.layers.by_name("Fibre spans")  # type: ignore[attr-defined]
    window.layer_panel.select_layer(spans)  # type: ignore[attr-defined]
    window.map_actions.toggle_editing.trigger()  # type: ignore[attr-defined]
    drawn = spans.data[spans.data["asset_id"] == "FS-0004"].geometry.iloc[0]
    points = [drawn.coords[0], drawn.interpolate(0.5, normalized=True).coords[0], drawn.coords[-1]]

    def fill_and_shoot() -> None:
        form = QApplication.activeModalWidget()
        form.template.setCurrentText("Fibre cable 48 strands")  # type: ignore[union-attr]
        spin(300)
        save(form, "network-assets.png")  # type: ignore[arg-type]
        form.reject()  # type: ignore[union-attr]

    QTimer.singleShot(400, fill_and_shoot)
    window.digitizing.add_feature("line", [(float(x), float(y)) for x, y in points])  # type: ignore[attr-defined]
    spans.rollback(stop_editing=True)


def nena_layers_shot(window: object, project: object) -> None:
    """Import into NENA Layer… on the demo's address points: the mapping table prefilled
    (Zip -> Post_Code by a known rename), and the New NENA Layers dialog."""
    from mapdesk.ui.dialogs.nena_import import NenaImportDialog
    from mapdesk.ui.dialogs.new_nena_layers import NewNenaLayersDialog

    folder = Path(tempfile.gettempdir())
    layers = list(project.layers)  # type: ignore[attr-defined]
    dialog = NenaImportDialog(layers, folder / "nena.gpkg", window)  # type: ignore[arg-type]
    dialog.source.setCurrentText("Address points")
    dialog.agency.setText("portlandmaine.gov")
    dialog.fix_codes.setChecked(True)
    dialog.resize(640, 720)
    dialog.show()
    box = dialog.source_box("Post_Code")
    if box is not None:
        dialog.table.scrollToItem(dialog.table.item(dialog.table.indexAt(box.pos()).row(), 0))
    spin(300)
    save(dialog, "nena-import.png")
    dialog.close()
    new = NewNenaLayersDialog(folder / "nena.gpkg", project.crs, window)  # type: ignore[arg-type, attr-defined]
    new.show()
    spin(200)
    save(new, "nena-new-layers.png")
    new.close()


def dossier_shot(window: object) -> None:
    """The Location Dossier at Portland City Hall (389 Congress St)."""
    window.identify_panel.hide()  # type: ignore[attr-defined]
    window.bookmarks_panel.hide()  # type: ignore[attr-defined]
    x, y = 892_658.18, 91_567.74  # City Hall in EPSG:26984
    canvas = window.canvas  # type: ignore[attr-defined]
    canvas.set_view(canvas.view.fitted((x - 350, y - 250, x + 350, y + 250)))
    wait_for_map(window)
    window.dossier.action.trigger()  # type: ignore[attr-defined]
    px, py = canvas.view.to_screen(x, y)
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px), round(py)))
    wait_until(lambda: window.dossier.last_dossier is not None)  # type: ignore[attr-defined]
    window.resizeDocks([window.dossier_panel], [420], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    spin(400)
    save(window, "location-dossier.png")  # type: ignore[arg-type]
    window.dossier_panel.hide()  # type: ignore[attr-defined]
    window.map_actions.pan.trigger()  # type: ignore[attr-defined]


def incident_panel_shot(window: object) -> None:
    """The time slider on October 2026: the map draws only that month's FixIt reports."""
    panel = window.incident_panel  # type: ignore[attr-defined]
    controller = window.incident_analysis  # type: ignore[attr-defined]
    controller.now = pd.Timestamp("2026-11-01T12:00Z")  # the demo's last day, not today
    panel.show()
    panel.raise_()
    window.resizeDocks([panel], [520], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    panel.polygon_combo.setCurrentText("Police boundaries")
    panel.step_unit.setCurrentIndex(panel.step_unit.findData("month"))
    controller.analyse()
    wait_until(lambda: controller.answer is not None and len(controller.answer.steps) > 12)
    panel.time_group.setChecked(True)
    panel.slider.setValue(23)  # October 2026: the last month, open reports among them
    panel.tabs.setCurrentIndex(0)
    layer = controller.layer
    window.layer_panel.select_layer(layer)  # type: ignore[attr-defined]
    # Around the month's middle report: the peninsula and its neighbourhoods.
    shown = layer.projected(window.project.crs).geometries[layer.shown_rows()]  # type: ignore[attr-defined]
    x, y = float(np.nanmedian(shapely.get_x(shown))), float(np.nanmedian(shapely.get_y(shown)))
    canvas = window.canvas  # type: ignore[attr-defined]
    canvas.set_view(canvas.view.fitted((x - 3000, y - 2500, x + 3000, y + 2500)))
    wait_for_map(window)
    spin(300)
    save(window, "incident-panel.png")  # type: ignore[arg-type]
    panel.time_group.setChecked(False)
    panel.hide()


def heatmap_shot(window: object) -> None:
    """The FixIt incidents as a heatmap downtown: Incident Analysis ▸ Density view."""
    panel = window.incident_panel  # type: ignore[attr-defined]
    controller = window.incident_analysis  # type: ignore[attr-defined]
    panel.show()
    panel.raise_()
    window.resizeDocks([panel], [440], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    panel.tabs.setCurrentIndex(0)
    controller.analyse()
    wait_until(lambda: controller.answer is not None)
    panel.density_view.setChecked(True)
    canvas = window.canvas  # type: ignore[attr-defined]
    x, y = 892_630.0, 91_540.0  # Portland City Hall, Maine West metres
    canvas.set_view(canvas.view.fitted((x - 2900, y - 2000, x + 2100, y + 1900)))
    wait_for_map(window)
    spin(300)
    save(window, "heatmap.png")  # type: ignore[arg-type]
    panel.density_view.setChecked(False)
    panel.hide()


#: The radio coverage maps: image name, extra options, title.
_RADIO_MAPS = (
    ("radio-coverage", [], "Radio coverage: the demo's towers at their own ranges"),
    (
        "radio-coverage-4km",
        ["--range-km", "4"],
        "What-if: every tower reaches 4 km",
    ),
)


def radio_coverage_shots() -> None:
    """``mapdesk radio-coverage`` on the demo (as is, and the 4 km what-if), printed by
    mapdesk's own map export: coverage circles, towers, what lies outside in red."""
    from mapdesk.cli import main as cli_main
    from mapdesk.core.project import Project
    from mapdesk.core.style import LayerStyle
    from mapdesk.core.style_library import LIBRARY
    from mapdesk.core.symbology import categorize

    folder = Path(tempfile.mkdtemp(prefix="mapdesk-radio-"))
    demo = demo_path()
    for name, options, title in _RADIO_MAPS:
        result = folder / f"{name}.gpkg"
        if cli_main(["radio-coverage", str(demo), "-o", str(result), *options]) != 0:
            raise SystemExit(f"radio-coverage failed for {name}")
        project = Project()
        layers = (
            (demo, "municipal_boundaries", "Municipal boundaries", LIBRARY["Municipal boundaries"]),
            (demo, "road_centerlines", "Roads", LayerStyle("#ffffff", "#b0b0b0", stroke_width=0.6)),
            (result, "radio_coverage_areas", "Coverage areas",
             LayerStyle("#911eb4", "#911eb4", fill_opacity=0.10, stroke_width=1.2)),
            (result, "uncovered_roads", "Uncovered road",
             LayerStyle("#d7191c", "#d7191c", stroke_width=2.2)),
            (result, "uncovered_addresses", "Uncovered address",
             LayerStyle("#d7191c", "#7a0000", marker_size=3.5)),
            (demo, "radio_towers", "Radio towers",
             LIBRARY["Radio towers"].with_changes(stroke_color="#4b0f5e")),
        )  # fmt: skip
        for path, layer_name, shown, style in layers:
            layer = project.add_layer(path, layer=layer_name)
            layer.name, layer.style = shown, style
        towers = project.layers.by_name("Radio towers")
        towers.symbology = categorize(  # a planned tower (no circle) drawn apart
            towers.data, "status", towers.style, colors={"active": "#911eb4", "planned": "#ffffff"}
        )
        towns = project.layers.by_name("Municipal boundaries").extent
        assert towns is not None
        pad = 1500.0
        extent = (towns[0] - pad, towns[1] - pad, towns[2] + pad, towns[3] + pad)
        target = IMAGES / f"{name}.png"
        layout = MapLayoutOptions(
            title=title, dpi=80, extent=extent, units="metric", source="mapdesk radio-coverage"
        )
        export_map(project, target, layout)
        print(target.relative_to(REPO))


def _only_visible(project: object, names: tuple[str, ...]) -> list[object]:
    """Show only the layers called ``names`` (and results added later); the ones hidden."""
    hidden = [x for x in project.layers if x.visible and x.name not in names]  # type: ignore[attr-defined]
    for layer in hidden:
        layer.visible = False
    return hidden


def radio_coverage_gui_shot(window: object, project: object) -> None:
    """Analysis ▸ Radio Coverage… with every tower at 4 km: the coverage circles, what lies
    outside in red, the per-PSAP shares in the Radio Coverage panel."""
    from mapdesk.ui.dialogs.radio_coverage import RadioCoverageDialog

    backdrop = ("Radio towers", "Road centrelines", "Municipal boundaries", "PSAP boundary")
    hidden = _only_visible(project, backdrop)
    dialog = RadioCoverageDialog(list(project.layers), window)  # type: ignore[attr-defined]
    dialog.default_range.setValue(4.0)
    dialog.every_tower.setChecked(True)
    controller = window.radio_coverage  # type: ignore[attr-defined]
    controller.run(dialog.request())
    wait_until(lambda: controller.result is not None)
    panel = window.radio_panel  # type: ignore[attr-defined]
    window.resizeDocks([panel], [520], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    towns = project.layers.by_name("Municipal boundaries").extent  # type: ignore[attr-defined]
    window.canvas.zoom_to_extent(towns)  # type: ignore[attr-defined]
    wait_for_map(window)
    save(window, "radio-coverage-gui.png")  # type: ignore[arg-type]
    panel.hide()
    for layer in controller.layers:
        project.remove_layer(layer)  # type: ignore[attr-defined]
    for layer in hidden:
        layer.visible = True  # type: ignore[attr-defined]


def boundary_qa_gui_shot(window: object, project: object) -> None:
    """Analysis ▸ Boundary QA… on a PSAP layer with a planted error: a neighbouring PSAP's
    polygon over Munjoy Hill, drawn 25 m past the hole cut for it. The overlap ring (clicked
    in the list), the split of Portland, the candidate addresses."""
    import geopandas as gpd

    from mapdesk.core.layer import VectorLayer
    from mapdesk.ui.dialogs.boundary_qa import BoundaryQaDialog

    psap = project.layers.by_name("PSAP boundary")  # type: ignore[attr-defined]
    munjoy = shapely.box(893_350.0, 91_950.0, 894_150.0, 92_650.0)
    planted = psap.data.iloc[[0, 0]].reset_index(drop=True)
    planted.index = [1, 2]
    planted.loc[2, "DsplayName"] = "Neighbouring PSAP (planted)"
    shapes = [psap.data.geometry.iloc[0].difference(munjoy), munjoy.buffer(25.0, join_style=2)]
    planted = gpd.GeoDataFrame(planted, geometry=shapes, crs=psap.data.crs)
    edited = project.add_layer(VectorLayer(planted, "PSAP boundary (edited)"))  # type: ignore[attr-defined]
    hidden = _only_visible(project, ("Road centrelines", "Municipal boundaries", edited.name))
    controller = window.boundary_qa  # type: ignore[attr-defined]
    controller.run(BoundaryQaDialog(list(project.layers), window).request())  # type: ignore[attr-defined]
    wait_until(lambda: controller.check is not None)
    panel = window.boundary_panel  # type: ignore[attr-defined]
    window.resizeDocks([panel], [520], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    controller.zoom_to_row(("finding", 0))  # the overlap ring, as a click on its row does
    window.canvas.zoom_by(0.6)  # type: ignore[attr-defined]
    panel.tree.setCurrentItem(panel.item_with_key(("finding", 0)))
    wait_for_map(window)
    save(window, "boundary-qa-gui.png")  # type: ignore[arg-type]
    panel.hide()
    for layer in [*controller.layers, edited]:
        project.remove_layer(layer)  # type: ignore[attr-defined]
    for layer in hidden:
        layer.visible = True  # type: ignore[attr-defined]


#: Pastel fills for the demo's 13 first-due zones (ColorBrewer Set3, and one more).
ZONE_COLOURS = (
    "#8dd3c7",
    "#ffffb3",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#d9d9d9",
    "#bc80bd",
    "#ccebc5",
    "#ffed6f",
    "#a6cee3",
)


def coverage_shot() -> None:
    """``mapdesk coverage`` on the demo's fire stations, printed by Export Map: the first-due
    zones filling the PSAP, the 4- and 8-minute areas over them, the gaps and the stations."""
    from mapdesk.cli import main as cli_main

    demo = str(demo_path())
    with tempfile.TemporaryDirectory(prefix="mapdesk-coverage-shot-") as folder:
        out = Path(folder) / "coverage.gpkg"
        args = [
            "coverage",
            demo,
            demo,
            "--stations-where",
            "\"type\" = 'Fire'",
            "--addresses",
            demo,
            "--psap",
            demo,
            "--minutes",
            "4,8",
            "-o",
            str(out),
        ]
        if cli_main(args) != 0:
            raise SystemExit("mapdesk coverage failed on the demo")
        project = Project(crs="EPSG:26984")
        zones = project.add_layer(out, "first_due_zones")
        zones.name = "First-due zone"
        zones.symbology = Categorized(
            "station_id",
            tuple(
                Category(
                    LayerStyle(
                        fill_color=colour,
                        stroke_color="#ffffff",
                        stroke_width=0.8,
                        fill_opacity=0.75,
                    ),
                    f"{station} {name}",
                    station,
                )
                for station, name, colour in zip(
                    zones.data["station_id"], zones.data["station_name"], ZONE_COLOURS, strict=False
                )
            ),
        )
        bands = project.add_layer(out, "coverage_bands")
        bands.name = "Reached from the alert"
        wash = LayerStyle(fill_color="#08306b", stroke_color="#08306b", stroke_width=0.0)
        bands.symbology = Categorized(
            "minutes",
            (
                Category(wash.with_changes(fill_opacity=0.45), "within 4 minutes (darker)", 4.0),
                Category(wash.with_changes(fill_opacity=0.2), "within 8 minutes", 8.0),
            ),
            other=None,
        )
        gaps = project.add_layer(out, "coverage_gaps")
        gaps.name = "Gap: over 8 min"
        gaps.style = LayerStyle(fill_color="#e31a1c", stroke_color="#b30000", stroke_width=0.3)
        stations = project.add_layer(out, "coverage_stations")
        stations.name = "Fire station"
        stations.style = LayerStyle(
            fill_color="#000000", stroke_color="#ffffff", marker_shape="square", marker_size=8.0
        )
        options = MapLayoutOptions(
            title="Fire first-due zones and 4/8-minute coverage (turnout included)", dpi=100
        )
        export_map(project, IMAGES / "coverage-map.png", options)
    print("docs/images/coverage-map.png")


def nena_panel_shot(window: object, project: object) -> None:
    """Analysis ▸ Validate NENA Data… on the demo, the prefilled choices accepted: the
    NENA Validation panel with an error selected, the map zoomed to its road, the error
    layer drawn over the roads."""
    from mapdesk.core.analysis.nena import ValidationOptions
    from mapdesk.ui.dialogs.nena_validation import NenaValidationDialog
    from mapdesk.ui.models.nena_findings import FINDING_ROLE

    validation = window.nena_validation  # type: ignore[attr-defined]
    layers = list(project.layers)  # type: ignore[attr-defined]
    proposed = validation.proposed_layers(layers)
    dialog = NenaValidationDialog(layers, proposed, ValidationOptions(), window)  # type: ignore[arg-type]
    validation.run(dialog.request())
    wait_until(lambda: validation.result is not None)
    panel = window.nena_panel  # type: ignore[attr-defined]
    window.resizeDocks([panel], [480], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    panel.hide_empty.setChecked(True)
    spans = project.layers.by_name("Fibre spans")  # type: ignore[attr-defined]
    spans.visible = False  # the city's fibre is not what this shot is about
    index = panel.select_finding(*NENA_SHOT_ERROR)
    validation._locator.zoom_to(index.data(FINDING_ROLE))
    panel.tree.setFocus()
    wait_for_map(window)
    save(window, "nena-panel.png")  # type: ignore[arg-type]
    panel.hide()
    spans.visible = True
    for layer in project.layers:  # type: ignore[attr-defined]
        layer.selection.clear()


#: The error the NENA panel shot selects: the Casco Bay Bridge, mostly over the river
#: between Portland and South Portland, so outside the provisioning area.
NENA_SHOT_ERROR = ("road.outside_provisioning", 2)


def coverage_panel_shot(window: object, project: object) -> None:
    """Analysis ▸ Drive-Time Coverage on the demo's fire stations: first-due zones, the
    4/8-minute areas, gaps and stations on the map, the Coverage panel's fractiles beside it;
    then the what-if of Engine 7 out of service, compared with the baseline."""
    from mapdesk.ui.dialogs.coverage import CoverageDialog

    noisy = ("FixIt incidents", "Radio towers", "Fire / police / EMS stations", "City sites")
    noisy += ("Fibre spans",)  # the demo's own stations and assets: the coverage's are drawn
    hidden = [x for x in project.layers if x.visible and x.name in noisy]  # type: ignore[attr-defined]
    for layer in hidden:
        layer.visible = False
    for panel in (window.identify_panel, window.bookmarks_panel):  # type: ignore[attr-defined]
        panel.hide()
    dialog = CoverageDialog(list(project.layers), window)  # type: ignore[arg-type, attr-defined]
    controller = window.coverage  # type: ignore[attr-defined]
    controller.start(dialog.build_request())
    wait_until(lambda: controller.last_run is not None)
    panel = window.coverage_panel  # type: ignore[attr-defined]
    window.resizeDocks([panel], [470], Qt.Orientation.Horizontal)  # type: ignore[attr-defined]
    window.canvas.zoom_to_extent(project.layer_extent(controller.results.layers["first_due_zones"]))  # type: ignore[attr-defined]
    wait_for_map(window)
    save(window, "coverage-panel.png")  # type: ignore[arg-type]
    # What-if: Engine 7 East Deering out of service, compared with the baseline.
    baseline = controller.last_run
    stations = panel.stations
    for row in range(stations.count()):
        item = stations.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == "ST-F06":
            item.setCheckState(Qt.CheckState.Unchecked)
    controller.recompute()
    wait_until(lambda: controller.last_run is not baseline)
    panel.compare.setChecked(True)
    window.canvas.zoom_to_extent((891_000.0, 93_000.0, 897_000.0, 99_000.0))  # type: ignore[attr-defined]
    wait_for_map(window)
    save(window, "coverage-what-if.png")  # type: ignore[arg-type]
    panel.compare.setChecked(False)
    controller.results.remove()
    panel.hide()
    for layer in hidden:
        layer.visible = True


def use_default_layout(folder: str) -> None:
    """Read and write settings in ``folder``: the shots show the default window
    layout, never the layout this user last left mapdesk in."""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)


def nena_errors_shot(project: object) -> None:
    """``mapdesk nena validate`` on the demo: its error layer (--errors) on a printed map;
    the many St_PosTyp domain findings (one per address) are left out so the others show."""
    from mapdesk.core.analysis.nena import validate_nena
    from mapdesk.core.style import LayerStyle
    from mapdesk.core.symbology import categorize
    from mapdesk.export.nena_report import ERROR_LAYER, write_error_layer
    from mapdesk.io.nena_dataset import read_nena_dataset

    dataset = read_nena_dataset(demo_path())
    result = validate_nena(dataset.frames, dataset.roles)
    with tempfile.TemporaryDirectory(prefix="mapdesk-nena-") as folder:
        errors_path = Path(folder) / "errors.gpkg"
        write_error_layer(result, errors_path)
        errors = project.add_layer(errors_path, ERROR_LAYER)  # type: ignore[attr-defined]
    errors.name = "NENA errors (nena_errors)"
    backdrop = ("Road centrelines", "Municipal boundaries")
    for layer in project.layers:  # type: ignore[attr-defined]
        layer.visible = layer is errors or layer.name in backdrop
    placed = errors.data.geometry.notna() & (errors.data["rule"] != "domain.value")
    shown = np.flatnonzero(placed.to_numpy())
    errors.display_filter.show_only(errors.data.index, shown, "domain.value left out")
    base = LayerStyle(
        fill_color="#e41a1c", stroke_color="#ffffff", stroke_width=0.8, marker_size=9.0
    )
    errors.symbology = categorize(errors.data.iloc[shown], "rule", base, palette="Set1")
    options = MapLayoutOptions(
        title="NENA validation of the demo: dead ends and roads outside the area",
        dpi=80,
        extent=(887_600.0, 87_600.0, 895_400.0, 93_600.0),
        units="metric",
    )
    export_map(project, IMAGES / "nena-errors.png", options)  # type: ignore[arg-type]
    print("docs/images/nena-errors.png")


def postgis_shot(window: object, project: object) -> None:
    """Layer ▸ Add PostGIS Layer… on a throw-away server holding three demo layers,
    then the same dialog loading only the parcels in the map's view that match a filter.

    The tests' server code (tests/support/postgis_server.py) starts PostgreSQL
    and PostGIS in a temporary folder; the layers are uploaded with mapdesk's
    own upload, then listed as an analyst would see them. Skipped (with the
    reason) where PostgreSQL or PostGIS is not installed.
    """
    from psycopg import sql

    from mapdesk.io.postgis.upload import upload_layer
    from mapdesk.io.postgis.uri import TableName
    from mapdesk.ui.dialogs.postgis_browser import PostgisLayerDialog
    from tests.support.postgis_server import ADMIN, ANALYST, ServerUnavailable, start_server

    try:
        server = start_server()
    except ServerUnavailable as exc:
        print(f"postgis shot skipped: {exc}")
        return
    try:
        socket = str(server.folder).replace("/", "%2F")
        admin = f"postgresql://{ADMIN}@{socket}:{server.port}/city"
        for name, table in (
            ("Parcels", "parcels"),
            ("Address points", "address_points"),
            ("FixIt incidents", "fixit_incidents"),
        ):
            layer = project.layers.by_name(name)  # type: ignore[attr-defined]
            upload_layer(layer.data, admin, table=TableName("public", table), layer_name=name)
        with __import__("psycopg").connect(**server.admin_settings(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(
                    sql.Identifier(ANALYST)
                )
            )
        # The map over downtown Portland: what "in the current map view" loads.
        canvas = window.canvas  # type: ignore[attr-defined]
        downtown = (890_900.0, 90_400.0, 893_600.0, 92_500.0)
        canvas.set_view(canvas.view.fitted(downtown, margin=0.0))
        view = window.postgis.map_view()  # type: ignore[attr-defined]
        dialog = PostgisLayerDialog(None, window, view)  # type: ignore[arg-type]
        box = dialog.connection_box
        box.name.setText("City GIS")
        box.host.setText("127.0.0.1")
        box.port.setValue(server.port)
        box.database.setText("city")
        box.user.setText(ANALYST)
        box.sslmode.setCurrentText("prefer")
        box.password.setText(server.password)
        dialog.list_tables()
        dialog.select_tables(["public.parcels"])
        dialog.resize(860, 700)
        dialog.show()
        spin(300)
        save(dialog, "postgis-add-layer.png")
        # Loading part of the table: the view, and a filter checked as typed.
        dialog.part_box.in_view.setChecked(True)
        dialog.part_box.filtered.setChecked(True)
        dialog.part_box.where.setText('"land_use" = \'Residential\' AND "year_built" < 1900')
        spin(300)
        save(dialog, "postgis-partial.png")
        dialog.close()
    finally:
        server.stop()


#: Shots made outside the main window (after it closes).
def full_value_shot(window: object, project: object) -> None:
    """View Full Value… on a contractor's inspection log far too long for its cell."""
    import geopandas as gpd

    from mapdesk.core.layer import VectorLayer

    days = pd.date_range("2019-01-07", periods=1800, freq="D")
    log = "\n".join(
        f"{day:%Y-%m-%d}  valve V-{1000 + i % 37}: exercised {12 + i % 9} turns, "
        f"{'no leak' if i % 11 else 'weeping packing, tightened'}; crew {1 + i % 4}"
        for i, day in enumerate(days)
    )
    frame = gpd.GeoDataFrame(
        {"asset": ["WM-1889-04"], "street": ["Congress St"], "inspection_log": [log]},
        geometry=[shapely.Point(-70.2586, 43.6567)],
        crs=4326,
    )
    layer = VectorLayer(frame, "Contractor inspections")
    project.add_layer(layer)  # type: ignore[attr-defined]
    window.identify_panel.hide()  # type: ignore[attr-defined]
    window.layer_panel.select_layer(layer)  # type: ignore[attr-defined]
    window.map_actions.open_attribute_table.trigger()  # type: ignore[attr-defined]
    dock = window.attribute_table  # type: ignore[attr-defined]
    dialog = dock.show_full_value(0, dock.model().fields.index("inspection_log"))
    dialog.resize(760, 420)
    spin(300)
    save(dialog, "full-value.png")
    dialog.close()
    dock.hide()
    project.remove_layer(layer)  # type: ignore[attr-defined]


_OUTSIDE_SHOTS = ("render", "web_map_page", "qgis", "nena_errors", "radio_coverage", "coverage")


def main(only: list[str]) -> int:
    """Make every screenshot, or only the ``only`` ones (``heatmap``, ``incident_panel`` ...)."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    settings = tempfile.TemporaryDirectory(prefix="mapdesk-shots-")
    use_default_layout(settings.name)
    # The shots' edits are journaled too: never in the user's own journal.
    os.environ["MAPDESK_DATA_DIR"] = settings.name
    app = QApplication.instance() or QApplication(sys.argv[:1])
    project = open_demo_project()
    window = create_main_window(project, DEMO_NAME)
    window.resize(1280, 800)
    window.show()
    wait_for_map(window)
    shots = {
        "main_window": lambda: main_window_shots(window),
        "identify": lambda: identify_shot(window, project),
        "attribute_table": lambda: attribute_table_shot(window, project),
        "selection": lambda: selection_shot(window, project),
        "editing": lambda: editing_shot(window, project),
        "digitizing": lambda: digitizing_shot(window, project),
        "save_conflicts": lambda: save_conflicts_shot(window),
        "styling": lambda: styling_shot(window, project),
        "measure": lambda: measure_shot(window),
        "dialog": lambda: dialog_shots(window, project),
        "text_encoding": lambda: text_encoding_shot(window),
        "about": lambda: about_shot(window),
        "export": lambda: export_shot(window, project),
        "bookmarks": lambda: bookmarks_shot(window, project),
        "map_file": lambda: map_file_shots(window, project),
        "fixit_import": lambda: fixit_import_shot(window, project),
        "cut_impact": lambda: cut_impact_shot(window, project),
        "network_trace": lambda: network_trace_shot(window, project),
        "network_assets": lambda: network_assets_shot(window, project),
        "nena_layers": lambda: nena_layers_shot(window, project),
        "dossier": lambda: dossier_shot(window),
        "incident_panel": lambda: incident_panel_shot(window),
        "heatmap": lambda: heatmap_shot(window),
        "nena_panel": lambda: nena_panel_shot(window, project),
        "coverage_panel": lambda: coverage_panel_shot(window, project),
        "radio_coverage_gui": lambda: radio_coverage_gui_shot(window, project),
        "boundary_qa_gui": lambda: boundary_qa_gui_shot(window, project),
        "postgis": lambda: postgis_shot(window, project),
        "full_value": lambda: full_value_shot(window, project),
    }
    unknown = sorted(set(only) - set(shots) - set(_OUTSIDE_SHOTS))
    if unknown:
        print(f"unknown shots {unknown}; choose from {sorted([*shots, *_OUTSIDE_SHOTS])}")
        return 2
    for name, shoot in shots.items():
        if not only or name in only:
            shoot()
    window.close()
    if not only or "render" in only:
        render_to_png(open_demo_project(), IMAGES / "render-demo.png", 900, 600)
        print("docs/images/render-demo.png")
    if not only or "web_map_page" in only:
        web_map_page_shot(open_demo_project())
    if not only or "qgis" in only:
        qgis_shot(open_demo_project())
    if not only or "nena_errors" in only:
        nena_errors_shot(open_demo_project())
    if not only or "radio_coverage" in only:
        radio_coverage_shots()
    if not only or "coverage" in only:
        coverage_shot()
    app.processEvents()
    settings.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
