"""The status bar: cursor position (map CRS and lat/lon), scale, CRS button, activity."""

from __future__ import annotations

from pyproj import CRS
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from mapdesk.core.crs import crs_label
from mapdesk.core.view import ViewState
from mapdesk.ui.canvas.units import (
    format_lonlat,
    format_map_xy,
    format_scale,
    map_scale,
    map_units,
    to_lonlat,
)
from mapdesk.ui.icons import icon


class MapStatusBar(QStatusBar):
    """Like QGIS's: ``Coordinate``, lat/lon, ``Scale``, a busy bar and the EPSG button.

    Signals
    -------
    crs_clicked()
        The project-CRS button was pressed (open the CRS dialog).
    cancel_requested()
        The Cancel button beside a long task's progress bar was pressed.
    """

    crs_clicked = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapStatusBar")
        self.task_label = self._label("taskLabel", "")
        self.task_progress = QProgressBar(self)
        self.task_progress.setObjectName("taskProgress")
        self.task_progress.setMaximumWidth(140)
        self.task_progress.setMaximumHeight(16)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("taskCancelButton")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop this task; nothing it read is added")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.selection = self._label(
            "selectionLabel",
            "",
            "Features selected on the current layer (all layers in the tooltip)",
        )
        self.coordinates = self._label("coordinateLabel", "", "Cursor position in the map CRS")
        self.lonlat = self._label("latLonLabel", "", "Cursor position in WGS 84 latitude/longitude")
        self.scale = self._label("scaleLabel", "", "Map scale at 96 dpi")
        self.render_busy = QProgressBar(self)
        self.render_busy.setObjectName("renderBusy")
        self.render_busy.setRange(0, 0)
        self.render_busy.setMaximumSize(60, 12)
        self.render_busy.setToolTip("Rendering the map…")
        self.crs_button = QToolButton(self)
        self.crs_button.setObjectName("crsButton")
        self.crs_button.setIcon(icon("crs"))
        self.crs_button.setAutoRaise(True)
        self.crs_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.crs_button.clicked.connect(self.crs_clicked)
        self.addWidget(self.task_label)
        self.addWidget(self.task_progress)
        self.addWidget(self.cancel_button)
        for widget in (
            self.selection,
            self.coordinates,
            self.lonlat,
            self.scale,
            self.render_busy,
            self.crs_button,
        ):
            self.addPermanentWidget(widget)
        self.coordinates.setMinimumWidth(200)
        self.lonlat.setMinimumWidth(190)
        self.end_task()
        self.set_render_busy(False)
        self.show_selection("")
        self._crs: CRS | None = None

    def _label(self, name: str, text: str, tip: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setToolTip(tip)
        return label

    def show_selection(self, text: str, details: str = "") -> None:
        """``12 features selected on FixIt incidents`` (empty: nothing selected)."""
        self.selection.setText(text)
        self.selection.setToolTip(details or text)
        self.selection.setVisible(bool(text))

    def show_crs(self, crs: CRS | None) -> None:
        self._crs = crs
        code = crs.to_epsg(min_confidence=70) if crs is not None else None
        text = f"EPSG:{code}" if code else ("Custom CRS" if crs is not None else "No CRS")
        self.crs_button.setText(text)
        self.crs_button.setToolTip(f"Project CRS: {crs_label(crs)} — click to change")
        unit = map_units(crs).abbreviation
        self.coordinates.setToolTip(
            f"Cursor position x, y in the map CRS ({unit})" if unit else "Cursor position x, y"
        )

    def show_cursor(self, x: float, y: float, resolution: float) -> None:
        """Cursor position: ``891859.2, 89343.1`` in map units, and lat/lon."""
        self.coordinates.setText(format_map_xy(x, y, self._crs, resolution))
        lonlat = to_lonlat(x, y, self._crs)
        self.lonlat.setText(format_lonlat(lonlat))
        if lonlat is not None:
            self.lonlat.setToolTip(f"WGS 84 lat, lon: {lonlat[1]:.6f}, {lonlat[0]:.6f}")

    def show_scale(self, view: ViewState) -> None:
        self.scale.setText(format_scale(map_scale(view, self._crs)))

    def set_render_busy(self, busy: bool) -> None:
        self.render_busy.setVisible(busy)

    def show_task(self, text: str, percent: int = -1, cancellable: bool = True) -> None:
        """Show a long task (e.g. loading a file); percent -1 = unknown length.

        A cancellable task gets a Cancel button, as in QGIS's task bar.
        """
        self.task_label.setText(text)
        self.task_label.setVisible(True)
        if percent < 0:
            self.task_progress.setRange(0, 0)
        else:
            self.task_progress.setRange(0, 100)
            self.task_progress.setValue(percent)
        self.task_progress.setVisible(True)
        self.cancel_button.setVisible(cancellable)

    def end_task(self) -> None:
        self.task_label.setVisible(False)
        self.task_progress.setVisible(False)
        self.cancel_button.setVisible(False)
