"""The attribute table model: a QAbstractTableModel over a layer's column arrays.

Rows are an index array into the layer's data (``core.table``): opening the
table on a million features builds one ``arange``, sorting is one numpy/Arrow
argsort, and only the cells on screen are ever read. Read-only until the
editing work gives layers an edit mode; edits will then go through commands.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from mapdesk.core.attributes import ColumnReader, column_reader
from mapdesk.core.editing.values import is_missing
from mapdesk.core.errors import ExpressionError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.table import (
    CELL_CHARS,
    Rows,
    all_rows,
    display_text,
    filter_rows,
    shortened,
    sorted_rows,
)
from mapdesk.ui.workers import WorkerPool

AnyIndex = QModelIndex | QPersistentModelIndex
_NULL_COLOR = QColor("#8a8a8a")
#: Most characters of a long value a tooltip shows.
_TOOLTIP_CHARS = 300
_CELL_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.FontRole,
)
#: Tables with more rows sort in a worker: a stable sort of a million text
#: values takes seconds, and the UI thread may be busy ~100 ms at most.
BACKGROUND_SORT_ROWS = 100_000
#: Longest value a cell can be edited in: Qt's line editor keeps at most this
#: many characters, and saving a value cut there would lose the rest of it.
EDIT_CHARS = 32767


class AttributeTableModel(QAbstractTableModel):
    """One layer's attributes, filtered and sorted.

    Signals
    -------
    rows_changed(int)
        The number of rows shown, after a filter or the layer's data changed.
    edit_requested(fid, field, value)
        A cell was edited while the table is editable (``set_editable``).
    """

    rows_changed = Signal(int)
    #: (fid, field, new value): a cell was edited. The model never writes the
    #: layer: whoever owns edit mode turns this into an undoable command.
    edit_requested = Signal(object, str, object)
    #: The filter no longer fits the data and was cleared (the reason).
    filter_dropped = Signal(str)
    #: The rows are in the order last asked for (after a background sort too).
    sorted = Signal()
    #: A background sort failed (the exception); the rows keep their order.
    sort_failed = Signal(object)

    def __init__(self, layer: VectorLayer, parent: Any = None) -> None:
        super().__init__(parent)
        self.layer = layer
        self._expression = ""
        self._selected_only = False
        self._sort: tuple[int, bool] | None = None  # (column, descending)
        self._editable = False
        self._rows: Rows = all_rows(layer)
        # Bumped whenever the rows shown change: a background sort of older
        # rows is then thrown away instead of replacing newer ones.
        self._generation = 0
        self._sorter = WorkerPool(self, max_workers=1)
        self._load_columns()
        layer.data_changed.connect(self._on_data_changed)
        layer.selection.changed.connect(self._on_selection_changed)

    def close(self) -> None:
        """Stop following the layer (the table was closed)."""
        self.layer.data_changed.disconnect(self._on_data_changed)
        self.layer.selection.changed.disconnect(self._on_selection_changed)
        self._sorter.shutdown()

    # --- what the table shows ---------------------------------------------------
    @property
    def fields(self) -> list[str]:
        return list(self._fields)

    @property
    def rows(self) -> Rows:
        """Positions in the layer's data of the rows shown, in table order."""
        return self._rows

    @property
    def expression(self) -> str:
        return self._expression

    def fid_at(self, row: int) -> Any:
        return self._fids([row])[0]

    def rows_of_positions(self, positions: Rows) -> Rows:
        """Table rows showing the given layer positions (those filtered out are skipped)."""
        if len(positions) == 0:  # nothing selected: no map over every row to build
            return np.empty(0, dtype=np.intp)
        where = np.full(self.layer.feature_count, -1, dtype=np.intp)
        where[self._rows] = np.arange(len(self._rows), dtype=np.intp)
        found = where[positions]
        return np.sort(found[found >= 0])

    # --- filtering and sorting -------------------------------------------------
    def set_filter(self, expression: str) -> int:
        """Show only features for which ``expression`` is true ("" shows all).

        Returns the number of rows shown. An invalid expression raises
        ExpressionError and leaves the table as it was.
        """
        rows = filter_rows(self.layer, expression, self._selected_only)
        self._expression = expression
        self._show(rows)
        return len(rows)

    def set_selected_only(self, selected_only: bool) -> int:
        """Show only the selected features (or all again)."""
        self._selected_only = selected_only
        self._show(filter_rows(self.layer, self._expression, selected_only))
        return len(self._rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column``; a big table is sorted in a worker.

        Up to :data:`BACKGROUND_SORT_ROWS` rows the new order is shown at once;
        above, the rows keep their order until the worker's result arrives
        (``sorted`` is emitted then), so the UI never waits on the sort.
        """
        if not 0 <= column < len(self._fields):
            return
        self._sort = (column, order == Qt.SortOrder.DescendingOrder)
        self._generation += 1
        if len(self._rows) <= BACKGROUND_SORT_ROWS:
            self._show_order(self._sorted(self._rows))
            return
        self._sort_in_background(self._rows, self._sort)

    def _sort_in_background(self, rows: Rows, sort: tuple[int, bool]) -> None:
        """Sort ``rows`` by ``sort`` in the worker; shown if nothing changed meanwhile."""
        self._sorter.cancel_all()
        generation, (column, descending) = self._generation, sort
        values = self.layer.data[self._fields[column]]
        self._sorter.start(
            lambda _progress: sorted_rows(values, rows, descending),
            lambda ordered: self._sorted_in_background(generation, ordered),
            self.sort_failed.emit,
            description=f"Sorting the attribute table of {self.layer.name}",
        )

    def _sorted_in_background(self, generation: int, ordered: Rows) -> None:
        if generation == self._generation:  # nothing shown has changed meanwhile
            self._show_order(ordered)

    def _show_order(self, ordered: Rows) -> None:
        self.layoutAboutToBeChanged.emit()
        self._move_persistent_indexes(ordered)
        self._rows = ordered
        self.layoutChanged.emit()
        self.sorted.emit()

    def _move_persistent_indexes(self, ordered: Rows) -> None:
        """Keep the view's open editor and current cell on their features.

        An editor holds a persistent index: left at its row number, a value
        typed before the sort landed on whichever feature the sort put there.
        """
        old = [i for i in self.persistentIndexList() if self._inside(i.row(), i.column())]
        if not old:
            return
        where = np.full(self.layer.feature_count, -1, dtype=np.intp)
        where[ordered] = np.arange(len(ordered), dtype=np.intp)
        rows = where[self._rows[np.asarray([i.row() for i in old], dtype=np.intp)]]
        self.changePersistentIndexList(
            old,
            [
                self.index(int(row), i.column()) if row >= 0 else QModelIndex()
                for i, row in zip(old, rows, strict=True)
            ],
        )

    def _sorted(self, rows: Rows) -> Rows:
        if self._sort is None:
            return rows
        column, descending = self._sort
        return sorted_rows(self.layer.data[self._fields[column]], rows, descending)

    def _show(self, rows: Rows) -> None:
        """Show ``rows`` (a new filter or data), in the active sort's order.

        A big table is shown at once in layer order and re-sorted in the
        worker, as :meth:`sort` does: a filter typed while a column is sorted
        must not hold the UI for the seconds a million-row sort takes.
        """
        self._generation += 1
        sort = self._sort if len(rows) > BACKGROUND_SORT_ROWS else None
        self.beginResetModel()
        self._rows = rows if sort is not None else self._sorted(rows)
        self.endResetModel()
        self.rows_changed.emit(len(self._rows))
        if sort is not None:
            self._sort_in_background(rows, sort)

    # --- QAbstractTableModel -----------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._fields)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not self._inside(index.row(), index.column()):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._numeric[index.column()]:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.EditRole:
            # The whole value, never the shortened text: an editor opened on
            # it and closed unchanged must write nothing (see setData).
            return self._edit_text(self.value(index.row(), index.column()))
        if role not in _CELL_ROLES:
            return None
        value = self.value(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return shortened(display_text(value))
        if role == Qt.ItemDataRole.ToolTipRole:
            text = display_text(value)
            if len(text) <= CELL_CHARS:
                return text
            return (
                f"{shortened(text, _TOOLTIP_CHARS)}\n\nRight-click ▸ View Full Value… shows it all"
            )
        if value is not None:
            return None
        # NULL in grey italics, as QGIS shows it.
        if role == Qt.ItemDataRole.ForegroundRole:
            return _NULL_COLOR
        font = QFont()
        font.setItalic(True)
        return font

    def value(self, row: int, column: int) -> Any:
        """The cell's plain Python value (None for NULL)."""
        return self._readers[column](self._rows[row : row + 1])[0]

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._fields[section] if 0 <= section < len(self._fields) else None
        if 0 <= section < len(self._rows):
            return display_text(self.fid_at(section))  # the fid, as QGIS shows it
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not (self._editable and self._inside(index.row(), index.column())):
            return flags
        field = self._fields[index.column()]
        if field not in self.layer.virtual_fields and self._fits_editor(index):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def set_editable(self, editable: bool) -> None:
        """Let cells be edited (edit mode); edits come out as ``edit_requested``."""
        self._editable = editable

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        field = self._fields[index.column()]
        if value == self.data(index, Qt.ItemDataRole.EditRole):
            return True  # the editor closed unchanged: no edit, no undo step
        self.edit_requested.emit(self.fid_at(index.row()), field, value)
        return True

    # --- internals ----------------------------------------------------------------
    @staticmethod
    def _edit_text(value: Any) -> str:
        """The text an editor starts with: the value whole, "" for NULL."""
        return "" if is_missing(value) else display_text(value)

    def _fits_editor(self, index: AnyIndex) -> bool:
        """Whether the cell editor can hold the whole value: it would cut a longer one."""
        value = self.value(index.row(), index.column())
        return len(self._edit_text(value)) <= EDIT_CHARS

    def _inside(self, row: int, column: int) -> bool:
        return 0 <= row < len(self._rows) and 0 <= column < len(self._fields)

    def _load_columns(self) -> None:
        data = self.layer.data
        geometry = data.geometry.name
        self._fields = [str(c) for c in data.columns if c != geometry]
        columns = [data[c] for c in data.columns if c != geometry]
        self._readers: list[ColumnReader] = [column_reader(c) for c in columns]
        self._numeric = [
            c.dtype.kind in "iuf" if isinstance(c.dtype, np.dtype) else False for c in columns
        ]
        self._fid_reader = column_reader(data.index.to_series())

    def _fids(self, rows: list[int]) -> list[Any]:
        return self._fid_reader(self._rows[np.asarray(rows, dtype=np.intp)])

    def _on_data_changed(self) -> None:
        self.beginResetModel()
        self._load_columns()
        self.endResetModel()
        try:
            self.set_filter(self._expression)
        except ExpressionError as error:
            # The data changed under the filter (a field gone or retyped):
            # show everything rather than fail every listener after this one.
            self._expression = ""
            self.filter_dropped.emit(str(error).splitlines()[0])
            self.set_filter("")

    def _on_selection_changed(self, _fids: Any) -> None:
        if self._selected_only:
            self.set_selected_only(True)
