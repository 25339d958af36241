"""``web_export``: the web-map export of 100,000 of the benchmark points.

The app's own path: the first 100,000 points through the app's loader, in a
project with the benchmark's symbol, written by ``export_web_map`` with its
defaults (popups of the first five fields, clustered as the app does for big
point layers). Timed from the loaded layer to the file on disk; the file's
size is the other figure.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyogrio
from timing import median_time

POINTS = 100_000


def web_export_figures(points: Path, runs: int, make_project: Any, style: Any) -> dict[str, Any]:
    """Median seconds (after a warm-up run) and the HTML file's size in bytes."""
    from mapdesk.core.layer import VectorLayer
    from mapdesk.export.web import export_web_map

    frame = pyogrio.read_dataframe(points, max_features=POINTS, use_arrow=True)
    layer = VectorLayer(frame, "points")
    layer.style = style
    project = make_project([layer])
    with tempfile.TemporaryDirectory(prefix="mapdesk-web-") as folder:
        target = Path(folder) / "points.html"
        seconds = median_time(lambda: export_web_map(project, target), max(runs, 1))
        return {"seconds": round(seconds, 6), "bytes": target.stat().st_size}
