"""The Measure panel: segment lengths, the total and the area, in the units chosen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.measure import AREA_UNITS, LENGTH_UNITS, Measurement, format_area, format_length


class MeasurePanel(QDockWidget):
    """Signals ``options_changed()`` when the units or the ellipsoidal choice change."""

    options_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Measure", parent)
        self.setObjectName("measurePanel")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.length_unit = QComboBox(body)
        self.length_unit.setObjectName("lengthUnit")
        self.length_unit.addItems(list(LENGTH_UNITS))
        self.area_unit = QComboBox(body)
        self.area_unit.setObjectName("areaUnit")
        self.area_unit.addItems(list(AREA_UNITS))
        self.ellipsoidal = QCheckBox("On the ellipsoid (WGS 84)", body)
        self.ellipsoidal.setObjectName("ellipsoidal")
        self.ellipsoidal.setChecked(True)
        self.ellipsoidal.setToolTip(
            "Ellipsoidal: true ground distance, as QGIS measures by default. "
            "Off: planar, in the map CRS's own grid."
        )
        for widget in (self.length_unit, self.area_unit, self.ellipsoidal):
            signal = widget.toggled if isinstance(widget, QCheckBox) else widget.currentIndexChanged
            signal.connect(self.options_changed)
        form.addRow("Length in", self.length_unit)
        form.addRow("Area in", self.area_unit)
        form.addRow("", self.ellipsoidal)
        layout.addLayout(form)
        self.segments = QListWidget(body)
        self.segments.setObjectName("measureSegments")
        layout.addWidget(self.segments, 1)
        self.total = QLabel(body)
        self.total.setObjectName("measureTotal")
        self.area = QLabel(body)
        self.area.setObjectName("measureArea")
        self.problem = QLabel(body)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        for label in (self.total, self.area, self.problem):
            layout.addWidget(label)
        self.setWidget(body)

    def show_measurement(self, figures: Measurement, is_area: bool) -> None:
        unit = self.length_unit.currentText()
        self.problem.setText("")
        self.segments.clear()
        self.segments.addItems([format_length(s, unit) for s in figures.segments])
        label = "Perimeter" if is_area else "Total"
        self.total.setText(f"{label}: {format_length(figures.total, unit)}")
        if is_area and figures.area is not None:
            self.area.setText(f"Area: {format_area(figures.area, self.area_unit.currentText())}")
        else:
            self.area.setText("")

    def show_problem(self, message: str) -> None:
        self.segments.clear()
        self.total.setText("")
        self.area.setText("")
        self.problem.setText(message)
