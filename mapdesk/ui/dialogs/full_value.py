"""View Full Value…: an attribute value too long for its cell, read-only and whole.

The attribute table and the identify panel show at most
:data:`~mapdesk.core.table.CELL_CHARS` characters of a value; this dialog shows
all of it. Qt's text view stalls on a single line of millions of characters,
so lines longer than :data:`LINE_CHARS` are shown broken into pieces; Copy
always copies the value exactly as stored.
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

#: Longest line the view holds; longer lines are shown in pieces of this length.
LINE_CHARS = 500


def display_lines(text: str, width: int = LINE_CHARS) -> tuple[str, bool]:
    """``text`` with lines longer than ``width`` broken, and whether any was.

    Examples
    --------
    >>> display_lines("abcdefg", 3)
    ('abc\\ndef\\ng', True)
    """
    lines = text.split("\n")
    if all(len(line) <= width for line in lines):
        return text, False
    pieces = [
        line[i : i + width] if line else ""
        for line in lines
        for i in range(0, len(line) or 1, width)
    ]
    return "\n".join(pieces), True


class FullValueDialog(QDialog):
    """The whole of one attribute value, read-only, with Copy and Close."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fullValueDialog")
        self.setWindowTitle(title)
        self.resize(720, 480)
        self.value = text
        shown, broken = display_lines(text)
        summary = f"{len(text):,} characters"
        if broken:
            summary += (
                f"; lines longer than {LINE_CHARS} characters are shown in pieces "
                "(Copy copies the value exactly)"
            )
        self.summary = QLabel(summary, self)
        self.summary.setObjectName("fullValueSummary")
        self.summary.setWordWrap(True)
        self.view = QPlainTextEdit(self)
        self.view.setObjectName("fullValueText")
        self.view.setReadOnly(True)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setPlainText(shown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setObjectName("fullValueCopy")
        copy.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view)
        layout.addWidget(buttons)

    def copy(self) -> None:
        """The value, exactly as stored, to the clipboard."""
        QGuiApplication.clipboard().setText(self.value)
