"""Export Map: a printed map (PDF or PNG) of the project, with a live preview.

QGIS makes a print layout by hand; here the city's layout is ready: title,
map, legend, scale bar, north arrow and footer. The user picks the paper,
the title, the file and, for a map book, the layer whose features each get
a page (series). The preview shows the first page as it will print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
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
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.project import Project
from mapdesk.export.layout.page import PAGE_SIZES, Page
from mapdesk.export.layout.sheet import default_source
from mapdesk.export.map_layout import MAX_DPI, MIN_DPI, MapLayoutOptions, preview_page
from mapdesk.ui.workers import WorkerPool, error_message, run_latest

#: Milliseconds after the last change before the preview is drawn again.
PREVIEW_DELAY_MS = 300
PREVIEW_DPI = 40
_PAPER_LABELS = {"letter": "Letter", "tabloid": "Tabloid", "a4": "A4", "a3": "A3"}
_FILTER = "PDF map (*.pdf);;PNG image (*.png)"


@dataclass(frozen=True)
class MapLayoutRequest:
    """Where to write, and how to lay the map out."""

    path: Path
    options: MapLayoutOptions


class MapLayoutDialog(QDialog):
    """Choose the paper, title, file and series; ``request()`` once accepted."""

    def __init__(
        self,
        project: Project,
        folder: Path,
        workers: WorkerPool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mapLayoutDialog")
        self.setWindowTitle("Export Map to PDF/PNG")
        self._project = project
        self._workers = workers
        self._drawing = 0  # the newest preview; older ones' pictures are dropped
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._build(folder)
        self._lay_out()
        self._connect()
        self.refresh_preview()

    def _build(self, folder: Path) -> None:
        name = self._project.path.stem if self._project.path is not None else "map"
        self.title = QLineEdit(name if self._project.path is not None else "", self)
        self.title.setObjectName("layoutTitle")
        self.title.setPlaceholderText("Map")
        self.paper = QComboBox(self)
        self.paper.setObjectName("layoutPaper")
        for size in PAGE_SIZES:
            self.paper.addItem(_PAPER_LABELS[size], size)
        self.orientation = QComboBox(self)
        self.orientation.setObjectName("layoutOrientation")
        self.orientation.addItem("Landscape", "landscape")
        self.orientation.addItem("Portrait", "portrait")
        self.units = QComboBox(self)
        self.units.addItem("Feet and miles", "imperial")
        self.units.addItem("Metres and kilometres", "metric")
        self.legend = QCheckBox("Legend", self)
        self.legend.setChecked(True)
        self.source = QLineEdit(self)
        self.source.setPlaceholderText(default_source(self._project))
        self.series = QCheckBox("One page per feature of", self)
        self.series.setObjectName("layoutSeries")
        self.series_layer = QComboBox(self)
        self.series_layer.setObjectName("layoutSeriesLayer")
        for layer in self._project.layers:
            if layer.feature_count and layer.geometry_type:
                self.series_layer.addItem(layer.name)
        self.series.setEnabled(self.series_layer.count() > 0)
        self.series_label = QComboBox(self)
        self.series_label.setObjectName("layoutSeriesLabel")
        self.file_name = QLineEdit(str(folder / f"{name}.pdf"), self)
        self.file_name.setObjectName("layoutFileName")
        self.browse = QPushButton("Browse…", self)
        self.dpi = QSpinBox(self)
        self.dpi.setObjectName("layoutDpi")
        self.dpi.setRange(MIN_DPI, MAX_DPI)
        self.dpi.setValue(150)
        self.dpi.setSuffix(" dpi")
        self.preview = QLabel(self)
        self.preview.setObjectName("layoutPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(460, 360)
        self.problem = QLabel(self)
        self.problem.setObjectName("layoutProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._series_changed()
        self._file_changed()

    def _lay_out(self) -> None:
        paper = QHBoxLayout()
        paper.addWidget(self.paper, 1)
        paper.addWidget(self.orientation, 1)
        series = QHBoxLayout()
        series.addWidget(self.series)
        series.addWidget(self.series_layer, 1)
        series.addWidget(QLabel("named by", self))
        series.addWidget(self.series_label, 1)
        output = QHBoxLayout()
        output.addWidget(self.file_name, 1)
        output.addWidget(self.browse)
        output.addWidget(self.dpi)
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Paper", paper)
        form.addRow("Scale bar", self.units)
        form.addRow("", self.legend)
        form.addRow("Source line", self.source)
        form.addRow("Series", series)
        form.addRow("File", output)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        for combo in (self.paper, self.orientation, self.units, self.series_label):
            combo.currentIndexChanged.connect(self.refresh_soon)
        self.series_layer.currentIndexChanged.connect(self._series_changed)
        self.series.toggled.connect(self._series_changed)
        self.legend.toggled.connect(self.refresh_soon)
        self.title.textChanged.connect(self.refresh_soon)
        self.source.textChanged.connect(self.refresh_soon)
        self.file_name.textChanged.connect(self._file_changed)
        self.browse.clicked.connect(self._browse)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # --- the choices -----------------------------------------------------------------
    def options(self) -> MapLayoutOptions:
        """The layout as chosen now (raises ExportError for an impossible choice)."""
        series = self.series.isChecked() and self.series_layer.count() > 0
        label = self.series_label.currentData()
        return MapLayoutOptions(
            title=self.title.text(),
            page=Page(str(self.paper.currentData()), self.orientation.currentData()),
            dpi=self.dpi.value(),
            units=self.units.currentData(),
            source=self.source.text(),
            legend=self.legend.isChecked(),
            series_layer=self.series_layer.currentText() if series else None,
            series_label=str(label) if series and label else None,
        )

    def request(self) -> MapLayoutRequest:
        return MapLayoutRequest(Path(self.file_name.text().strip()), self.options())

    def _series_changed(self) -> None:
        on = self.series.isChecked()
        self.series_layer.setEnabled(on)
        self.series_label.setEnabled(on)
        self.series_label.blockSignals(True)
        self.series_label.clear()
        self.series_label.addItem("Feature number", None)
        layer = next(
            (
                found
                for found in self._project.layers
                if found.name == self.series_layer.currentText()
            ),
            None,
        )
        if layer is not None:
            for field, _kind in layer.fields:
                self.series_label.addItem(field, field)
        self.series_label.blockSignals(False)
        self.refresh_soon()

    def _file_changed(self) -> None:
        suffix = Path(self.file_name.text().strip()).suffix.lower()
        self.dpi.setEnabled(suffix == ".png")
        good = suffix in (".pdf", ".png")
        self.export_button.setEnabled(good)
        self.problem.setText("" if good else "Name a .pdf or .png file to write.")

    def _browse(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export Map", self.file_name.text(), _FILTER
        )
        if path:
            if Path(path).suffix.lower() not in (".pdf", ".png"):
                path += ".png" if chosen.startswith("PNG") else ".pdf"
            self.file_name.setText(path)

    # --- the preview -------------------------------------------------------------------
    def refresh_soon(self) -> None:
        """Draw the preview again a moment after the last change."""
        self._timer.start()

    def refresh_preview(self) -> None:
        """Draw the first page small, in a worker when there is one."""
        self._drawing += 1
        ticket = self._drawing
        try:
            options = self.options()
        except Exception as exc:  # an impossible choice: say so instead of a preview
            self._show_problem(ticket, exc)
            return

        def work(_progress: Any) -> QImage | None:
            # A newer preview makes this one pointless: stop drawing it.
            return preview_page(
                self._project, options, PREVIEW_DPI, lambda: ticket != self._drawing
            )

        run_latest(
            self._workers,
            work,
            lambda image: self._show_preview(ticket, image),
            lambda exc: self._show_problem(ticket, exc),
            "Drawing the map preview",
        )

    def _show_preview(self, ticket: int, image: Any) -> None:
        if ticket != self._drawing or not isinstance(image, QImage):
            return
        pixmap = QPixmap.fromImage(image)
        size = self.preview.size()
        self.preview.setPixmap(
            pixmap.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.problem.clear()
        self._file_changed()

    def _show_problem(self, ticket: int, exc: BaseException) -> None:
        if ticket != self._drawing:
            return
        self.preview.clear()
        self.problem.setText(error_message(exc))
        self.export_button.setEnabled(False)
