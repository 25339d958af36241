"""The Coverage panel: the fractile table of the last drive-time coverage run, and its what-if.

The table lists, for addresses (or incidents), the share reached within each band:
all of them, per PSAP, and per station of the points it is first due for. The
What-if section takes stations out of service and closes the roads selected on
the map; Recompute reuses the network already built, and Compare with baseline
adds the change in percentage points per band.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.coverage.fractile_table import (
    OVERALL,
    PSAP,
    STATION,
    FractileRow,
    fractile_rows,
)

_WORSE = QColor("#b00020")
_BETTER = QColor("#1b5e20")
_MUTED = QColor("#757575")
_KINDS = (("addresses", "Addresses"), ("incidents", "Incidents"))


class CoveragePanel(QDockWidget):
    """Fractiles per band, per PSAP and per station; what-if stations and roads.

    Signals
    -------
    recompute_requested()
        Recompute was pressed.
    export_requested()
        Export… was pressed.
    station_activated(str)
        A station's row was double-clicked: its id.
    """

    recompute_requested = Signal()
    export_requested = Signal()
    station_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Coverage", parent)
        self.setObjectName("coveragePanel")
        self._report: dict[str, Any] | None = None
        self._baseline: dict[str, Any] | None = None
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.summary = QLabel("Run Analysis ▸ Drive-Time Coverage… to fill this panel.", body)
        self.summary.setObjectName("coverageSummary")
        self.summary.setWordWrap(True)
        self.kind = QComboBox(body)
        self.kind.setObjectName("coverageKind")
        self.kind.currentIndexChanged.connect(lambda _i: self._fill_table())
        self.table = QTreeWidget(body)
        self.table.setObjectName("coverageTable")
        self.table.setRootIsDecorated(True)
        self.table.setUniformRowHeights(True)
        self.table.itemDoubleClicked.connect(self._activated)
        layout.addWidget(self.summary)
        layout.addWidget(self.kind)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._what_if_box(body))
        self.setWidget(body)
        self.set_busy(False, has_result=False)

    def _what_if_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("What-if", parent)
        self.stations = QListWidget(box)
        self.stations.setObjectName("coverageInService")
        self.stations.setToolTip("Untick a station to take it out of service")
        self.stations.setMaximumHeight(130)
        self.close_roads = QCheckBox(box)
        self.close_roads.setObjectName("coverageCloseSelected")
        self.set_selected_roads(0, "")
        self.recompute = QPushButton("Recompute", box)
        self.recompute.setObjectName("coverageRecompute")
        self.recompute.setToolTip("Coverage with these stations and roads (the network is reused)")
        self.recompute.clicked.connect(self.recompute_requested)
        self.compare = QPushButton("Compare with baseline", box)
        self.compare.setObjectName("coverageCompare")
        self.compare.setCheckable(True)
        self.compare.setToolTip("Show the change in percentage points from everything in service")
        self.compare.toggled.connect(lambda _on: self._fill_table())
        self.export = QPushButton("Export…", box)
        self.export.setObjectName("coverageExport")
        self.export.setToolTip("Write the layers (GeoPackage) and the report (JSON), as the CLI")
        self.export.clicked.connect(self.export_requested)
        buttons = QHBoxLayout()
        for button in (self.recompute, self.compare, self.export):
            buttons.addWidget(button)
        inner = QVBoxLayout(box)
        inner.addWidget(QLabel("Stations in service:", box))
        inner.addWidget(self.stations)
        inner.addWidget(self.close_roads)
        inner.addLayout(buttons)
        return box

    # --- filling -----------------------------------------------------------------------
    def set_stations(self, stations: Sequence[tuple[str, str]], disabled: frozenset[str]) -> None:
        """The study's stations (id, name), ticked when in service."""
        self.stations.clear()
        for station, name in stations:
            item = QListWidgetItem(f"{station}  {name}", self.stations)
            item.setData(Qt.ItemDataRole.UserRole, station)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            off = station in disabled
            item.setCheckState(Qt.CheckState.Unchecked if off else Qt.CheckState.Checked)

    def set_selected_roads(self, count: int, layer_name: str) -> None:
        """How many road segments are selected now, in which layer."""
        where = f" in '{layer_name}'" if layer_name else ""
        self.close_roads.setText(f"Close the selected roads ({count:,} selected{where})")
        if not count:
            self.close_roads.setChecked(False)
        self.close_roads.setEnabled(count > 0)

    def show_report(self, report: dict[str, Any], baseline: dict[str, Any], summary: str) -> None:
        """Show a run's report; ``baseline`` is the report without any what-if."""
        self._report, self._baseline = report, baseline
        self.summary.setText(summary)
        current = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        for key, title in _KINDS:
            if report.get(key) is not None:
                self.kind.addItem(f"{title} ({report[key]['total']:,})", key)
        self.kind.setCurrentIndex(max(self.kind.findData(current), 0))
        self.kind.setVisible(self.kind.count() > 0)
        self.kind.blockSignals(False)
        self._fill_table()

    def set_busy(self, busy: bool, has_result: bool = True) -> None:
        """Buttons off while a run is going, or before the first one."""
        ready = has_result and not busy
        for widget in (self.recompute, self.export, self.stations, self.compare):
            widget.setEnabled(ready)

    # --- reading -----------------------------------------------------------------------
    def in_service(self) -> frozenset[str]:
        return self._ticked(Qt.CheckState.Checked)

    def disabled_stations(self) -> frozenset[str]:
        """The stations unticked: out of service in the what-if."""
        return self._ticked(Qt.CheckState.Unchecked)

    def rows(self) -> list[FractileRow]:
        """The rows the table shows now (tests, automation)."""
        if self._report is None or self.kind.currentData() is None:
            return []
        baseline = self._baseline if self.compare.isChecked() else None
        return fractile_rows(self._report, str(self.kind.currentData()), baseline)

    def texts(self) -> list[str]:
        """Every row's cells joined by " | ", children indented (tests, automation)."""
        found = []
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            if item is None:
                continue
            found.append(_cells(item))
            found += [f"  {_cells(item.child(j))}" for j in range(item.childCount())]
        return found

    def _ticked(self, state: Qt.CheckState) -> frozenset[str]:
        items = (self.stations.item(i) for i in range(self.stations.count()))
        return frozenset(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item is not None and item.checkState() == state
        )

    # --- the table -----------------------------------------------------------------------
    def _fill_table(self) -> None:
        self.table.clear()
        if self._report is None:
            return
        comparing = self.compare.isChecked()
        bands = [f"≤{m:g} min" for m in self._report["minutes"]]
        headers = ["", "Count"] + bands + ([f"Δ {b}" for b in bands] if comparing else [])
        self.table.setColumnCount(len(headers))
        self.table.setHeaderLabels(headers)
        groups: dict[str, QTreeWidgetItem] = {}
        for row in self.rows():
            parent = self._group(groups, row.group)
            item = QTreeWidgetItem(parent) if parent is not None else QTreeWidgetItem(self.table)
            self._fill_row(item, row, comparing)
        self.table.expandAll()
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    def _group(self, groups: dict[str, QTreeWidgetItem], group: str) -> QTreeWidgetItem | None:
        if group == OVERALL:
            return None
        if group not in groups:
            title = "Per PSAP" if group == PSAP else "Per station (of its first-due points)"
            item = QTreeWidgetItem(self.table, [title])
            item.setFirstColumnSpanned(True)
            font = QFont(item.font(0))
            font.setBold(True)
            item.setFont(0, font)
            groups[group] = item
        return groups[group]

    def _fill_row(self, item: QTreeWidgetItem, row: FractileRow, comparing: bool) -> None:
        status = f" ({row.status})" if row.status not in ("", "in service") else ""
        # Comparing adds a column per band: a station is then named by its id alone.
        short = comparing and row.group == STATION
        item.setText(0, (row.key if short else row.name) + status)
        item.setToolTip(0, row.name + status)
        item.setText(1, f"{row.count:,}")
        for column, value in enumerate(row.percents, start=2):
            item.setText(column, "–" if value is None else f"{value:.1f} %")
        if comparing:
            first = 2 + len(row.percents)
            for column, change in enumerate(row.changes, start=first):
                item.setText(column, _change(change))
                if change:
                    item.setForeground(column, QBrush(_WORSE if change < 0 else _BETTER))
        for column in range(1, item.columnCount()):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        if status:
            item.setForeground(0, QBrush(_MUTED))
        if row.group == STATION:
            item.setData(0, Qt.ItemDataRole.UserRole, row.key)
            item.setToolTip(0, f"{row.name}{status} (double-click to zoom to its zone)")
        elif row.group == OVERALL:
            font = QFont(item.font(0))
            font.setBold(True)
            item.setFont(0, font)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        station = item.data(0, Qt.ItemDataRole.UserRole)
        if station:
            self.station_activated.emit(str(station))


def _change(value: float | None) -> str:
    """``+2.5``, ``-0.03`` (a change too small for one decimal keeps two), ``0.0``."""
    if value is None:
        return "–"
    if value == 0:
        return "0.0"
    return f"{value:+.2f}" if abs(value) < 0.05 else f"{value:+.1f}"


def _cells(item: QTreeWidgetItem | None) -> str:
    if item is None:
        return ""
    return " | ".join(item.text(c) for c in range(item.columnCount()))
