"""The NENA Validation panel: errors per rule, each rule's errors below, for going through them.

Layout only; the controller (``controllers.nena_validation``) zooms, selects
and runs. A click or Enter on an error zooms to its feature, a double-click
(or Attributes) shows the feature's attributes as Identify does.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.nena import RULES, Finding, ValidationResult
from mapdesk.ui.models.nena_findings import FINDING_ROLE, NenaFindingsModel
from mapdesk.ui.workers import guarded_event

HINT = "Analysis ▸ Validate NENA Data… checks the project's NENA layers."
_OK = "color: #1a7f37; font-weight: bold;"
_BAD = "color: #b42318; font-weight: bold;"


class FindingsTree(QTreeView):
    """The tree of rules and errors; Enter (or Return) on a row says so, as a click does."""

    enter_pressed = Signal(QModelIndex)

    @guarded_event
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.enter_pressed.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class NenaValidationPanel(QDockWidget):
    """Counts per rule and the errors of each, with Re-run and Export report….

    Signals
    -------
    finding_clicked(object)
        An error row was clicked or Enter pressed on it: its ``Finding``.
    attributes_requested(object)
        An error row was double-clicked, or Attributes pressed: its ``Finding``.
    rerun_requested()
        Re-run was pressed.
    export_requested()
        Export report… was pressed.
    """

    finding_clicked = Signal(object)
    attributes_requested = Signal(object)
    rerun_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("NENA Validation", parent)
        self.setObjectName("nenaValidationPanel")
        self.model = NenaFindingsModel(self)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.summary = self._label("nenaSummary", HINT)
        self.notes = self._label("nenaNotes", "")
        self.notes.setStyleSheet("color: #555;")
        self.notes.hide()
        self.tree = self._tree()
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addLayout(self._buttons())
        layout.addWidget(self.tree, 1)
        self.setWidget(body)
        #: The validation listed (None before the first).
        self.result: ValidationResult | None = None
        self.set_result(None)

    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _tree(self) -> FindingsTree:
        tree = FindingsTree(self)
        tree.setObjectName("nenaFindingsTree")
        tree.setModel(self.model)
        tree.setUniformRowHeights(True)  # fast with thousands of errors
        tree.setTextElideMode(Qt.TextElideMode.ElideRight)  # the tooltip has the whole text
        tree.setAlternatingRowColors(True)
        tree.setExpandsOnDoubleClick(True)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((330, 80, 190, 330)):
            tree.setColumnWidth(column, width)
        tree.clicked.connect(self._on_clicked)
        tree.enter_pressed.connect(self._on_enter)
        tree.doubleClicked.connect(self._on_double_clicked)
        tree.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        return tree

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.rerun_button = self._button("nenaRerun", "Re-run", "Validate the same layers again")
        self.rerun_button.clicked.connect(self.rerun_requested)
        self.export_button = self._button(
            "nenaExport", "Export report…", "Write report.json or an HTML report, as the CLI does"
        )
        self.export_button.clicked.connect(self.export_requested)
        self.attributes_button = self._button(
            "nenaAttributes", "Attributes", "Show the error's feature in Identify Results"
        )
        self.attributes_button.clicked.connect(self._on_attributes)
        self.hide_empty = QCheckBox("Hide rules with no errors", self)
        self.hide_empty.setObjectName("nenaHideEmpty")
        self.hide_empty.toggled.connect(self.model.set_hide_empty)
        for widget in (self.rerun_button, self.export_button, self.attributes_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.hide_empty)
        return row

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    # --- showing a result ----------------------------------------------------------
    def set_result(self, result: ValidationResult | None, source: str = "") -> None:
        """List ``result`` (None: no validation yet) and say what it found."""
        self.result = result
        self.model.set_result(result)
        self.summary.setText(HINT if result is None else _verdict(result, source))
        self.summary.setStyleSheet("" if result is None else _OK if result.ok else _BAD)
        self.notes.setText("\n".join(f"• {n}" for n in result.notes) if result else "")
        self.notes.setVisible(bool(result and result.notes))
        self.rerun_button.setEnabled(result is not None)
        self.export_button.setEnabled(result is not None)
        self._update_buttons()

    def set_running(self, running: bool) -> None:
        """While a validation runs, Re-run waits for it."""
        self.rerun_button.setEnabled(not running and self.result is not None)

    def select_finding(self, rule: str, position: int) -> QModelIndex:
        """Make ``rule``'s error at ``position`` the current row, its rule expanded."""
        parent = self.model.rule_index(rule)
        index = self.model.index(position, 0, parent) if parent.isValid() else QModelIndex()
        if index.isValid():
            self.tree.expand(parent)
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index, QTreeView.ScrollHint.PositionAtCenter)
        return index

    def current_finding(self) -> Finding | None:
        found = self.tree.currentIndex().data(FINDING_ROLE)
        return found if isinstance(found, Finding) else None

    def _update_buttons(self) -> None:
        self.attributes_button.setEnabled(self.current_finding() is not None)

    # --- the user's clicks -----------------------------------------------------------
    def _on_clicked(self, index: QModelIndex) -> None:
        found = index.data(FINDING_ROLE)
        if isinstance(found, Finding):
            self.finding_clicked.emit(found)

    def _on_enter(self, index: QModelIndex) -> None:
        found = index.data(FINDING_ROLE)
        if isinstance(found, Finding):
            self.finding_clicked.emit(found)
        elif self.model.hasChildren(index.siblingAtColumn(0)):
            self.tree.setExpanded(index.siblingAtColumn(0), not self.tree.isExpanded(index))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        found = index.data(FINDING_ROLE)
        if isinstance(found, Finding):
            self.attributes_requested.emit(found)

    def _on_attributes(self) -> None:
        found = self.current_finding()
        if found is not None:
            self.attributes_requested.emit(found)


def _verdict(result: ValidationResult, source: str) -> str:
    total = len(result.findings)
    of = f" of {source}" if source else ""
    if result.cancelled:
        return f"Validation{of} stopped before the end: {total:,} errors so far."
    if total == 0:
        return f"No errors found{of}: all {len(RULES)} rules checked."
    rules = sum(1 for n in result.counts.values() if n)
    return (
        f"{total:,} error{'s' if total != 1 else ''} found{of} by {rules} of {len(RULES)} "
        "rules. Click an error to zoom to it; double-click for its attributes."
    )
