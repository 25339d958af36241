"""The map canvas widget, its map tools and the scale bar."""

from mapdesk.ui.canvas.canvas import MapCanvas

__all__ = ["MapCanvas"]
