"""Export Web Map: the visible layers as one HTML page that is safe to publish.

The user picks the fields each layer's popups show (personal data is
marked and left unticked), the basemap and clustering; data values are
always escaped and the page carries a Content-Security-Policy
(``mapdesk.export.web``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.export.web import DEFAULT_CLUSTER_THRESHOLD, DEFAULT_POPUP_FIELDS, WebMapOptions
from mapdesk.export.web_sensitive import is_sensitive_field

_PERSONAL = " (personal data)"


@dataclass(frozen=True)
class WebMapRequest:
    """Where to write the page, and what it holds."""

    path: Path
    options: WebMapOptions


class WebMapDialog(QDialog):
    """Choose the file, popup fields, basemap and clustering; ``request()`` once accepted."""

    def __init__(self, project: Project, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("webMapDialog")
        self.setWindowTitle("Export Web Map")
        self.resize(560, 560)
        self._project = project
        name = project.path.stem if project.path is not None else "map"
        self.title = QLineEdit(name if project.path is not None else "", self)
        self.title.setPlaceholderText("Map")
        self.file_name = QLineEdit(str(folder / f"{name}.html"), self)
        self.file_name.setObjectName("webFileName")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.basemap = QComboBox(self)
        self.basemap.addItem("OpenStreetMap", "OpenStreetMap")
        self.basemap.addItem("None (no tiles)", None)
        self.cluster = QSpinBox(self)
        self.cluster.setRange(0, 10_000_000)
        self.cluster.setValue(DEFAULT_CLUSTER_THRESHOLD)
        self.cluster.setSpecialValueText("never")
        self.cluster.setSuffix(" points")
        self.fields = QTreeWidget(self)
        self.fields.setObjectName("webPopupFields")
        self.fields.setHeaderLabels(["Layer / field shown in popups"])
        self.include_sensitive = QCheckBox(
            "Include personal data (callers, reporters, phone numbers, e-mail)", self
        )
        self.include_sensitive.setObjectName("webIncludeSensitive")
        self.include_sensitive.toggled.connect(self._sensitive_toggled)
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._fill_fields()
        self._lay_out(browse)

    def _lay_out(self, browse: QPushButton) -> None:
        output = QHBoxLayout()
        output.addWidget(self.file_name, 1)
        output.addWidget(browse)
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("File", output)
        form.addRow("Basemap", self.basemap)
        form.addRow("Cluster layers over", self.cluster)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.fields, 1)
        layout.addWidget(self.include_sensitive)
        note = QLabel(
            "Every value is escaped and the page allows no other scripts, so text typed "
            "into a FixIt report is shown, never run.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def _fill_fields(self) -> None:
        for layer in reversed(list(self._project.layers.visible_bottom_up())):
            note = _PERSONAL if layer.sensitive else ""
            item = QTreeWidgetItem(self.fields, [layer.name + note])
            item.setData(0, Qt.ItemDataRole.UserRole, layer.name)
            self._add_field_items(item, layer)
        self.fields.expandAll()

    def _add_field_items(self, parent: QTreeWidgetItem, layer: VectorLayer) -> None:
        shown = 0
        for field, _kind in layer.fields:
            personal = is_sensitive_field(field)
            child = QTreeWidgetItem(parent, [field + (_PERSONAL if personal else "")])
            child.setData(0, Qt.ItemDataRole.UserRole, field)
            child.setData(0, Qt.ItemDataRole.UserRole + 1, personal)
            ticked = not personal and shown < DEFAULT_POPUP_FIELDS
            shown += int(ticked)
            child.setCheckState(0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            child.setDisabled(personal)

    def _field_items(self) -> Iterator[tuple[str, QTreeWidgetItem]]:
        """(layer name, field item) for every field listed."""
        for parent_index in range(self.fields.topLevelItemCount()):
            parent = self.fields.topLevelItem(parent_index)
            if parent is None:
                continue
            layer = str(parent.data(0, Qt.ItemDataRole.UserRole))
            for index in range(parent.childCount()):
                child = parent.child(index)
                if child is not None:
                    yield layer, child

    def _sensitive_toggled(self, include: bool) -> None:
        for _layer, child in self._field_items():
            if child.data(0, Qt.ItemDataRole.UserRole + 1):
                child.setDisabled(not include)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export Web Map", self.file_name.text(), "Web page (*.html)"
        )
        if path:
            self.file_name.setText(path if path.lower().endswith(".html") else f"{path}.html")

    def popup_fields(self) -> dict[str, list[str]]:
        """Layer name -> the ticked fields (personal ones only when included)."""
        include = self.include_sensitive.isChecked()
        # A listed layer with nothing ticked gets no popup (not the defaults).
        chosen: dict[str, list[str]] = {
            layer.name: [] for layer in self._project.layers.visible_bottom_up()
        }
        for layer, child in self._field_items():
            personal = bool(child.data(0, Qt.ItemDataRole.UserRole + 1))
            if child.checkState(0) == Qt.CheckState.Checked and (include or not personal):
                chosen.setdefault(layer, []).append(str(child.data(0, Qt.ItemDataRole.UserRole)))
        return chosen

    def request(self) -> WebMapRequest:
        options = WebMapOptions(
            title=self.title.text(),
            popup_fields=self.popup_fields(),
            include_sensitive=self.include_sensitive.isChecked(),
            cluster_threshold=self.cluster.value() or None,
            basemap=self.basemap.currentData(),
        )
        return WebMapRequest(Path(self.file_name.text().strip()), options)
