"""LayerTreeModel: a Qt list model over the project's layers (index 0 = top).

Every change to the layer list, whoever makes it, reaches the view through
the list's events: the model never edits its rows directly, it edits the
LayerList and lets the events drive begin/end{Insert,Remove,Move}Rows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.layer_list import LayerList
from mapdesk.ui.icons import icon
from mapdesk.ui.layer_watch import LayerWatcher
from mapdesk.ui.models.legend import layer_icon

LAYER_ROLE = Qt.ItemDataRole.UserRole + 1
#: Names of the icons shown at the right of a layer's row (QGIS's layer
#: indicators), e.g. ``("filter",)`` while a display filter hides features.
INDICATORS_ROLE = Qt.ItemDataRole.UserRole + 2
LAYER_MIME_TYPE = "application/x-mapdesk-layer-ids"
AnyIndex = QModelIndex | QPersistentModelIndex

_ROW_SIGNALS = (
    "name_changed",
    "visibility_changed",
    "style_changed",
    "symbology_changed",
    "crs_changed",
    "data_changed",
    "editing_changed",
    "edits_changed",
    "display_filter_changed",
)


def layer_tooltip(layer: VectorLayer) -> str:
    lines = [
        layer.name,
        layer.crs_description,
        f"{layer.feature_count:,} features ({layer.geometry_type or 'no geometry'})",
    ]
    if layer.origin is not None:
        lines.append(layer.origin.path)
    if layer.is_editing:
        lines.append("Being edited: unsaved edits" if layer.is_modified else "Being edited")
    if layer.display_filter.active:
        lines.append(
            f"Filtered: {layer.display_filter.describe(layer.data.index)}. "
            "Right-click ▸ Show All Features to draw every feature."
        )
    if layer.crs_missing and layer.unavailable is None:
        lines.append(
            "⚠ This layer's file declares no CRS: it is drawn where its numbers fall. "
            "Right-click ▸ Set Layer CRS… to say what it is."
        )
    if layer.unavailable is not None:
        lines.append(
            f"⚠ Not found: {layer.unavailable}. Right-click ▸ Repair Data Source… "
            "to point the layer at its file."
        )
    return "\n".join(lines)


class LayerTreeModel(QAbstractListModel):
    """Rows are layers; checkbox = visibility; editable name; drag to reorder."""

    def __init__(self, layers: LayerList, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._layers = layers
        self._watcher = LayerWatcher(layers, _ROW_SIGNALS, self._on_layer_changed)
        self._watcher.connect_list("batch_inserting", self._on_inserting)
        self._watcher.connect_list("batch_inserted", self._on_inserted)
        self._watcher.connect_list("batch_removing", self._on_removing)
        self._watcher.connect_list("batch_removed", self._on_removed)
        self._watcher.connect_list("moving", self._on_moving)
        self._watcher.connect_list("moved", self._on_moved)
        self._watcher.connect_list("changed", self._on_replaced)
        self._watcher.connect_list("reordered", self._on_all_changed)

    def close(self) -> None:
        """Stop following the layer list (the panel is going away)."""
        self._watcher.close()

    # --- lookup ----------------------------------------------------------------
    def layer_at(self, index: AnyIndex) -> VectorLayer | None:
        if not index.isValid() or not 0 <= index.row() < len(self._layers):
            return None
        return self._layers[index.row()]

    def index_of(self, layer: VectorLayer) -> QModelIndex:
        for row, candidate in enumerate(self._layers):
            if candidate is layer:
                return self.index(row, 0)
        return QModelIndex()

    # --- read ----------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._layers)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        layer = self.layer_at(index)
        if layer is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            # QGIS's dirty marker: a layer with unsaved edits ends in " *".
            return f"{layer.name} *" if layer.is_modified else layer.name
        if role == Qt.ItemDataRole.EditRole:
            return layer.name
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole:
            return icon("toggle_editing") if layer.is_editing else layer_icon(layer)
        if role == Qt.ItemDataRole.ToolTipRole:
            return layer_tooltip(layer)
        if role == Qt.ItemDataRole.FontRole and (layer.crs_missing or layer.unavailable):
            font = QFont()
            font.setItalic(True)
            return font
        if role == LAYER_ROLE:
            return layer
        if role == INDICATORS_ROLE:
            return ("filter",) if layer.display_filter.active else ()
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            # Only the gaps between rows take drops: a drop "onto" a layer would
            # make Qt treat the move as copy-then-delete.
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsDragEnabled
        )

    # --- write ---------------------------------------------------------------
    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        layer = self.layer_at(index)
        if layer is None:
            return False
        if role == Qt.ItemDataRole.CheckStateRole:
            layer.visible = _is_checked(value)
            return True
        if role == Qt.ItemDataRole.EditRole:
            try:
                layer.name = str(value)
            except MapdeskError:
                return False  # an empty name: keep the old one, as QGIS does
            return True
        return False

    def removeRows(self, row: int, count: int, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or row < 0 or count <= 0 or row + count > len(self._layers):
            return False
        del self._layers[row : row + count]
        return True

    def moveRows(
        self,
        source_parent: AnyIndex,
        source_row: int,
        count: int,
        destination_parent: AnyIndex,
        destination_child: int,
    ) -> bool:
        """Move ``count`` layers from ``source_row`` to before ``destination_child``."""
        n = len(self._layers)
        if source_parent.isValid() or destination_parent.isValid():
            return False
        if count <= 0 or source_row < 0 or source_row + count > n:
            return False
        if not 0 <= destination_child <= n:
            return False
        if source_row <= destination_child <= source_row + count:
            return True  # dropped onto itself: nothing to do
        self._layers.move_multiple(range(source_row, source_row + count), destination_child)
        return True

    # --- drag and drop ---------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME_TYPE]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        ids = [layer.id for index in indexes if (layer := self.layer_at(index)) is not None]
        data = QMimeData()
        data.setData(LAYER_MIME_TYPE, QByteArray("\n".join(ids).encode("ascii")))
        return data

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        """Move the dragged layers to before ``row`` (or ``parent``'s row).

        Returns False even after moving: True with a MoveAction tells the
        source view to delete the dragged rows, which would remove the layers.
        """
        if action == Qt.DropAction.IgnoreAction or not data.hasFormat(LAYER_MIME_TYPE):
            return False
        raw = bytes(data.data(LAYER_MIME_TYPE).data()).decode("ascii")
        wanted = [i for i in raw.split("\n") if i]
        rows = [r for r, layer in enumerate(self._layers) if layer.id in wanted]
        if not rows:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._layers)
        self._layers.move_multiple(rows, min(max(row, 0), len(self._layers)))
        return False

    # --- list events -> Qt row notifications ---------------------------------
    def _on_inserting(self, start: int, stop: int) -> None:
        self.beginInsertRows(QModelIndex(), start, stop - 1)

    def _on_inserted(self, *_args: Any) -> None:
        self.endInsertRows()

    def _on_removing(self, start: int, stop: int) -> None:
        self.beginRemoveRows(QModelIndex(), start, stop - 1)

    def _on_removed(self, *_args: Any) -> None:
        self.endRemoveRows()

    def _on_moving(self, source: int, destination: int) -> None:
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination)

    def _on_moved(self, *_args: Any) -> None:
        self.endMoveRows()

    def _on_replaced(self, *_args: Any) -> None:
        # Slice assignment may change the row count; only ``changed`` follows it.
        self.beginResetModel()
        self.endResetModel()

    def _on_all_changed(self, *_args: Any) -> None:
        if self._layers:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._layers) - 1, 0))

    def _on_layer_changed(self, layer: VectorLayer) -> None:
        index = self.index_of(layer)
        if index.isValid():
            self.dataChanged.emit(index, index)


def _is_checked(value: Any) -> bool:
    if isinstance(value, Qt.CheckState):
        return value == Qt.CheckState.Checked
    return int(value) == Qt.CheckState.Checked.value
