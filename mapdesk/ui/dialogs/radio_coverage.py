"""Analysis ▸ Radio Coverage…: towers and their ranges, a signal raster, what to measure.

The choices of ``mapdesk radio-coverage``: the towers with their range
field (or a default range, or one range for every tower as a what-if),
planned towers as built, a predicted-signal raster with its threshold, and
the address points, roads and PSAP polygons to tally.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.radio import DEFAULT_RANGE_FIELD, RANGE_UNITS, RangeRule
from mapdesk.core.analysis.roles import (
    ADDRESS_ROLE,
    LINEAR,
    POLYGONAL,
    PUNTAL,
    ROAD_ROLE,
    TOWER_ROLE,
    ZONE_ROLES,
)
from mapdesk.core.layer import VectorLayer
from mapdesk.io.analysis_inputs import RadioLayers, SignalRasters
from mapdesk.ui.dialogs.layer_choice import FileChoice, LayerCombo
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label

#: The most a tower may reach (km), as on the command line.
MAX_RANGE_KM = 500.0
#: The range field's entry for "no field: the default range for every tower".
NO_FIELD = "(none)"


@dataclass(frozen=True)
class RadioCoverageRequest:
    """What the dialog asks for."""

    layers: RadioLayers
    rule: RangeRule
    include_planned: bool = False
    rasters: SignalRasters = field(default_factory=SignalRasters)


class RadioCoverageDialog(QDialog):
    """Towers, ranges, signal raster and the layers to measure; OK runs the analysis."""

    def __init__(self, layers: list[VectorLayer], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("radioCoverageDialog")
        self.setWindowTitle("Radio Coverage")
        psap_role = next(role for role in ZONE_ROLES if role.key == "psap")
        self.towers = LayerCombo(layers, PUNTAL, TOWER_ROLE, "radioTowers", self)
        self.range_field = QComboBox(self)
        self.range_field.setObjectName("radioRangeField")
        self.range_unit = QComboBox(self)
        self.range_unit.setObjectName("radioRangeUnit")
        self.range_unit.addItems(list(RANGE_UNITS))
        self.default_range = _km_spin(self, "radioDefaultRange")
        self.every_tower = QCheckBox("Give every tower this range (a what-if)", self)
        self.every_tower.setObjectName("radioEveryTower")
        self.include_planned = QCheckBox("Planned towers cover too (a what-if)", self)
        self.include_planned.setObjectName("radioIncludePlanned")
        self.raster = FileChoice(
            "radioSignalRaster", "Predicted-signal raster", "Rasters (*.tif *.tiff *.img *.vrt)"
        )
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setObjectName("radioThreshold")
        self.threshold.setRange(-300.0, 300.0)
        self.threshold.setDecimals(1)
        self.threshold.setValue(-95.0)
        self.band = QSpinBox(self)
        self.band.setObjectName("radioBand")
        self.band.setRange(1, 999)
        self.addresses = LayerCombo(layers, PUNTAL, ADDRESS_ROLE, "radioAddresses", self)
        self.roads = LayerCombo(layers, LINEAR, ROAD_ROLE, "radioRoads", self)
        self.psap = LayerCombo(layers, POLYGONAL, psap_role, "radioPsap", self)
        self.problem = problem_label(self, "radioProblem")
        self._buttons = ok_cancel(self)
        self._build()
        self.towers.currentIndexChanged.connect(lambda _i: self._fill_fields())
        self.range_field.currentIndexChanged.connect(lambda _i: self._check())
        for combo in (self.towers, self.addresses, self.roads):
            combo.currentIndexChanged.connect(lambda _i: self._check())
        self.default_range.valueChanged.connect(lambda _v: self._check())
        self.every_tower.toggled.connect(lambda _on: self._check())
        self.raster.edit.textChanged.connect(lambda _t: self._check())
        self._fill_fields()

    def _build(self) -> None:
        towers = QFormLayout()
        towers.addRow("Towers:", self.towers)
        towers.addRow("Range field:", self.range_field)
        towers.addRow("Field unit:", self.range_unit)
        towers.addRow("Default range:", self.default_range)
        towers.addRow("", self.every_tower)
        towers.addRow("", self.include_planned)
        signal = QFormLayout()
        signal.addRow("Raster:", self.raster)
        signal.addRow("Covers at or above:", self.threshold)
        signal.addRow("Band:", self.band)
        measured = QFormLayout()
        measured.addRow("Address points:", self.addresses)
        measured.addRow("Road centrelines:", self.roads)
        measured.addRow("PSAP polygons:", self.psap)
        layout = QVBoxLayout(self)
        for title, form in (
            ("Coverage from towers", towers),
            ("Predicted-signal raster (optional)", signal),
            ("What is measured", measured),
        ):
            box = QGroupBox(title, self)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addWidget(self.problem)
        layout.addWidget(self._buttons)

    def _fill_fields(self) -> None:
        """The tower layer's fields; its range field (``coverage_km``) chosen when it has one.

        Never another: the first field is often an object id (1, 2, 3…), which
        would pass for ranges in km. Without ``coverage_km`` the choice is
        :data:`NO_FIELD` until the user names the field or gives a default range.
        """
        self.range_field.clear()
        self.range_field.addItem(NO_FIELD)
        layer = self.towers.layer()
        if layer is not None:
            geometry = layer.data.geometry.name
            fields = [str(c) for c in layer.data.columns if c != geometry]
            self.range_field.addItems(fields)
            if DEFAULT_RANGE_FIELD in fields:
                self.range_field.setCurrentText(DEFAULT_RANGE_FIELD)
        self._check()

    def _check(self) -> None:
        problem = self.problem_text()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        ok = self._buttons.button(self._buttons.StandardButton.Ok)
        if isinstance(ok, QPushButton):
            ok.setEnabled(not problem)

    def problem_text(self) -> str:
        """Why OK cannot run the analysis yet ("" when it can)."""
        raster = self.raster.path()
        if self.addresses.layer() is None and self.roads.layer() is None:
            return "Choose address points or road centrelines to measure."
        if self.towers.layer() is None and raster is None:
            return "Choose a tower layer or a predicted-signal raster to cover with."
        if self.every_tower.isChecked() and self.default_range.value() == 0:
            return "Give the range every tower is to have."
        if (
            self.towers.layer() is not None
            and self._range_field() == ""
            and self.default_range.value() == 0
        ):
            return "Choose the field that holds each tower's range, or give a default range."
        if raster is not None and not raster.is_file():
            return f"There is no file {raster}."
        return ""

    def _range_field(self) -> str:
        """The field chosen ("" for none: the default range applies to every tower)."""
        text = self.range_field.currentText()
        return "" if text == NO_FIELD else text

    def request(self) -> RadioCoverageRequest:
        """The choices made."""
        km = self.default_range.value()
        metres = km * 1000.0 if km > 0 else None
        every = self.every_tower.isChecked()
        rule = RangeRule(
            field=self._range_field(),
            unit=self.range_unit.currentText(),
            default_m=None if every else metres,
            override_m=metres if every else None,
        )
        raster = self.raster.path()
        rasters = SignalRasters(
            (raster,) if raster is not None else (), self.threshold.value(), self.band.value()
        )
        layers = RadioLayers(
            towers=self.towers.layer(),
            psap=self.psap.layer(),
            addresses=self.addresses.layer(),
            roads=self.roads.layer(),
        )
        return RadioCoverageRequest(layers, rule, self.include_planned.isChecked(), rasters)


def _km_spin(parent: QWidget, name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(0.0, MAX_RANGE_KM)
    spin.setDecimals(2)
    spin.setSuffix(" km")
    spin.setSpecialValueText("none (each tower's own)")
    spin.setToolTip("The range of towers whose field is empty (none: such a tower is an error)")
    return spin
