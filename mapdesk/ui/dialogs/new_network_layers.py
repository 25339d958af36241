"""Layer ▸ Create Layer ▸ New Network Layers…: where, in which CRS, under which names.

As QGIS's New GeoPackage Layer dialog: a file (new, or an existing
GeoPackage that keeps its other layers), a CRS and the layer names; the
fields and their coded domains are the network asset model's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.network.assets import ASSET_LAYERS, AssetKind
from mapdesk.core.crs import crs_label
from mapdesk.ui.dialogs.crs_dialog import CrsDialog
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label

FILE_FILTER = "GeoPackage (*.gpkg)"


@dataclass(frozen=True)
class NetworkLayersRequest:
    """The GeoPackage, the CRS and the two layer names asked for."""

    path: Path
    crs: CRS
    nodes: str
    spans: str


class NewNetworkLayersDialog(QDialog):
    """Ask where to create the network layers; ``request()`` once accepted."""

    def __init__(self, path: Path, crs: CRS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newNetworkLayersDialog")
        self.setWindowTitle("New Network Layers")
        self.resize(560, 0)
        self._crs = crs
        self.file_name = QLineEdit(str(path), self)
        self.file_name.setObjectName("networkFile")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.crs_button = QPushButton(crs_label(crs), self)
        self.crs_button.setObjectName("networkCrs")
        self.crs_button.clicked.connect(self._choose_crs)
        self.nodes = QLineEdit(ASSET_LAYERS["node"].name, self)
        self.nodes.setObjectName("networkNodesName")
        self.spans = QLineEdit(ASSET_LAYERS["span"].name, self)
        self.spans.setObjectName("networkSpansName")
        self.problem = problem_label(self, "networkProblem")
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_name, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("GeoPackage", file_row)
        form.addRow("CRS", self.crs_button)
        form.addRow("Node layer (points)", self.nodes)
        form.addRow("Span layer (lines)", self.spans)
        about = QLabel(
            f"Nodes: {_kinds('node')}. Spans: {_kinds('span')}. Type and status are coded "
            "lists; new features get templates, the next asset id and a span's end nodes.",
            self,
        )
        about.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(about)
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self))

    def request(self) -> NetworkLayersRequest:
        """What is asked now (a missing ``.gpkg`` is added to the file name)."""
        path = Path(self.file_name.text().strip()).expanduser()
        if path.suffix.lower() != ".gpkg":
            path = path.with_name(path.name + ".gpkg")
        return NetworkLayersRequest(
            path, self._crs, self.nodes.text().strip(), self.spans.text().strip()
        )

    def accept(self) -> None:
        request = self.request()
        if not self.file_name.text().strip():
            self.problem.setText("Choose the GeoPackage to write the layers to")
        elif not request.path.parent.is_dir():
            self.problem.setText(f"The folder {request.path.parent} does not exist")
        elif not request.nodes or not request.spans:
            self.problem.setText("Name both layers")
        elif request.nodes.lower() == request.spans.lower():
            self.problem.setText("The node and span layers need two different names")
        else:
            super().accept()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "GeoPackage for the network layers",
            self.file_name.text(),
            FILE_FILTER,
            options=QFileDialog.Option.DontConfirmOverwrite,  # its other layers stay
        )
        if path:
            self.file_name.setText(path)

    def _choose_crs(self) -> None:
        dialog = CrsDialog(self, "CRS of the network layers", self._crs)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_crs is not None:
            self._crs = dialog.chosen_crs
            self.crs_button.setText(crs_label(self._crs))


def _kinds(kind: AssetKind) -> str:
    return ", ".join(code.replace("_", " ") for code in ASSET_LAYERS[kind].domains["type"].codes)
