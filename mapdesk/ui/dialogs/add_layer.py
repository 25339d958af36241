"""AddLayerDialog: choose a file, then its layers (or confirm a CSV's layout).

The layer list is read in a worker so that a slow file never freezes the
window; the dialog only describes what to read (an :class:`AddLayerRequest`),
the layer controller reads it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.crs import crs_label
from mapdesk.io.registry import supported_file_filter
from mapdesk.io.sources import LayerInfo
from mapdesk.ui.dialogs.csv_layout_box import CsvLayoutBox
from mapdesk.ui.loading import AddLayerRequest, FileInspection, inspect_file
from mapdesk.ui.workers import WorkerPool, error_message


def _info_row(info: LayerInfo) -> list[str]:
    count = f"{info.feature_count:,}" if info.feature_count is not None else "?"
    return [info.name, info.geometry_type or "table", count, crs_label(info.crs)]


class AddLayerDialog(QDialog):
    """Add Vector Layer: file, layers to add, CSV geometry; Add returns a request."""

    def __init__(
        self,
        workers: WorkerPool,
        parent: QWidget | None = None,
        inspection: FileInspection | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("addLayerDialog")
        self.setWindowTitle("Add Vector Layer")
        self.resize(680, 460)
        self._workers = workers
        self.inspection: FileInspection | None = None
        self.csv_box: CsvLayoutBox | None = None
        self._build()
        if inspection is not None:
            self.path_edit.setText(inspection.path)
            self.show_inspection(inspection)

    def _build(self) -> None:
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("pathEdit")
        self.path_edit.setPlaceholderText(
            "A vector file: GeoPackage, Shapefile, GeoJSON, KML, CSV…"
        )
        self.path_edit.editingFinished.connect(self._on_path_edited)
        browse = QPushButton("Browse…", self)
        browse.setObjectName("browseButton")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(QLabel("Source", self))
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.status = QLabel(self)
        self.status.setObjectName("addLayerStatus")
        self.status.setWordWrap(True)
        self.layer_list = QTreeWidget(self)
        self.layer_list.setObjectName("layerChooser")
        self.layer_list.setHeaderLabels(["Layer", "Geometry", "Features", "CRS"])
        self.layer_list.setRootIsDecorated(False)
        self.layer_list.setColumnWidth(0, 220)
        self.layer_list.itemChanged.connect(self._update_ok)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(row)
        self._layout.addWidget(self.status)
        self._layout.addWidget(self.layer_list, 1)
        self._layout.addWidget(self.buttons)
        self.layer_list.setVisible(False)
        self._update_ok()

    # --- choosing the file ---------------------------------------------------
    def browse(self) -> None:
        start = str(Path(self.path_edit.text()).parent) if self.path_edit.text() else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Add Vector Layer", start, supported_file_filter()
        )
        if path:
            self.set_path(path)

    def _on_path_edited(self) -> None:
        text = self.path_edit.text().strip()
        if text and (self.inspection is None or self.inspection.path != text):
            self.set_path(text)

    def set_path(self, path: str) -> None:
        """Show ``path`` and read its layer list in a worker."""
        self.path_edit.setText(path)
        self.inspection = None
        self._clear_choices()
        self.status.setText(f"Reading the layer list of {Path(path).name}…")
        self._workers.start(
            lambda _progress: inspect_file(path),
            self.show_inspection,
            self._on_inspect_failed,
            description=f"Listing layers of {path}",
        )

    def _on_inspect_failed(self, exc: BaseException) -> None:
        self.status.setText(f"⚠ {error_message(exc)}")
        self._update_ok()

    # --- showing what the file holds -------------------------------------------
    def _clear_choices(self) -> None:
        self.layer_list.clear()
        self.layer_list.setVisible(False)
        if self.csv_box is not None:
            self.csv_box.deleteLater()
            self.csv_box = None
        self._update_ok()

    def show_inspection(self, inspection: FileInspection) -> None:
        """Fill the layer chooser / CSV box from an inspected file."""
        if self.path_edit.text() != inspection.path:
            return  # the user picked another file meanwhile
        self._clear_choices()
        self.inspection = inspection
        count = len(inspection.layers)
        name = Path(inspection.path).name
        self.status.setText(
            f"{name} holds {count} layers: tick the ones to add."
            if count > 1
            else f"{name}: one layer."
        )
        self.layer_list.blockSignals(True)
        for info in inspection.layers:
            item = QTreeWidgetItem(self.layer_list, _info_row(info))
            item.setData(0, Qt.ItemDataRole.UserRole, info.name)
            item.setCheckState(0, Qt.CheckState.Checked)
        self.layer_list.blockSignals(False)
        self.layer_list.setVisible(count > 1)
        if inspection.csv_layout is not None:
            self.csv_box = CsvLayoutBox(inspection.path, inspection.csv_layout, self)
            self._layout.insertWidget(2, self.csv_box)
        self._update_ok()

    def checked_layers(self) -> list[str]:
        items = (
            self.layer_list.topLevelItem(i) for i in range(self.layer_list.topLevelItemCount())
        )
        return [
            str(item.data(0, Qt.ItemDataRole.UserRole))
            for item in items
            if item is not None and item.checkState(0) == Qt.CheckState.Checked
        ]

    def set_checked(self, names: set[str]) -> None:
        for i in range(self.layer_list.topLevelItemCount()):
            item = self.layer_list.topLevelItem(i)
            if item is not None:
                wanted = item.data(0, Qt.ItemDataRole.UserRole) in names
                item.setCheckState(0, Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def _update_ok(self, *_args: object) -> None:
        ready = self.inspection is not None and (
            len(self.inspection.layers) <= 1 or bool(self.checked_layers())
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready)

    # --- the answer ------------------------------------------------------------
    def request(self) -> AddLayerRequest | None:
        """What to read, or None if no file was inspected."""
        if self.inspection is None:
            return None
        layout = self.csv_box.layout_choice() if self.csv_box is not None else None
        if len(self.inspection.layers) > 1:
            return AddLayerRequest(self.inspection.path, tuple(self.checked_layers()), layout)
        return AddLayerRequest(self.inspection.path, None, layout)
