"""Map rendering: frozen MapSettings → RenderJob in a worker → QImage.

Uses QtCore/QtGui only (no widgets), so headless PNG export works from
the command line. Imports only ``mapdesk.core``.
"""

from mapdesk.render.draw import RenderError
from mapdesk.render.image import ensure_gui_application, render_to_png
from mapdesk.render.job import CancelToken, MapRenderer, RenderJob, render_map
from mapdesk.render.settings import LayerSnapshot, MapSettings

__all__ = [
    "CancelToken",
    "LayerSnapshot",
    "MapRenderer",
    "MapSettings",
    "RenderError",
    "RenderJob",
    "ensure_gui_application",
    "render_map",
    "render_to_png",
]
