"""OpacityDialog: a slider with live preview; Cancel puts the old opacity back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.layer import VectorLayer


class OpacityDialog(QDialog):
    """Set a layer's opacity (0–100 %); the map follows the slider as it moves."""

    def __init__(self, layer: VectorLayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("opacityDialog")
        self.setWindowTitle(f"Opacity — {layer.name}")
        self.layer = layer
        self._original = layer.opacity
        percent = round(layer.opacity * 100)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("opacitySlider")
        self.slider.setRange(0, 100)
        self.slider.setValue(percent)
        self.spin = QSpinBox(self)
        self.spin.setObjectName("opacitySpin")
        self.spin.setRange(0, 100)
        self.spin.setSuffix(" %")
        self.spin.setValue(percent)
        self.slider.valueChanged.connect(self.spin.setValue)
        self.spin.valueChanged.connect(self.slider.setValue)
        self.spin.valueChanged.connect(self._preview)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Opacity of layer '{layer.name}':", self))
        layout.addLayout(row)
        layout.addWidget(buttons)

    def _preview(self, percent: int) -> None:
        self.layer.opacity = percent / 100

    def reject(self) -> None:
        self.layer.opacity = self._original
        super().reject()
