"""mapdesk: desktop GIS and asset mapping for the City of Portland, Maine.

Scripting API (the same objects the app uses)::

    from mapdesk import Project
    project = Project.open("data/greater_portland_demo.gpkg")
    roads = project.layers.by_name("road_centerlines")
    roads.data.head()
"""

from mapdesk.core.editing.saving import register_edit_writer
from mapdesk.core.project import Project, register_layer_loader
from mapdesk.io.edit_writer import write_layer_edits
from mapdesk.io.loader import load_layers

__version__ = "0.1.0"
__all__ = ["Project", "__version__"]

# File formats live in mapdesk.io, above core; wire them into Project here so
# that core never imports io (see DESIGN.md, "the one rule").
register_layer_loader(load_layers)
register_edit_writer(write_layer_edits)
