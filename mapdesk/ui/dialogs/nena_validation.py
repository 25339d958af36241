"""Validate NENA Data: which project layer plays each NENA layer, and the CLI's options.

Each NENA layer has a list of the project layers of its geometry, prefilled
as ``mapdesk nena validate`` would find them; "(none)" leaves it out (a
required layer is then reported missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.nena import REQUIRED_LAYERS, ValidationOptions, load_schema
from mapdesk.core.analysis.nena.layer_roles import geometry_family
from mapdesk.core.layer import VectorLayer

NONE = "(none)"


@dataclass(frozen=True)
class NenaValidationRequest:
    """What to validate: the layer chosen per NENA layer, and the options."""

    chosen: Mapping[str, VectorLayer]
    options: ValidationOptions


class NenaValidationDialog(QDialog):
    """A layer list per NENA layer, then search distance, dangles, exception field, country."""

    def __init__(
        self,
        layers: Sequence[VectorLayer],
        proposed: Mapping[str, VectorLayer],
        options: ValidationOptions,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("nenaValidationDialog")
        self.setWindowTitle("Validate NENA Data")
        self._layers = list(layers)
        self.role_combos: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self._roles_box(proposed), 1)
        layout.addWidget(self._options_box(options))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Validate")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 640)

    def _roles_box(self, proposed: Mapping[str, VectorLayer]) -> QGroupBox:
        box = QGroupBox("Layers (prefilled as mapdesk recognises them; * required by NENA)", self)
        form = QFormLayout()
        for role, spec in load_schema().layers.items():
            combo = QComboBox(self)
            combo.setObjectName(f"nenaRole{role}")
            combo.addItem(NONE, None)
            for layer in self._layers:
                if geometry_family(layer.geometry_type) == spec.geometry:
                    combo.addItem(layer.name, layer.id)
            chosen = proposed.get(role)
            if chosen is not None:
                combo.setCurrentIndex(max(combo.findData(chosen.id), 0))
            self.role_combos[role] = combo
            form.addRow(f"{role}{' *' if role in REQUIRED_LAYERS else ''}:", combo)
        inner = QWidget(self)
        inner.setLayout(form)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(box)
        outer.addWidget(scroll)
        return box

    def _options_box(self, options: ValidationOptions) -> QGroupBox:
        box = QGroupBox("Options", self)
        form = QFormLayout(box)
        self.search_distance = _metres(self, "nenaSearchDistance", options.search_m)
        self.search_distance.setToolTip("How far from an address point its street is looked for")
        form.addRow("Street search distance:", self.search_distance)
        self.dangle_check = QCheckBox("Only road ends within", self)
        self.dangle_check.setObjectName("nenaDangleCheck")
        self.dangle_within = _metres(self, "nenaDangleWithin", options.dangle_within_m or 10.0)
        self.dangle_check.setChecked(options.dangle_within_m is not None)
        self.dangle_within.setEnabled(self.dangle_check.isChecked())
        self.dangle_check.toggled.connect(self.dangle_within.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.dangle_check)
        row.addWidget(self.dangle_within)
        row.addWidget(QLabel("of another road (likely undershoots)", self), 1)
        form.addRow("Road dangles:", row)
        self.exception_field = QComboBox(self)
        self.exception_field.setObjectName("nenaExceptionField")
        self.exception_field.setEditable(True)
        self.exception_field.addItems(self._text_fields(options.exception_field))
        self.exception_field.setCurrentText(options.exception_field)
        self.exception_field.setToolTip(
            "The per-feature field listing rule ids not to report for that feature"
        )
        form.addRow("Exception field:", self.exception_field)
        self.country = QComboBox(self)
        self.country.setObjectName("nenaCountry")
        self.country.addItems(["US", "CA"])
        self.country.setCurrentText(options.country)
        form.addRow("Country:", self.country)
        return box

    def _text_fields(self, current: str) -> list[str]:
        names = {current}
        for layer in self._layers:
            names.update(name for name, kind in layer.fields if kind in ("str", "object", "string"))
        return sorted(names, key=lambda n: (n != current, n.lower()))

    def request(self) -> NenaValidationRequest:
        """The choices made."""
        by_id = {layer.id: layer for layer in self._layers}
        chosen = {
            role: by_id[combo.currentData()]
            for role, combo in self.role_combos.items()
            if combo.currentData() in by_id
        }
        options = ValidationOptions(
            country=self.country.currentText(),
            exception_field=self.exception_field.currentText().strip() or "QA_Except",
            search_m=self.search_distance.value(),
            dangle_within_m=self.dangle_within.value() if self.dangle_check.isChecked() else None,
        )
        return NenaValidationRequest(chosen, options)


def _metres(parent: QWidget, name: str, value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(0.1, 100_000.0)  # as the CLI accepts
    spin.setDecimals(1)
    spin.setSuffix(" m")
    spin.setValue(value)
    return spin
