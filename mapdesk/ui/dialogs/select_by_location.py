"""Select by Location: features of one layer by where they are relative to another's.

"Select features from [FixIt incidents] that [are within distance of] the
features of [Fire / police / EMS stations], 500 m" — QGIS's dialog, in a
sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.layer import VectorLayer
from mapdesk.core.selecting import SpatialRelation
from mapdesk.core.selection import SelectionMode

_MODES = (
    ("creating a new selection", SelectionMode.REPLACE),
    ("adding to the current selection", SelectionMode.ADD),
    ("removing from the current selection", SelectionMode.REMOVE),
    ("selecting within the current selection", SelectionMode.INTERSECT),
)


@dataclass(frozen=True)
class LocationQuery:
    """What the dialog asks for."""

    layer: VectorLayer
    relation: SpatialRelation
    reference: VectorLayer
    distance: float
    reference_selected_only: bool
    mode: SelectionMode


class SelectByLocationDialog(QDialog):
    """Signals ``requested(LocationQuery)`` on Run; stays open for another query."""

    requested = Signal(object)

    def __init__(
        self,
        layers: list[VectorLayer],
        current: VectorLayer | None,
        unit: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("selectByLocationDialog")
        self.setWindowTitle("Select by Location")
        self._layers = layers
        form = QFormLayout()
        self.layer = self._layer_box("selectFromLayer", current)
        form.addRow("Select features from", self.layer)
        self.relation = QComboBox(self)
        self.relation.setObjectName("spatialRelation")
        for relation in SpatialRelation:
            self.relation.addItem(f"that {relation.value}", relation)
        self.relation.currentIndexChanged.connect(self._update_distance)
        form.addRow("", self.relation)
        self.distance = QDoubleSpinBox(self)
        self.distance.setObjectName("distance")
        self.distance.setRange(0.0, 1e9)
        self.distance.setDecimals(2)
        self.distance.setValue(100.0)
        self.distance.setSuffix(f" {unit}" if unit else "")
        form.addRow("Distance", self.distance)
        self.reference = self._layer_box("referenceLayer", None)
        form.addRow("the features of", self.reference)
        self.selected_only = QCheckBox("Only its selected features", self)
        self.selected_only.setObjectName("referenceSelectedOnly")
        form.addRow("", self.selected_only)
        self.mode = QComboBox(self)
        self.mode.setObjectName("selectionMode")
        for text, mode in _MODES:
            self.mode.addItem(text, mode)
        form.addRow("by", self.mode)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("selectLocationResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        layout.addLayout(self._buttons())
        self._update_distance()

    def _layer_box(self, name: str, current: VectorLayer | None) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName(name)
        for layer in self._layers:
            box.addItem(layer.name, layer)
        if current is not None and current in self._layers:
            box.setCurrentIndex(self._layers.index(current))
        return box

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        run = QPushButton("Run", self)
        run.setObjectName("runSelectByLocation")
        run.setDefault(True)
        run.clicked.connect(self.run)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        row.addStretch(1)
        row.addWidget(run)
        row.addWidget(close)
        return row

    def _update_distance(self) -> None:
        wanted = self.relation.currentData() is SpatialRelation.ARE_WITHIN_DISTANCE
        self.distance.setEnabled(wanted)

    def query(self) -> LocationQuery:
        return LocationQuery(
            layer=self.layer.currentData(),
            relation=self.relation.currentData(),
            reference=self.reference.currentData(),
            distance=self.distance.value(),
            reference_selected_only=self.selected_only.isChecked(),
            mode=self.mode.currentData(),
        )

    def run(self) -> None:
        self.requested.emit(self.query())

    def show_result(self, text: str, problem: bool = False) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet("color: #b00020;" if problem else "")
