"""Save Features As: a layer (or its selection) to a file, after the pre-export check.

As QGIS's "Save Vector Layer as…": a format, a file name, a CRS and
"selected features only"; unlike it, the dialog lists before anything is
written every way the chosen format will change the data (shapefile names
cut to ten bytes, date-times as text, ...), and will not export what the
format cannot hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
from pyproj import CRS
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
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
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.crs import crs_label
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.export.formats import FORMATS, ExportFormat
from mapdesk.export.plan import ExportPlan
from mapdesk.export.vector import plan_export
from mapdesk.ui.dialogs.crs_dialog import CrsDialog
from mapdesk.ui.workers import WorkerPool, run_latest

_BLOCKING = QColor("#b00020")
#: Said before anything else when the layer holds personal data (it still exports).
PERSONAL_DATA_WARNING = (
    "This layer holds personal data (reporters' names, phones or e-mails): keep the "
    "exported file inside the city, never publish it"
)
#: Milliseconds after the last change before the check runs again.
RECHECK_DELAY_MS = 250


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked for: the file, the CRS (None: the layer's), which features."""

    path: Path
    crs: CRS | None
    selected_only: bool


def source_file(layer: VectorLayer) -> Path | None:
    """The file the layer was read from (an export never writes over it)."""
    return Path(layer.origin.path) if layer.origin is not None and layer.origin.path else None


def selected_features(layer: VectorLayer) -> gpd.GeoDataFrame:
    """The layer's selected features, in layer order, with its field declarations."""
    frame = layer.data
    chosen = frame[frame.index.isin(list(layer.selected_fids))]
    chosen.attrs = dict(frame.attrs)
    return chosen


class ExportLayerDialog(QDialog):
    """Choose where and how to export ``layer``; ``request()`` once accepted."""

    def __init__(
        self,
        layer: VectorLayer,
        folder: Path,
        workers: WorkerPool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The check reads every value (and KML's reprojects the layer): in a
        # worker, a moment after the last change, so typing never waits.
        self._workers = workers
        self._checking = 0  # the newest check; older ones' answers are dropped
        self._recheck_timer = QTimer(self, singleShot=True, interval=RECHECK_DELAY_MS)
        self._recheck_timer.timeout.connect(self.recheck)
        self.setObjectName("exportLayerDialog")
        self.setWindowTitle(f"Save Features As — {layer.name}")
        self.resize(640, 460)
        self._layer = layer
        self._crs: CRS | None = layer.crs
        self.format = QComboBox(self)
        self.format.setObjectName("exportFormat")
        for target in FORMATS.values():
            self.format.addItem(f"{target.label} (*{target.suffix})", target.suffix)
        self.file_name = QLineEdit(str(folder / f"{layer.name}.gpkg"), self)
        self.file_name.setObjectName("exportFileName")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.crs_button = QPushButton(self)
        self.crs_button.setObjectName("exportCrs")
        self.crs_button.clicked.connect(self._choose_crs)
        count = len(layer.selected_fids)
        self.selected_only = QCheckBox(f"Selected features only ({count:,})", self)
        self.selected_only.setEnabled(count > 0)
        self.changes = QListWidget(self)
        self.changes.setObjectName("exportChanges")
        self.changes.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out(browse)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.selected_only.toggled.connect(self.recheck_soon)
        self.file_name.editingFinished.connect(self._file_name_changed)
        self._show_crs()
        self.recheck()

    def _lay_out(self, browse: QPushButton) -> None:
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_name, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("File name", file_row)
        form.addRow("CRS", self.crs_button)
        form.addRow("", self.selected_only)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("What this format changes (checked before writing):", self))
        layout.addWidget(self.changes, 1)
        layout.addWidget(self.buttons)

    # --- the choices ---------------------------------------------------------------
    def target(self) -> ExportFormat:
        return FORMATS[str(self.format.currentData())]

    def request(self) -> ExportRequest:
        layer_crs = self._layer.crs
        keep = layer_crs is not None and self._crs is not None and self._crs == layer_crs
        return ExportRequest(
            Path(self.file_name.text().strip()),
            None if keep else self._crs,
            self.selected_only.isChecked(),
        )

    def features(self) -> gpd.GeoDataFrame:
        """The features the export would write, as chosen now."""
        if self.selected_only.isChecked():
            return selected_features(self._layer)
        return self._layer.data

    def _format_changed(self) -> None:
        self.file_name.setText(
            str(_with_suffix(self.file_name.text(), self._layer.name, self.target().suffix))
        )
        self.recheck_soon()

    def _file_name_changed(self) -> None:
        suffix = Path(self.file_name.text().strip()).suffix.lower()
        index = self.format.findData(suffix)
        if index >= 0 and index != self.format.currentIndex():
            self.format.setCurrentIndex(index)  # rechecks
        else:
            self.recheck_soon()

    def _browse(self) -> None:
        target = self.target()
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save Features As",
            self.file_name.text(),
            f"{target.label} (*{target.suffix})",
        )
        if path:
            self.file_name.setText(str(_with_suffix(path, self._layer.name, target.suffix)))
            self.recheck_soon()

    def _choose_crs(self) -> None:
        dialog = CrsDialog(self, "CRS of the exported file", self._crs)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_crs is not None:
            self._crs = dialog.chosen_crs
            self._show_crs()
            self.recheck_soon()

    def _show_crs(self) -> None:
        self.crs_button.setText(crs_label(self._crs) if self._crs is not None else "unknown")

    # --- the pre-export check ------------------------------------------------------
    def recheck_soon(self) -> None:
        """Check again a moment after the last change (changes in a row check once)."""
        # A check still running was made for the old choices: its answer must
        # not turn Export on (or list the old format's changes) meanwhile.
        self._checking += 1
        self.export_button.setEnabled(False)
        self._recheck_timer.start()

    def recheck(self) -> None:
        """List what the chosen format changes; Export only when it can be done."""
        self._recheck_timer.stop()
        self._checking += 1
        ticket = self._checking
        self.export_button.setEnabled(False)
        self.changes.clear()
        self._add("Checking what the format can hold…")
        request = self.request()
        features = self.features()
        field_types = self._layer.data.attrs.get("field_types")
        field_rules = self._layer.data.attrs.get("field_rules")
        source = source_file(self._layer)

        def check(_progress: object) -> ExportPlan:
            _features, plan = plan_export(
                features, request.path, request.crs, field_types, source, field_rules
            )
            return plan

        run_latest(
            self._workers,
            check,
            lambda plan: self._show_plan(ticket, plan),
            lambda error: self._show_error(ticket, error),
            "Checking the export",
        )

    def _show_plan(self, ticket: int, plan: ExportPlan) -> None:
        if ticket != self._checking:
            return  # a newer check is on its way
        self.changes.clear()
        for reason in plan.blocking:
            self._add(f"Cannot export: {reason}", blocking=True)
        if self._layer.sensitive:
            self._add(PERSONAL_DATA_WARNING, blocking=True)
        for issue in plan.issues:
            self._add(issue.message)
        if not plan.blocking and not plan.issues and not self._layer.sensitive:
            self._add(f"Nothing: {plan.target.label} holds this layer as it is.")
        ready = not plan.blocking and bool(self.file_name.text().strip())
        self.export_button.setEnabled(ready)

    def _show_error(self, ticket: int, error: BaseException) -> None:
        if ticket != self._checking:
            return
        self.changes.clear()
        text = str(error) if isinstance(error, MapdeskError) else f"{type(error).__name__}: {error}"
        self._add(text, blocking=True)
        self.export_button.setEnabled(False)

    def _add(self, text: str, blocking: bool = False) -> None:
        item = QListWidgetItem(text, self.changes)
        if blocking:
            item.setForeground(QBrush(_BLOCKING))
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)


def _with_suffix(text: str, fallback: str, suffix: str) -> Path:
    """``text`` as a file name ending in ``suffix`` (only a known extension is replaced)."""
    path = Path(text.strip() or fallback)
    if not path.name:  # "/" or a folder name ending in a separator
        path = path / fallback
    if path.suffix.lower() in FORMATS:
        return path.with_suffix(suffix)
    return path.with_name(path.name + suffix)  # "roads.v2" keeps its ".v2"
