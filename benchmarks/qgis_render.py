"""QGIS 3.22's side of the benchmark: the same files, views, sizes and symbols.

Run by ``run.py --qgis`` under Debian's interpreter (``/usr/bin/python3`` with
the ``qgis`` and ``python3-qgis`` packages), never under mapdesk's virtualenv:

    /usr/bin/python3 benchmarks/qgis_render.py serve JOB.json
    /usr/bin/python3 benchmarks/qgis_render.py first-picture JOB.json

JOB.json is written by ``run.py`` (layers, views as extents, image size,
symbols, identify clicks).

- ``serve``: opens the layers, prints ``{"ready": true}``, then answers one
  request per line of stdin with one JSON line on stdout, so that run.py can
  time QGIS and mapdesk turn about (both then see the same moments of a
  shared, noisy machine): ``render KEY FIGURE`` times one render (``KEY``
  ``render_full`` or ``render_zoom50``) -> ``{"seconds": s}``; ``image KEY
  FIGURE DIR`` saves ``qgis_<figure>_<view>.png`` -> ``{"saved": path}``;
  ``identify`` -> ``{"identify_s": s}``, the median of one filter-rect
  feature request per click, attributes read, as QGIS's identify tool does;
  ``quit``.
- ``first-picture``: seconds from creating the points layer to the end of its
  first full-extent render, and the process's peak RSS in MB, as the last
  line of stdout.

QGIS reads features from the file on every render (the OGR provider); no
render cache is used.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # after the platform is chosen
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsMarkerSymbol,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

#: The margin mapdesk's "Zoom Full" leaves around the data (ViewState.fitted).
FIT_MARGIN = 0.05


def start_qgis() -> QgsApplication:
    app = QgsApplication([], False)
    app.setPrefixPath("/usr", True)
    app.initQgis()
    return app


def symbol_for(name: str, sym: dict) -> QgsSingleSymbolRenderer:
    """QGIS's default simple symbols with the benchmark's colours and pixel sizes."""
    if name == "points":
        symbol = QgsMarkerSymbol.createSimple(
            {
                "name": "circle",
                "color": sym["fill"],
                "outline_color": sym["stroke"],
                "outline_width": str(sym["stroke_px"]),
                "outline_width_unit": "Pixel",
                "size": str(sym["size_px"]),
                "size_unit": "Pixel",
            }
        )
    elif name == "parcels":
        symbol = QgsFillSymbol.createSimple(
            {
                "color": sym["fill"],
                "style": "solid",
                "outline_color": sym["stroke"],
                "outline_width": str(sym["stroke_px"]),
                "outline_width_unit": "Pixel",
            }
        )
    else:
        symbol = QgsLineSymbol.createSimple(
            {
                "line_color": sym["stroke"],
                "line_width": str(sym["stroke_px"]),
                "line_width_unit": "Pixel",
            }
        )
    return QgsSingleSymbolRenderer(symbol)


def open_layer(job: dict, name: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{job['layers'][name]}|layername={name}", name, "ogr")
    if not layer.isValid():
        raise SystemExit(f"QGIS cannot open {job['layers'][name]}")
    layer.setRenderer(symbol_for(name, job["symbols"][name]))
    return layer


def map_settings(job: dict, layers_bottom_up: list, extent: QgsRectangle) -> QgsMapSettings:
    settings = QgsMapSettings()
    settings.setLayers(list(reversed(layers_bottom_up)))  # QGIS: first = top
    settings.setDestinationCrs(QgsCoordinateReferenceSystem(job["crs"]))
    settings.setOutputSize(QSize(*job["size"]))
    settings.setOutputDpi(96)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setFlag(QgsMapSettings.Antialiasing, True)
    settings.setExtent(extent)
    return settings


def render(settings: QgsMapSettings):
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


#: The view each render key draws.
VIEWS = {"render_full": "full", "render_zoom50": "zoom50"}


def serve(job: dict) -> None:
    """Answer run.py's requests, one line each (see the module docstring)."""
    layers = {name: open_layer(job, name) for name in job["figures"]["all"]}
    settings = {
        (key, figure): map_settings(
            job, [layers[n] for n in names], QgsRectangle(*job["views"][view])
        )
        for key, view in VIEWS.items()
        for figure, names in job["figures"].items()
    }
    answer({"ready": True})
    for line in sys.stdin:
        request = line.split()
        if not request or request[0] == "quit":
            return
        if request[0] == "render":
            started = time.perf_counter()
            render(settings[(request[1], request[2])])
            answer({"seconds": time.perf_counter() - started})
        elif request[0] == "image":
            key, figure, folder = request[1], request[2], request[3]
            path = os.path.join(folder, f"qgis_{figure}_{VIEWS[key]}.png")
            render(settings[(key, figure)]).save(path)
            answer({"saved": path})
        elif request[0] == "identify":
            answer({"identify_s": identify(layers["points"], job["identify"])})
        else:
            answer({"error": f"unknown request {line.strip()!r}"})


def answer(result: dict) -> None:
    print(json.dumps(result))
    sys.stdout.flush()


def identify(layer: QgsVectorLayer, spec: dict) -> float:
    """One click: the features in the search rectangle, attributes read."""
    radius = spec["tolerance"]

    def click(x: float, y: float) -> int:
        rect = QgsRectangle(x - radius, y - radius, x + radius, y + radius)
        request = QgsFeatureRequest().setFilterRect(rect)
        return sum(1 for feature in layer.getFeatures(request) if feature.attributes())

    click(*spec["clicks"][0])
    times = []
    for x, y in spec["clicks"]:
        started = time.perf_counter()
        click(x, y)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 9)


def first_picture(job: dict) -> dict:
    started = time.perf_counter()
    layer = open_layer(job, "points")
    extent = QgsRectangle(layer.extent())
    extent.grow(max(extent.width(), extent.height()) * FIT_MARGIN)
    render(map_settings(job, [layer], extent))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """VmHWM: ru_maxrss survives execve, so it would include the parent's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"serve", "first-picture"}:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as handle:
        job = json.load(handle)
    _app = start_qgis()  # kept alive until the last answer is printed
    if argv[0] == "serve":
        serve(job)
    else:
        answer(first_picture(job))
    sys.stderr.flush()
    # Skip QGIS's teardown: it can crash at exit, and the answers are printed.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
