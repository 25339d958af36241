"""The Attribute Table dock: a filter bar over a table of one layer's features.

Layout only; the controller wires it to the layer, the selection and the map.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.table import display_text
from mapdesk.ui.dialogs.full_value import FullValueDialog
from mapdesk.ui.models.attribute_table import AttributeTableModel
from mapdesk.ui.workers import guarded_slot

#: Most separate runs of rows the table highlights for a selection made elsewhere.
MAX_HIGHLIGHT_RUNS = 2000
#: Widest a column opens at (long descriptions stay readable in the tooltip).
MAX_COLUMN_WIDTH = 260
#: Rows sampled to fit the column widths when a table opens (about two screenfuls).
FIT_SAMPLE_ROWS = 40


class AttributeTableDock(QDockWidget):
    """Filter expression, "selected only", a count, and the table.

    Signals
    -------
    filter_requested(str)
        The user applied a filter expression (Enter or Apply; "" clears it).
    selected_only_toggled(bool)
    statistics_requested(int)
        The column whose statistics to show (header menu).
    feature_activated(int)
        A row's header was double-clicked: zoom the map to that feature.
    field_calculator_requested()
        The Field Calculator button (Ctrl+I) was pressed.
    """

    filter_requested = Signal(str)
    selected_only_toggled = Signal(bool)
    statistics_requested = Signal(int)
    feature_activated = Signal(int)
    field_calculator_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Attribute Table", parent)
        self.setObjectName("attributeTable")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._filter_bar())
        self.problem = QLabel(body)
        self.problem.setObjectName("attributeTableProblem")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.table = self._table(body)
        layout.addWidget(self.table)
        self.setWidget(body)

    def _filter_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("attributeTableFilter")
        self.filter_edit.setPlaceholderText("Filter: an expression, e.g. status = 'open'")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.returnPressed.connect(self._apply)
        apply = QPushButton("Apply", self)
        apply.setObjectName("attributeTableApply")
        apply.clicked.connect(self._apply)
        self.selected_only = QCheckBox("Selected only", self)
        self.selected_only.setObjectName("attributeTableSelectedOnly")
        self.selected_only.toggled.connect(self.selected_only_toggled)
        self.count = QLabel(self)
        self.count.setObjectName("attributeTableCount")
        calculator = QPushButton("Field Calculator…", self)
        calculator.setObjectName("attributeTableFieldCalculator")
        calculator.setShortcut(QKeySequence("Ctrl+I"))
        calculator.setToolTip("Add a field computed from an expression (Ctrl+I)")
        calculator.clicked.connect(self.field_calculator_requested)
        for widget in (self.filter_edit, apply, self.selected_only, self.count, calculator):
            bar.addWidget(widget)
        bar.setStretch(0, 1)
        return bar

    def _table(self, parent: QWidget) -> QTableView:
        table = QTableView(parent)
        table.setObjectName("attributeTableView")
        table.setSortingEnabled(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        # Fixed row heights: Qt never measures a million rows.
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(22)
        table.verticalHeader().sectionDoubleClicked.connect(self.feature_activated)
        header = table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        copy = QAction("Copy", table)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        table.addAction(copy)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._cell_menu)
        return table

    # --- what the controller calls -------------------------------------------
    def show_model(self, model: AttributeTableModel) -> None:
        self.table.setModel(model)
        self._fit_columns()
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setWindowTitle(f"Attribute Table — {model.layer.name}")
        self.filter_edit.setText(model.expression)
        self.show_problem("")

    def model(self) -> AttributeTableModel | None:
        model = self.table.model()
        return model if isinstance(model, AttributeTableModel) else None

    def show_count(self, shown: int, total: int, selected: int, note: str = "") -> None:
        text = f"{shown:,} of {total:,} features, {selected:,} selected"
        self.count.setText(f"{text} ({note})" if note else text)

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    def selected_rows(self) -> list[int]:
        """Selected table rows, read from the selection's ranges (not one index per cell)."""
        selection_model = self.table.selectionModel()
        if selection_model is None:
            return []
        ranges: Any = selection_model.selection()  # a list of ranges (untyped in the stubs)
        runs = [np.arange(r.top(), r.bottom() + 1) for r in ranges if r.isValid()]
        return np.unique(np.concatenate(runs)).tolist() if runs else []

    def select_rows(self, rows: list[int]) -> bool:
        """Select exactly these table rows, as ranges of consecutive rows.

        Returns False (and selects nothing) when the rows fall in more than
        MAX_HIGHLIGHT_RUNS separate runs: Qt's selection model would take
        seconds to build and draw them. The count and "Selected only" still
        show such a selection.
        """
        model, selection_model = self.model(), self.table.selectionModel()
        if model is None or selection_model is None:
            return True
        runs = _runs(rows)
        if len(runs) > MAX_HIGHLIGHT_RUNS:
            selection_model.clearSelection()
            return False
        selection = QItemSelection()
        last_column = model.columnCount() - 1
        for first, last in runs:
            selection.select(model.index(first, 0), model.index(last, max(last_column, 0)))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        selection_model.select(selection, flags | QItemSelectionModel.SelectionFlag.Rows)
        return True

    @guarded_slot
    def copy_selection(self) -> None:
        """Selected cells to the clipboard as tab-separated text, with a header row."""
        model, selection = self.model(), self.table.selectionModel()
        if model is None or selection is None or not selection.hasSelection():
            return
        cells = selection.selectedIndexes()
        rows = sorted({i.row() for i in cells})
        columns = sorted({i.column() for i in cells})
        lines = ["\t".join(model.fields[c] for c in columns)]
        lines += ["\t".join(display_text(model.value(r, c)) for c in columns) for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines))

    def show_full_value(self, row: int, column: int) -> FullValueDialog | None:
        """Open View Full Value… for a cell: its whole text, read-only (non-modal)."""
        model = self.model()
        if model is None or not (0 <= row < model.rowCount() and 0 <= column < model.columnCount()):
            return None
        title = f"{model.fields[column]} — {model.layer.name}, fid {model.fid_at(row)}"
        dialog = FullValueDialog(title, display_text(model.value(row, column)), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # --- internals -----------------------------------------------------------------
    def _cell_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not index.isValid():
            return
        menu = QMenu(self)
        menu.setObjectName("attributeTableCellMenu")
        menu.addAction(
            "View Full Value…", lambda: self.show_full_value(index.row(), index.column())
        )
        menu.addAction("Copy", self.copy_selection)
        menu.popup(self.table.viewport().mapToGlobal(point))

    def _fit_columns(self) -> None:
        """Columns as wide as their name and first rows, within reason (Qt samples
        at most ``resizeContentsPrecision`` rows, never the whole layer). Each
        sampled cell is a few Python calls: 200 rows held the UI ~0.2-0.7 s."""
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(FIT_SAMPLE_ROWS)
        self.table.resizeColumnsToContents()
        for column in range(header.count()):
            header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_WIDTH))

    def _apply(self) -> None:
        self.filter_requested.emit(self.filter_edit.text())

    @guarded_slot
    def _header_menu(self, point: QPoint) -> None:
        column = self.table.horizontalHeader().logicalIndexAt(point)
        if column < 0:
            return
        menu = QMenu(self)
        menu.setObjectName("attributeTableHeaderMenu")
        menu.addAction("Statistics…", guarded_slot(lambda: self.statistics_requested.emit(column)))
        menu.popup(self.table.horizontalHeader().mapToGlobal(point))


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of consecutive numbers (numpy: no row loop)."""
    if not rows:
        return []
    ordered = np.unique(np.asarray(rows, dtype=np.int64))
    breaks = np.flatnonzero(np.diff(ordered) != 1)
    firsts = np.concatenate([[ordered[0]], ordered[breaks + 1]])
    lasts = np.concatenate([ordered[breaks], [ordered[-1]]])
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))
