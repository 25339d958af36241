"""Pieces every dialog here shares: the red problem line and OK/Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QWidget

#: The colour mapdesk says "this is wrong" in.
PROBLEM_COLOR = "#b00020"


def problem_label(dialog: QWidget, name: str, monospace: bool = False) -> QLabel:
    """An empty label that shows what is wrong (monospace keeps an expression's caret aligned)."""
    label = QLabel(dialog)
    label.setObjectName(name)
    font = " font-family: monospace;" if monospace else ""
    label.setStyleSheet(f"color: {PROBLEM_COLOR};{font}")
    label.setWordWrap(True)
    return label


def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """OK and Cancel wired to the dialog's accept and reject."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
