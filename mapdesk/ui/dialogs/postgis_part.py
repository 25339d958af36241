"""What part of a PostGIS table to load: the whole table, the map's view, a filter.

The box below the table list of Layer ▸ Add PostGIS Layer… A big shared table
(every parcel of the city) is often wanted only where the map is, or only
where a condition holds; the server then sends just those rows. The choice
becomes the layer address's ``bbox=`` and ``where=`` (:class:`PostgisUri`
writes and encodes them), so a project reopens the layer the same way.

The filter is checked as it is typed, by the same compiler the load uses
(:func:`mapdesk.io.postgis.where.compile_filter`) once the chosen tables'
fields are known, so a typo or an unknown field is reported here, with the
parser's caret, before anything is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from mapdesk.core.errors import ExpressionError
from mapdesk.core.expression import parse
from mapdesk.io.postgis.catalog import Column
from mapdesk.io.postgis.uri import Bbox, PostgisUri
from mapdesk.io.postgis.where import ServerFilterError, compile_filter
from mapdesk.ui.dialogs.parts import problem_label

#: Said in brackets after a partial layer's name.
IN_VIEW, FILTERED = "in view", "filtered"


@dataclass(frozen=True)
class TablePart:
    """The choice of the box: kept by the controller for the next time (one session).

    ``where`` is kept even when ``filtered`` is off, as the text the user typed.
    """

    in_view: bool = False
    filtered: bool = False
    where: str = ""

    @property
    def label(self) -> str | None:
        """``in view``, ``filtered``, both, or None for the whole table."""
        parts = [IN_VIEW] * self.in_view + [FILTERED] * (self.filtered and bool(self.where.strip()))
        return ", ".join(parts) or None


@dataclass(frozen=True)
class MapView:
    """The map's current extent as a bbox in the map's CRS, or why there is none."""

    bbox: Bbox | None
    why_not: str = ""


def filter_problem(text: str, tables: Sequence[Sequence[Column] | None]) -> tuple[str, str]:
    """``(problem, note)`` of a filter over tables with these fields (None: not known yet).

    The problem is the parser's or compiler's message (empty when the filter
    is valid); the note says when the filter runs in mapdesk rather than on
    the server, which reads the whole table (or view) first.
    """
    try:
        parse(text)
        notes = []
        for fields in tables:
            if fields is None:
                continue
            try:
                compile_filter(text, fields)
            except ServerFilterError as exc:
                notes.append(exc.reason)
    except ExpressionError as exc:
        return str(exc), ""
    if not notes:
        return "", ""
    return "", (
        f"This filter runs in mapdesk, not on the server ({notes[0]}): every row "
        "(in the view) is read first"
    )


class TablePartBox(QGroupBox):
    """Whole table or map view, and an optional filter; ``changed`` on every edit."""

    changed = Signal()

    def __init__(self, view: MapView, part: TablePart, parent: QWidget | None = None) -> None:
        super().__init__("Load", parent)
        self.setObjectName("postgisPart")
        self._view = view
        self._tables: list[Sequence[Column] | None] = []
        self.whole = QRadioButton("The whole table", self)
        self.whole.setObjectName("postgisWholeTable")
        self.in_view = QRadioButton("Only the features in the current map view", self)
        self.in_view.setObjectName("postgisInView")
        group = QButtonGroup(self)
        group.addButton(self.whole)
        group.addButton(self.in_view)
        if view.bbox is None:
            self.in_view.setEnabled(False)
            self.in_view.setToolTip(view.why_not)
        else:
            self.in_view.setToolTip(
                "The features whose bounding box meets the map's extent, chosen by the "
                "server with the table's spatial index"
            )
        self.filtered = QCheckBox("Only the features matching", self)
        self.filtered.setObjectName("postgisFiltered")
        self.where = QLineEdit(self)
        self.where.setObjectName("postgisWhere")
        self.where.setPlaceholderText('"status" = \'open\' AND "units" > 2')
        self.where.setClearButtonEnabled(True)
        self.fields = QComboBox(self)
        self.fields.setObjectName("postgisWhereFields")
        self.fields.setToolTip("Insert a field of the chosen table at the cursor")
        self.fields.setPlaceholderText("Insert field")
        self.fields.setMinimumContentsLength(14)
        self.problem = problem_label(self, "postgisWhereProblem", monospace=True)
        self.note = QLabel(self)
        self.note.setObjectName("postgisWhereNote")
        self.note.setWordWrap(True)
        layout = QGridLayout(self)
        layout.addWidget(self.whole, 0, 0, 1, 3)
        layout.addWidget(self.in_view, 1, 0, 1, 3)
        layout.addWidget(self.filtered, 2, 0)
        layout.addWidget(self.where, 2, 1)
        layout.addWidget(self.fields, 2, 2)
        layout.addWidget(self.problem, 3, 0, 1, 3)
        layout.addWidget(self.note, 4, 0, 1, 3)
        layout.setColumnStretch(1, 1)
        (self.in_view if part.in_view and view.bbox is not None else self.whole).setChecked(True)
        self.filtered.setChecked(part.filtered)
        self.where.setText(part.where)
        self.in_view.toggled.connect(self.changed)
        self.filtered.toggled.connect(self._filter_toggled)
        self.where.textChanged.connect(self._check)
        self.fields.activated.connect(self._insert_field)
        self._filter_toggled(part.filtered)

    # --- what the user chose --------------------------------------------------------
    def part(self) -> TablePart:
        return TablePart(self.in_view.isChecked(), self.filtered.isChecked(), self.where.text())

    def problem_text(self) -> str:
        """Why the choice cannot be loaded (the filter's problem); empty when it can."""
        return self.problem.text()

    def applied(self, uri: str) -> str:
        """``uri`` with the view's bbox and the filter set (by :class:`PostgisUri`)."""
        part = self.part()
        bbox = self._view.bbox if part.in_view else None
        where = part.where if part.filtered else None
        if bbox is None and not (where and where.strip()):
            return uri
        return PostgisUri.parse(uri).with_filter(where, bbox).format()

    # --- the chosen tables' fields ----------------------------------------------------
    def set_tables(self, tables: Sequence[Sequence[Column] | None]) -> None:
        """The chosen tables' fields (None: not known), for the check and the field list."""
        self._tables = list(tables)
        names = dict.fromkeys(c.name for fields in tables if fields is not None for c in fields)
        self.fields.clear()
        self.fields.addItems(list(names))
        self.fields.setCurrentIndex(-1)
        self._check()

    def _insert_field(self, index: int) -> None:
        name = self.fields.itemText(index)
        self.fields.setCurrentIndex(-1)
        if name:
            self.filtered.setChecked(True)
            self.where.insert('"' + name.replace('"', '""') + '"')
            self.where.setFocus()

    def _filter_toggled(self, on: bool) -> None:
        self.where.setEnabled(on)
        self._check()

    def _check(self) -> None:
        problem, note = ("", "")
        if self.filtered.isChecked():
            if self.where.text().strip():
                problem, note = filter_problem(self.where.text(), self._tables)
            else:
                problem = "Type the filter expression, or untick the filter"
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.changed.emit()
