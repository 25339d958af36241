"""Select by Expression (Ctrl+F3): an expression and QGIS's four ways to apply it.

The dialog stays open so an analyst can refine the expression; an invalid one
is explained under the box and selects nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.selection import SelectionMode
from mapdesk.ui.dialogs.parts import problem_label

#: Button text -> mode, in QGIS's order.
BUTTONS = (
    ("Select Features", SelectionMode.REPLACE),
    ("Add to Selection", SelectionMode.ADD),
    ("Remove from Selection", SelectionMode.REMOVE),
    ("Select within Selection", SelectionMode.INTERSECT),
)


class SelectByExpressionDialog(QDialog):
    """Signals ``requested(expression, SelectionMode)`` when a button is pressed."""

    requested = Signal(str, object)

    def __init__(self, layer_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selectByExpressionDialog")
        self.setWindowTitle(f"Select by Expression — {layer_name}")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Select the features for which this expression is true:", self))
        self.expression = QPlainTextEdit(self)
        self.expression.setObjectName("selectExpression")
        self.expression.setPlaceholderText(
            "\"status\" = 'open' AND age_days(requested_datetime) > 30"
        )
        self.expression.setTabChangesFocus(True)
        layout.addWidget(self.expression)
        self.problem = problem_label(self, "selectExpressionProblem", monospace=True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.problem)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("selectExpressionResult")
        layout.addWidget(self.result_label)
        buttons = QHBoxLayout()
        self.buttons: dict[SelectionMode, QPushButton] = {}
        for text, mode in BUTTONS:
            button = QPushButton(text, self)
            button.clicked.connect(lambda _=False, m=mode: self._request(m))
            buttons.addWidget(button)
            self.buttons[mode] = button
        self.buttons[SelectionMode.REPLACE].setDefault(True)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(620, 260)

    def _request(self, mode: SelectionMode) -> None:
        self.requested.emit(self.expression.toPlainText(), mode)

    def show_problem(self, message: str) -> None:
        """An expression error (several lines: the caret under the culprit)."""
        self.problem.setText(message)
        self.result_label.setText("")

    def show_result(self, selected: int) -> None:
        self.problem.setText("")
        self.result_label.setText(f"{selected:,} feature{'' if selected == 1 else 's'} selected")
