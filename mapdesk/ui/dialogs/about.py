"""Help ▸ About mapdesk: the version, the libraries under it and their data folders.

The same report as ``mapdesk self-check`` (:mod:`mapdesk.io.versions`), with
a Copy button: a support ticket that starts with it answers "which GDAL?
which PROJ data?" before anyone asks.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapdesk import __version__
from mapdesk.io.versions import DataPath, SoftwareReport, software_report
from mapdesk.render.diagnostics import qt_versions
from mapdesk.ui.icons import app_icon

DESCRIPTION = "Desktop GIS and asset mapping for the City of Portland, Maine, IT department."
#: Shown under the report: where the full check lives.
SELF_CHECK_HINT = (
    "To check this installation (demo, reprojection, drawing, file reading), run "
    "<code>mapdesk self-check</code> in a terminal."
)
ICON_SIZE = 64


class AboutDialog(QDialog):
    """Versions and data paths, selectable, with a Copy button for support tickets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About mapdesk")
        self.report = software_report(qt_versions())
        self.details = QLabel(report_html(self.report), self)
        self.details.setObjectName("aboutDetails")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copied = QLabel("", self)
        self.copy_button = QPushButton("&Copy", self)
        self.copy_button.setToolTip("Copy the versions and data folders for a support ticket")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        hint = QLabel(SELF_CHECK_HINT, self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self._heading())
        layout.addWidget(self.details)
        layout.addWidget(hint)
        layout.addWidget(self.copied)
        layout.addWidget(buttons)

    def _heading(self) -> QHBoxLayout:
        logo = QLabel(self)
        logo.setPixmap(app_icon().pixmap(ICON_SIZE, ICON_SIZE))
        title = QLabel(f"<h2>mapdesk {escape(__version__)}</h2><p>{DESCRIPTION}</p>", self)
        title.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(title, 1)
        return row

    def support_text(self) -> str:
        """What Copy puts on the clipboard: a heading line and the plain report."""
        return "mapdesk support information\n" + self.report.as_text()

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.support_text())
        self.copied.setText("Copied: paste it into the support ticket.")


def report_html(report: SoftwareReport) -> str:
    """The report as a two-column table; unusable data folders say why, in red."""
    rows = [_row(name, escape(value)) for name, value in report.versions]
    rows += [_row(path.name, _path_html(path)) for path in report.data_paths]
    return f"<table cellspacing='3'>{''.join(rows)}</table>"


def _row(name: str, value_html: str) -> str:
    return f"<tr><td><b>{escape(name)}</b></td><td>{value_html}</td></tr>"


def _path_html(path: DataPath) -> str:
    shown = escape(path.path or "(not found)")
    if path.problem:
        return f"{shown}<br><span style='color:#b00020'>{escape(path.problem)}</span>"
    return f"{shown} ({escape(path.note)})" if path.note else shown


def show_about(parent: QWidget | None) -> None:
    AboutDialog(parent).exec()
