"""Snapping Options: which layers to snap to, to what, and how near is near enough.

As QGIS's snapping toolbar: on or off, vertices and/or edges, a tolerance in
pixels, and "all visible layers" or a chosen list. Changes apply when OK is
pressed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.editing.snapping import SnapSettings
from mapdesk.core.layer import VectorLayer
from mapdesk.ui.dialogs.parts import ok_cancel


class SnappingOptionsDialog(QDialog):
    """Edit a ``SnapSettings``; ``settings()`` gives the choice once accepted."""

    def __init__(
        self, current: SnapSettings, layers: list[VectorLayer], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("snappingOptionsDialog")
        self.setWindowTitle("Snapping Options")
        self.enabled = QCheckBox("Snap while digitising", self)
        self.enabled.setChecked(current.enabled)
        self.vertices = QCheckBox("to vertices", self)
        self.vertices.setChecked(current.vertices)
        self.segments = QCheckBox("to edges (segments)", self)
        self.segments.setChecked(current.segments)
        self.tolerance = QSpinBox(self)
        self.tolerance.setObjectName("snapTolerance")
        self.tolerance.setRange(1, 100)
        self.tolerance.setSuffix(" px")
        self.tolerance.setValue(round(current.tolerance_px))
        self.all_layers = QCheckBox("All visible layers", self)
        self.all_layers.setChecked(current.layer_ids is None)
        self.layers = QListWidget(self)
        self.layers.setObjectName("snapLayers")
        for layer in layers:
            item = QListWidgetItem(layer.name, self.layers)
            item.setData(Qt.ItemDataRole.UserRole, layer.id)
            chosen = current.layer_ids is None or layer.id in current.layer_ids
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        self.layers.setEnabled(not self.all_layers.isChecked())
        self.all_layers.toggled.connect(lambda on: self.layers.setEnabled(not on))
        form = QFormLayout()
        form.addRow(self.enabled)
        form.addRow("Snap", self.vertices)
        form.addRow("", self.segments)
        form.addRow("Tolerance", self.tolerance)
        buttons = ok_cancel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Layers to snap to:", self))
        layout.addWidget(self.all_layers)
        layout.addWidget(self.layers)
        layout.addWidget(buttons)

    def chosen_layer_ids(self) -> frozenset[str] | None:
        """None: every visible layer; else the ids of the ticked layers."""
        if self.all_layers.isChecked():
            return None
        items = [self.layers.item(row) for row in range(self.layers.count())]
        return frozenset(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        )

    def settings(self) -> SnapSettings:
        return SnapSettings(
            enabled=self.enabled.isChecked(),
            tolerance_px=float(self.tolerance.value()),
            vertices=self.vertices.isChecked(),
            segments=self.segments.isChecked(),
            layer_ids=self.chosen_layer_ids(),
        )
