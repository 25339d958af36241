"""The Symbology dialog's heatmap controls: radius and unit, ramp, weight, maximum.

QGIS's Heatmap renderer page in a few rows of the dialog's form. Every
change emits ``changed``; the dialog then builds the heatmap again and the
map shows it at once.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QWidget,
)

from mapdesk.core.heatmap import HEAT_RAMPS, RADIUS_UNITS, ColorRamp, Heatmap
from mapdesk.ui.models.legend import ramp_icon

#: The text of "every point counts 1" among the weight fields.
NO_WEIGHT = "(none: every point counts 1)"
#: Largest radius the spin box takes, per unit.
_MOST = {"mm": 200.0, "px": 1000.0, "m": 100_000.0}


class HeatmapControls(QObject):
    """Rows for a heatmap in ``form``, set from ``current`` (or QGIS's defaults).

    Signals ``changed()`` when the user changes any of them.
    """

    changed = Signal()

    def __init__(
        self, form: QFormLayout, frame: pd.DataFrame, current: Heatmap | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        shown = current or Heatmap()
        self._custom = shown.ramp if shown.ramp.name not in HEAT_RAMPS else None
        self.radius = QDoubleSpinBox(parent)
        self.radius.setObjectName("heatRadius")
        self.radius.setDecimals(1)
        self.radius.setRange(0.1, _MOST[shown.radius_unit])
        self.radius.setValue(shown.radius)
        self.unit = QComboBox(parent)
        self.unit.setObjectName("heatRadiusUnit")
        for unit, text in RADIUS_UNITS.items():
            self.unit.addItem(text, unit)
        self.unit.setCurrentIndex(self.unit.findData(shown.radius_unit))
        radius_row = QHBoxLayout()
        radius_row.addWidget(self.radius)
        radius_row.addWidget(self.unit, 1)
        self.ramp = self._ramp_box(parent, shown.ramp)
        self.weight = QComboBox(parent)
        self.weight.setObjectName("heatWeight")
        self.weight.addItem(NO_WEIGHT, None)
        for name in _numeric_fields(frame):
            self.weight.addItem(name, name)
        self.weight.setCurrentIndex(max(0, self.weight.findData(shown.weight_field)))
        self.automatic = QCheckBox("Automatic (densest place in view)", parent)
        self.automatic.setObjectName("heatMaxAuto")
        self.automatic.setChecked(shown.maximum is None)
        self.maximum = QDoubleSpinBox(parent)
        self.maximum.setObjectName("heatMaximum")
        self.maximum.setDecimals(2)
        self.maximum.setRange(0.01, 1e9)
        self.maximum.setValue(shown.maximum or 10.0)
        self.maximum.setEnabled(shown.maximum is not None)
        self.maximum.setToolTip("A fixed maximum keeps colours meaning the same in every view")
        maximum_row = QHBoxLayout()
        maximum_row.addWidget(self.automatic)
        maximum_row.addWidget(self.maximum, 1)
        self.rows: list[QWidget | QHBoxLayout] = [radius_row, self.ramp, self.weight, maximum_row]
        form.addRow("Radius", radius_row)
        form.addRow("Colour ramp", self.ramp)
        form.addRow("Weight points by", self.weight)
        form.addRow("Maximum", maximum_row)
        self._form = form
        self.unit.currentIndexChanged.connect(self._unit_changed)
        self.automatic.toggled.connect(self._automatic_changed)
        for box in (self.ramp, self.weight):
            box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        for spin in (self.radius, self.maximum):
            spin.valueChanged.connect(lambda _v: self.changed.emit())

    def _ramp_box(self, parent: QWidget, current: ColorRamp) -> QComboBox:
        box = QComboBox(parent)
        box.setObjectName("heatRamp")
        box.setIconSize(QSize(48, 14))
        ramps = [*HEAT_RAMPS.values(), *((self._custom,) if self._custom else ())]
        for ramp in ramps:
            box.addItem(ramp_icon(ramp, 48, 14), ramp.name, ramp.name)
        box.setCurrentIndex(max(0, box.findData(current.name)))
        return box

    def set_visible(self, shown: bool) -> None:
        """Show or hide the heatmap rows (the dialog shows them for "Heatmap" only)."""
        for row in self.rows:
            self._form.setRowVisible(row, shown)

    def heatmap(self) -> Heatmap:
        """The heatmap the controls describe."""
        name = self.ramp.currentData()
        ramp = HEAT_RAMPS.get(name) or self._custom or next(iter(HEAT_RAMPS.values()))
        return Heatmap(
            radius=self.radius.value(),
            radius_unit=self.unit.currentData(),
            ramp=ramp,
            weight_field=self.weight.currentData(),
            maximum=None if self.automatic.isChecked() else self.maximum.value(),
        )

    def _unit_changed(self, _index: int) -> None:
        self.radius.setMaximum(_MOST[self.unit.currentData()])
        self.changed.emit()

    def _automatic_changed(self, automatic: bool) -> None:
        self.maximum.setEnabled(not automatic)
        self.changed.emit()


def _numeric_fields(frame: pd.DataFrame) -> list[str]:
    geometry = getattr(frame, "geometry", None)
    skip = getattr(geometry, "name", None)
    return [
        str(name)
        for name, dtype in frame.dtypes.items()
        if name != skip
        and pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
    ]
