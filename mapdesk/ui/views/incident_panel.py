"""The Incident Analysis panel: filter FixIt reports, step through time, count and compare.

Layout only: the controller (``controllers/incident_analysis.py``) fills it
and listens to its widgets. Four tabs: Filter & time, Statistics, Per
polygon and Duplicates.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mapdesk.ui.views.bar_chart import BarChart


class CheckList(QListWidget):
    """A list of checkable values; ``checked_changed`` when the user ticks one."""

    checked_changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMaximumHeight(120)
        self.itemChanged.connect(lambda _item: self.checked_changed.emit())

    def set_values(self, values: list[str], unticked: frozenset[str] = frozenset()) -> None:
        """Show these values, ticked but for ``unticked`` (no signal)."""
        self.blockSignals(True)
        try:
            self.clear()
            for value in values:
                item = QListWidgetItem(value or "(empty)", self)
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                ticked = str(value) not in unticked
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        finally:
            self.blockSignals(False)

    def unchecked_values(self) -> frozenset[str]:
        return frozenset(
            str(self.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.count())
            if self.item(i).checkState() != Qt.CheckState.Checked
        )

    def checked_values(self) -> frozenset[str]:
        return frozenset(
            str(self.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        )

    def set_checked(self, values: frozenset[str]) -> None:
        """Tick exactly ``values`` (one ``checked_changed`` at the end)."""
        self.blockSignals(True)
        try:
            for i in range(self.count()):
                item = self.item(i)
                wanted = str(item.data(Qt.ItemDataRole.UserRole)) in values
                item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
        finally:
            self.blockSignals(False)
        self.checked_changed.emit()


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str, popup: bool = False) -> W:
    widget.setObjectName(name)
    if isinstance(widget, QDateEdit):
        widget.setCalendarPopup(popup)
    return widget


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def fill_table(table: QTableWidget, rows: list[tuple[object, ...]]) -> None:
    """Replace the table's rows (numbers right-aligned)."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(str(value))
            if isinstance(value, int | float):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class IncidentPanel(QDockWidget):
    """Widgets of the incident analysis; the controller connects to them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Incident Analysis", parent)
        self.setObjectName("incidentPanel")
        self.layer_combo = _named(QComboBox(), "incidentLayer")
        self.tabs = _named(QTabWidget(), "incidentTabs")
        self.tabs.addTab(self._filter_tab(), "Filter && time")
        self.tabs.addTab(self._statistics_tab(), "Statistics")
        self.tabs.addTab(self._polygon_tab(), "Per polygon")
        self.tabs.addTab(self._duplicates_tab(), "Duplicates")
        body = QWidget()
        layout = QVBoxLayout(body)
        self.density_view = _named(QCheckBox("Density view (heatmap)"), "incidentDensityView")
        self.density_view.setToolTip(
            "Draw the reports as a heatmap; untick to get their symbols back"
        )
        form = QFormLayout()
        form.addRow("Reports layer:", self.layer_combo)
        form.addRow(self.density_view)
        layout.addLayout(form)
        layout.addWidget(self.tabs)
        self.summary = _named(QLabel(), "incidentSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)

    def _filter_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.categories = CheckList("incidentCategories")
        self.statuses = CheckList("incidentStatuses")
        self.start_date = _named(QDateEdit(), "incidentStart", popup=True)
        self.end_date = _named(QDateEdit(), "incidentEnd", popup=True)
        for edit in (self.start_date, self.end_date):
            edit.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout()
        form.addRow("Categories:", self.categories)
        form.addRow("Statuses:", self.statuses)
        form.addRow("From:", self.start_date)
        form.addRow("To (inclusive):", self.end_date)
        layout.addLayout(form)
        layout.addWidget(self._map_row())
        layout.addWidget(self._time_group())
        layout.addStretch(1)
        return tab

    def _map_row(self) -> QWidget:
        """What the map draws: only the reports the panel looks at, or all of them."""
        self.show_on_map = _named(
            QCheckBox("Show only these reports on the map"), "incidentShowOnMap"
        )
        self.show_on_map.setChecked(True)
        self.show_on_map.setToolTip(
            "Draw only the reports that pass the filter (and the time slider's step) while "
            "this panel is open. The attribute table still lists every report."
        )
        self.select_shown = _named(QPushButton("Select These Reports"), "incidentSelectShown")
        self.select_shown.setToolTip(
            "Make the reports that pass the filter (and the time slider's step) the selection"
        )
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.show_on_map, 1)
        layout.addWidget(self.select_shown)
        return row

    def _time_group(self) -> QGroupBox:
        group = QGroupBox("Time slider: one week or month of these reports at a time")
        group.setObjectName("incidentTimeGroup")
        group.setCheckable(True)
        group.setChecked(False)
        self.time_group = group
        self.step_unit = _named(QComboBox(), "incidentStepUnit")
        self.step_unit.addItem("Week", "week")
        self.step_unit.addItem("Month", "month")
        self.slider = _named(QSlider(Qt.Orientation.Horizontal), "incidentSlider")
        self.slider.setPageStep(1)
        self.play_button = _named(QPushButton("Play"), "incidentPlay")
        self.play_button.setCheckable(True)
        self.step_label = _named(QLabel(), "incidentStepLabel")
        row = QHBoxLayout()
        row.addWidget(self.step_unit)
        row.addWidget(self.slider, 1)
        row.addWidget(self.play_button)
        layout = QVBoxLayout(group)
        layout.addLayout(row)
        layout.addWidget(self.step_label)
        return group

    def _statistics_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.statistics = _named(QLabel(), "incidentStatistics")
        self.statistics.setWordWrap(True)
        self.statistics.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.category_table = _table(
            "incidentCategoryTable",
            ["Category", "Reports", "Open", "Open age median (d)", "Close median (d)"],
        )
        layout.addWidget(self.statistics)
        layout.addWidget(self.category_table, 1)
        return tab

    def _polygon_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.polygon_combo = _named(QComboBox(), "incidentPolygonLayer")
        self.label_combo = _named(QComboBox(), "incidentLabelField")
        form = QFormLayout()
        form.addRow("Polygon layer:", self.polygon_combo)
        form.addRow("Label field:", self.label_combo)
        layout.addLayout(form)
        self.counts_table = _table("incidentCountsTable", ["Polygon", "Reports", "Open"])
        self.chart = BarChart()
        layout.addWidget(self.counts_table, 1)
        layout.addWidget(self.chart)
        return tab

    def _duplicates_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.distance = _named(QDoubleSpinBox(), "incidentDuplicateDistance")
        self.distance.setRange(1.0, 5000.0)
        self.distance.setValue(50.0)
        self.distance.setSuffix(" m")
        self.days = _named(QDoubleSpinBox(), "incidentDuplicateDays")
        self.days.setRange(0.0, 365.0)
        self.days.setValue(7.0)
        self.days.setSuffix(" days")
        self.find_duplicates = _named(QCheckBox("Look for likely duplicates"), "incidentDupOn")
        self.find_duplicates.setChecked(True)
        form = QFormLayout()
        form.addRow(self.find_duplicates)
        form.addRow("Same category within:", self.distance)
        form.addRow("and within:", self.days)
        layout.addLayout(form)
        self.duplicates = _named(QListWidget(), "incidentDuplicates")
        self.duplicates.setToolTip("Click a group to select its reports and zoom to them")
        layout.addWidget(self.duplicates, 1)
        return tab

    # --- shown by the controller ---------------------------------------------------
    def set_date_range(self, first: QDate, last: QDate, keep_chosen: bool = False) -> None:
        """Limit both date edits to [first, last] (no signals) and show the whole span,
        or (``keep_chosen``) the dates chosen, kept inside it; a date at the old
        limit moves with it, so "to the last report" still means that."""
        start, end = self.start_date.date(), self.end_date.date()
        at_first = start <= self.start_date.minimumDate()
        at_last = end >= self.end_date.maximumDate()
        for edit in (self.start_date, self.end_date):
            edit.blockSignals(True)
            edit.setDateRange(first, last)
        self.start_date.setDate(start if keep_chosen and not at_first else first)
        self.end_date.setDate(end if keep_chosen and not at_last else last)
        for edit in (self.start_date, self.end_date):
            edit.blockSignals(False)

    def set_steps(self, count: int) -> None:
        """Give the slider ``count`` positions (kept where it was when it still fits)."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(count - 1, 0))
        self.slider.blockSignals(False)
