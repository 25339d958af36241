"""The GeoPackage and CRS choosers of the dialogs that write new layers (network, NENA)."""

from __future__ import annotations

from pathlib import Path

from pyproj import CRS
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from mapdesk.core.crs import crs_label
from mapdesk.ui.dialogs.crs_dialog import CrsDialog

FILE_FILTER = "GeoPackage (*.gpkg)"


class GeoPackageChooser(QWidget):
    """A file name and Browse…; an existing GeoPackage is offered, its other layers stay."""

    def __init__(self, path: Path, caption: str, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._caption = caption
        self.file_name = QLineEdit(str(path), self)
        self.file_name.setObjectName(name)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.file_name, 1)
        row.addWidget(browse)

    def path(self) -> Path | None:
        """The file chosen, ``.gpkg`` added when missing; None when the name is empty."""
        text = self.file_name.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.suffix.lower() == ".gpkg" else path.with_name(path.name + ".gpkg")

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            self._caption,
            self.file_name.text(),
            FILE_FILTER,
            options=QFileDialog.Option.DontConfirmOverwrite,  # its other layers stay
        )
        if path:
            self.file_name.setText(path)


class CrsButton(QPushButton):
    """Shows a CRS; a click opens the CRS dialog to choose another."""

    def __init__(self, crs: CRS, title: str, name: str, parent: QWidget) -> None:
        super().__init__(crs_label(crs), parent)
        self.setObjectName(name)
        self.crs = crs
        self._title = title
        self.clicked.connect(self._choose)

    def set_crs(self, crs: CRS) -> None:
        self.crs = crs
        self.setText(crs_label(crs))

    def _choose(self) -> None:
        dialog = CrsDialog(self, self._title, self.crs)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_crs is not None:
            self.set_crs(dialog.chosen_crs)
