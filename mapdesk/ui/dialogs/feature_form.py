"""The attribute form of a new feature: one line per field, checked before OK.

A value that does not fit its field keeps the form open with the reason
under it (the field and the value named), as QGIS's form does; empty fields
are NULL. Fields filled by editor tracking and virtual fields are not asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.errors import MapdeskError

#: Checks the typed values; raises MapdeskError with the reason when one does not fit.
Checker = Callable[[Mapping[str, Any]], dict[str, Any]]


class FeatureFormDialog(QDialog):
    """Ask the attributes of a new feature of ``layer_name``; ``values`` once accepted."""

    def __init__(
        self,
        layer_name: str,
        fields: list[tuple[str, str]],
        check: Checker,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("featureFormDialog")
        self.setWindowTitle(f"{layer_name} — Feature Attributes")
        self._check = check
        self.values: dict[str, Any] = {}
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, kind in fields:
            edit = QLineEdit(self)
            edit.setObjectName(f"field_{name}")
            edit.setPlaceholderText(f"NULL ({kind})")
            self.edits[name] = edit
            form.addRow(name, edit)
        self.problem = QLabel("", self)
        self.problem.setObjectName("formProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def typed(self) -> dict[str, Any]:
        """What was typed, field by field (empty: NULL)."""
        return {name: (edit.text() or None) for name, edit in self.edits.items()}

    def accept(self) -> None:
        try:
            self.values = self._check(self.typed())
        except MapdeskError as error:
            self.problem.setText(str(error))
            return
        super().accept()
