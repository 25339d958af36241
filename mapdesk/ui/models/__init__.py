"""Qt item models over the Qt-free project model."""

from mapdesk.ui.models.layer_tree import LAYER_MIME_TYPE, LAYER_ROLE, LayerTreeModel

__all__ = ["LAYER_MIME_TYPE", "LAYER_ROLE", "LayerTreeModel"]
