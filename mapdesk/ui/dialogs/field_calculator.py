"""The Field Calculator: a new (virtual) field computed from an expression.

The preview shows the first features' values as the expression is typed; a
bad expression is explained and nothing is created.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.errors import MapdeskError
from mapdesk.core.expression import evaluate
from mapdesk.core.layer import VectorLayer
from mapdesk.core.table import display_text
from mapdesk.core.virtual_fields import add_virtual_field, check_field_name

PREVIEW_ROWS = 5


class FieldCalculatorDialog(QDialog):
    """Output field name, expression, a live preview; OK creates the field."""

    def __init__(self, layer: VectorLayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldCalculatorDialog")
        self.setWindowTitle(f"Field Calculator — {layer.name}")
        self.layer = layer
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Creates a virtual field: computed for every feature, kept with the project, "
                "never written into the layer's file.",
                self,
            )
        )
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("fieldName")
        self.name.setPlaceholderText("days_open")
        form.addRow("Output field name", self.name)
        self.expression = QPlainTextEdit(self)
        self.expression.setObjectName("fieldExpression")
        self.expression.setPlaceholderText("age_days(requested_datetime)")
        self.expression.setTabChangesFocus(True)
        form.addRow("Expression", self.expression)
        layout.addLayout(form)
        self.preview = QLabel(self)
        self.preview.setObjectName("fieldPreview")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.problem = QLabel(self)
        self.problem.setObjectName("fieldProblem")
        self.problem.setStyleSheet("color: #b00020; font-family: monospace;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.expression.textChanged.connect(self.update_preview)
        self.resize(520, 320)

    def update_preview(self) -> None:
        """The first features' values, or what is wrong with the expression."""
        text = self.expression.toPlainText()
        if not text.strip():
            self.preview.setText("")
            self.problem.setText("")
            return
        try:
            values = evaluate(text, self.layer.data.iloc[:PREVIEW_ROWS])
        except MapdeskError as error:
            self.preview.setText("")
            self.problem.setText(str(error))
            return
        self.problem.setText("")
        shown = ", ".join(display_text(None if pd.isna(v) else v) for v in values.tolist())
        self.preview.setText(f"First features: {shown}")

    def accept(self) -> None:
        """Create the field; on a bad name or expression say why and stay open."""
        try:
            check_field_name(self.layer, self.name.text())
            add_virtual_field(self.layer, self.name.text(), self.expression.toPlainText())
        except MapdeskError as error:
            self.problem.setText(str(error))
            return
        super().accept()
