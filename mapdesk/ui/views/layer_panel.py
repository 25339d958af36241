"""The Layers panel: a dock with a list view over LayerTreeModel (layout only)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QListView, QWidget

from mapdesk.core.layer import VectorLayer
from mapdesk.ui.models.layer_tree import LayerTreeModel
from mapdesk.ui.views.layer_indicators import LayerIndicatorDelegate


class LayerPanel(QDockWidget):
    """Shows the layers top to bottom; checkbox, rename (F2), drag to reorder;
    a funnel at the right of a layer whose display filter hides features.

    Signals
    -------
    current_layer_changed(VectorLayer | None)
    context_menu_requested(VectorLayer | None, QPoint)
        Right-click, with the layer under the cursor and the global position.
    layer_activated(VectorLayer)
        Double-click: open the layer's properties, as in QGIS.
    """

    current_layer_changed = Signal(object)
    context_menu_requested = Signal(object, QPoint)
    layer_activated = Signal(object)

    def __init__(self, model: LayerTreeModel, parent: QWidget | None = None) -> None:
        super().__init__("Layers", parent)
        self.setObjectName("layerPanel")
        self.model = model
        self.view = QListView(self)
        self.view.setObjectName("layerList")
        self.view.setModel(model)
        self.view.setItemDelegate(LayerIndicatorDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragDropOverwriteMode(False)
        self.view.setDropIndicatorShown(True)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        model.rowsRemoved.connect(self._emit_current)
        model.modelReset.connect(self._emit_current)
        self.setWidget(self.view)

    def current_layer(self) -> VectorLayer | None:
        return self.model.layer_at(self.view.currentIndex())

    def select_layer(self, layer: VectorLayer) -> None:
        index = self.model.index_of(layer)
        if index.isValid():
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def start_rename(self, layer: VectorLayer) -> None:
        """Open the in-place name editor on ``layer``, as F2 does."""
        index = self.model.index_of(layer)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.edit(index)

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            self.view.setCurrentIndex(index)
        layer = self.model.layer_at(index)
        self.context_menu_requested.emit(layer, self.view.viewport().mapToGlobal(pos))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        layer = self.model.layer_at(index)
        if layer is not None:
            self.layer_activated.emit(layer)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_layer_changed.emit(self.model.layer_at(current))

    def _emit_current(self, *_args: object) -> None:
        self.current_layer_changed.emit(self.current_layer())
