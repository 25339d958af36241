"""Layer ▸ Create Layer ▸ New NENA Layers…: which NENA v3 layers, in which file and CRS.

The fields, their lengths and their domains are NENA's (mapdesk's own
definition); the layers NENA requires are ticked to start with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.nena import REQUIRED_LAYERS, load_schema
from mapdesk.io.nena_gpkg import nena_layer_names
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label
from mapdesk.ui.dialogs.target_widgets import CrsButton, GeoPackageChooser


@dataclass(frozen=True)
class NenaLayersRequest:
    """The GeoPackage, the CRS and the NENA layers asked for."""

    path: Path
    crs: CRS
    layers: tuple[str, ...]


class NewNenaLayersDialog(QDialog):
    """Ask which NENA layers to create where; ``request()`` once accepted."""

    def __init__(self, path: Path, crs: CRS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newNenaLayersDialog")
        self.setWindowTitle("New NENA Layers")
        self.resize(560, 520)
        self.target = GeoPackageChooser(path, "GeoPackage for the NENA layers", "nenaFile", self)
        self.crs_button = CrsButton(crs, "CRS of the NENA layers", "nenaCrs", self)
        self.layers = QListWidget(self)
        self.layers.setObjectName("nenaLayerList")
        schema = load_schema()
        for name in nena_layer_names(schema):
            spec = schema.layers[name]
            item = QListWidgetItem(f"{name} — {spec.alias} ({spec.geometry.lower()})")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            required = name in REQUIRED_LAYERS
            item.setCheckState(Qt.CheckState.Checked if required else Qt.CheckState.Unchecked)
            self.layers.addItem(item)
        self.problem = problem_label(self, "nenaProblem")
        form = QFormLayout()
        form.addRow("GeoPackage", self.target)
        form.addRow("CRS", self.crs_button)
        about = QLabel(
            "Fields, lengths and domains follow NENA-STA-006.3 (v3). Coded values (Parity, "
            "OneWay, RoadClass, states...) become lists in the attribute form, in QGIS too. "
            "NENA exchanges data in EPSG:4326; a local CRS suits editing.",
            self,
        )
        about.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Layers (those NENA requires are ticked)", self))
        layout.addWidget(self.layers, 1)
        layout.addWidget(about)
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self))

    def chosen_layers(self) -> tuple[str, ...]:
        items = [self.layers.item(row) for row in range(self.layers.count())]
        return tuple(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        )

    def request(self) -> NenaLayersRequest | None:
        """What is asked now; None without a file name."""
        path = self.target.path()
        if path is None:
            return None
        return NenaLayersRequest(path, self.crs_button.crs, self.chosen_layers())

    def accept(self) -> None:
        request = self.request()
        if request is None:
            self.problem.setText("Choose the GeoPackage to write the layers to")
        elif not request.path.parent.is_dir():
            self.problem.setText(f"The folder {request.path.parent} does not exist")
        elif not request.layers:
            self.problem.setText("Tick at least one NENA layer")
        else:
            super().accept()
