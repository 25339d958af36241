"""Analysis ▸ Drive-Time Coverage…: the layers, the bands and turnout, and a what-if.

The layers are preselected by what they hold (road centrelines, address points,
FixIt incidents, the PSAP boundary); the stations can be narrowed to one type,
fire by default, since planners study fire first-due apart from police and EMS.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.coverage import CoverageOptions
from mapdesk.core.analysis.coverage.layer_inputs import (
    StudyLayers,
    selected_rows,
    station_types,
    stations_of_type,
)
from mapdesk.core.analysis.coverage.model import parse_minutes
from mapdesk.core.analysis.coverage.stations import station_table
from mapdesk.core.analysis.roles import (
    ADDRESS_ROLE,
    INCIDENT_ROLE,
    LINEAR,
    POLYGONAL,
    PUNTAL,
    ROAD_ROLE,
    ZONE_ROLES,
    LayerRole,
    find_layer,
)
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

ALL_TYPES = "(all stations)"
NONE = "(none)"
_PSAP_ROLE = next(role for role in ZONE_ROLES if role.key == "psap")
_STATION_ROLE = LayerRole(
    "stations", "Stations", PUNTAL, fields=("turnout_s",), name_pattern=r"station"
)


@dataclass(frozen=True)
class CoverageRequest:
    """What the dialog asks for.

    Attributes
    ----------
    layers
        The layers read (and the station type kept).
    options
        Bands and default turnout.
    disabled
        Station ids out of service in a what-if.
    closed_roads
        Rows of the roads layer closed in a what-if (its selection, when asked).
    """

    layers: StudyLayers
    options: CoverageOptions
    disabled: frozenset[str] = frozenset()
    closed_roads: frozenset[int] = frozenset()


class CoverageDialog(QDialog):
    """Roads, stations (and their type), bands, turnout, optional layers, what-if."""

    def __init__(self, layers: list[VectorLayer], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coverageDialog")
        self.setWindowTitle("Drive-Time Coverage")
        usable = [layer for layer in layers if layer.feature_count > 0]
        self._lines = [x for x in usable if x.geometry_type in LINEAR]
        self._points = [x for x in usable if x.geometry_type in PUNTAL]
        self._polygons = [x for x in usable if x.geometry_type in POLYGONAL]
        self.roads = self._combo("coverageRoads", self._lines, ROAD_ROLE)
        self.stations = self._combo("coverageStations", self._points, _STATION_ROLE)
        self.station_type = QComboBox(self)
        self.station_type.setObjectName("coverageStationType")
        self.minutes = QLineEdit("4, 8", self)
        self.minutes.setObjectName("coverageMinutes")
        self.minutes.setToolTip("Minutes from the alert (turnout + drive), e.g. 4, 8")
        self.turnout = QDoubleSpinBox(self)
        self.turnout.setObjectName("coverageTurnout")
        self.turnout.setRange(0.0, 60.0)
        self.turnout.setSingleStep(0.25)
        self.turnout.setValue(1.0)
        self.turnout.setSuffix(" min")
        self.turnout.setToolTip("Turnout of stations without a turnout_s value")
        self.addresses = self._combo("coverageAddresses", self._points, ADDRESS_ROLE, True)
        self.incidents = self._combo("coverageIncidents", self._points, INCIDENT_ROLE, True)
        self.psaps = self._combo("coveragePsaps", self._polygons, _PSAP_ROLE, True)
        self.disabled = QListWidget(self)
        self.disabled.setObjectName("coverageDisabled")
        self.disabled.setToolTip("Tick the stations to take out of service")
        self.close_roads = QCheckBox(self)
        self.close_roads.setObjectName("coverageCloseRoads")
        self._request: CoverageRequest | None = None
        self.stations.currentIndexChanged.connect(self._fill_types)
        self.station_type.currentIndexChanged.connect(self._fill_stations)
        self.roads.currentIndexChanged.connect(self._count_selected_roads)
        self._fill_types()
        self._count_selected_roads()
        self._build()

    # --- widgets -----------------------------------------------------------------
    def _combo(
        self, name: str, layers: list[VectorLayer], role: LayerRole, optional: bool = False
    ) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        if optional:
            combo.addItem(NONE, None)
        for layer in layers:
            combo.addItem(layer.name, layer.id)
        found = find_layer(layers, role)
        if found is not None:
            combo.setCurrentIndex(combo.findData(found.id))
        return combo

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("Roads:", self.roads)
        form.addRow("Stations:", self.stations)
        form.addRow("Station type:", self.station_type)
        form.addRow("Bands (minutes):", self.minutes)
        form.addRow("Default turnout:", self.turnout)
        form.addRow("Addresses:", self.addresses)
        form.addRow("Incidents:", self.incidents)
        form.addRow("PSAP polygons:", self.psaps)
        what_if = QGroupBox("What-if (optional)", self)
        inner = QVBoxLayout(what_if)
        inner.addWidget(self.disabled)
        inner.addWidget(self.close_roads)
        self.disabled.setMaximumHeight(140)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(what_if)
        layout.addWidget(buttons)

    def _layer(self, combo: QComboBox) -> VectorLayer | None:
        chosen = combo.currentData()
        everything = self._lines + self._points + self._polygons
        return next((layer for layer in everything if layer.id == chosen), None)

    def _fill_types(self) -> None:
        """The station layer's types, fire first chosen when there is one."""
        self.station_type.blockSignals(True)
        self.station_type.clear()
        self.station_type.addItem(ALL_TYPES, None)
        stations = self._layer(self.stations)
        types = station_types(stations.data) if stations is not None else ()
        for kind in types:
            self.station_type.addItem(kind, kind)
        fire = next((i for i, kind in enumerate(types) if kind.lower() == "fire"), -1)
        self.station_type.setCurrentIndex(fire + 1)
        self.station_type.setEnabled(bool(types))
        self.station_type.blockSignals(False)
        self._fill_stations()

    def _fill_stations(self) -> None:
        """The stations of the type chosen, to tick out of service."""
        self.disabled.clear()
        stations = self._layer(self.stations)
        if stations is None:
            return
        try:
            table = station_table(
                stations_of_type(stations.data, self.station_type.currentData()), 60.0
            )
        except MapdeskError:
            return
        for station, name in zip(table.ids, table.names, strict=True):
            item = QListWidgetItem(f"{station}  {name}", self.disabled)
            item.setData(Qt.ItemDataRole.UserRole, station)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)

    def _count_selected_roads(self) -> None:
        roads = self._layer(self.roads)
        count = len(roads.selected_fids) if roads is not None else 0
        where = f" in '{roads.name}'" if roads is not None else ""
        self.close_roads.setText(f"Close the selected road segments ({count:,} selected{where})")
        self.close_roads.setEnabled(count > 0)
        if not count:
            self.close_roads.setChecked(False)

    # --- the answer ----------------------------------------------------------------
    def disabled_stations(self) -> frozenset[str]:
        """The station ids ticked out of service."""
        items = (self.disabled.item(i) for i in range(self.disabled.count()))
        return frozenset(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item is not None and item.checkState() == Qt.CheckState.Checked
        )

    def build_request(self) -> CoverageRequest:
        """The request the choices make.

        Raises
        ------
        MapdeskError
            When the roads or stations are missing, or the bands do not read.
        """
        roads, stations = self._layer(self.roads), self._layer(self.stations)
        if roads is None or stations is None:
            raise MapdeskError("Drive-time coverage needs a road layer and a station layer.")
        options = CoverageOptions(
            minutes=parse_minutes(self.minutes.text(), "Bands"),
            turnout_s=self.turnout.value() * 60,
        )
        layers = StudyLayers(
            roads,
            stations,
            self.station_type.currentData(),
            self._layer(self.addresses),
            self._layer(self.incidents),
            self._layer(self.psaps),
        )
        closed = selected_rows(roads) if self.close_roads.isChecked() else frozenset()
        return CoverageRequest(layers, options, self.disabled_stations(), closed)

    def accept(self) -> None:
        """Close only on choices that make a request; say what is wrong otherwise."""
        try:
            self._request = self.build_request()
        except MapdeskError as exc:
            QMessageBox.warning(self, "Drive-Time Coverage", str(exc))
            return
        super().accept()

    def request(self) -> CoverageRequest | None:
        """The request accepted (None before OK)."""
        return self._request
