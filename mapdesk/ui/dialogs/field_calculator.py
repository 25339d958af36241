"""The Field Calculator: a new (virtual) field computed from an expression.

The preview shows the first features' values as the expression is typed; a
bad expression is explained and nothing is created.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import (
    QDialog,
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
from mapdesk.core.virtual_fields import (
    add_virtual_field,
    check_field_name,
    update_virtual_field,
)
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label

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
                "Creates a virtual field (or, given a virtual field's name, updates it): "
                "computed for every feature, kept with the project, never written into the "
                "layer's file.",
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
        self.problem = problem_label(self, "fieldProblem", monospace=True)
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self))
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
        """Create the field (or give a virtual field a new expression); on a bad name
        or expression say why and stay open."""
        name, expression = self.name.text().strip(), self.expression.toPlainText()
        try:
            if name in self.layer.virtual_fields:
                update_virtual_field(self.layer, name, expression)
            else:
                check_field_name(self.layer, name)
                add_virtual_field(self.layer, name, expression)
        except MapdeskError as error:
            self.problem.setText(str(error))
            return
        super().accept()
