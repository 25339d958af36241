"""MapCanvas: the map widget.

It holds the current :class:`ViewState` and paints the last rendered image.
On a pan or zoom it shows that image transformed at once, in the same frame,
and asks :class:`MapRenderer` for a fresh one after a short debounce; the
renderer works in a thread and a newer request cancels an older one (the QGIS
render-job recipe in DESIGN.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from typing import Any, NamedTuple

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.view import Extent, ViewState, padded_extent
from mapdesk.render.job import MapRenderer, run_in_render_thread
from mapdesk.render.settings import MapSettings
from mapdesk.ui.canvas.highlight import Highlight
from mapdesk.ui.canvas.measure_tool import MeasureTool
from mapdesk.ui.canvas.reproject import reprojected_extent
from mapdesk.ui.canvas.scale_bar import paint_scale_bar, scale_bar_spec
from mapdesk.ui.canvas.select_tools import SelectPolygonTool, SelectRadiusTool, SelectTool
from mapdesk.ui.canvas.tools import (
    IdentifyTool,
    MapTool,
    PanTool,
    SpacePan,
    ZoomInTool,
    ZoomOutTool,
    key_navigation,
)
from mapdesk.ui.canvas.units import map_units, metres_per_pixel
from mapdesk.ui.layer_watch import RENDER_SIGNALS, LayerWatcher
from mapdesk.ui.workers import guarded_event, guarded_slot

log = logging.getLogger(__name__)

#: Wait this long after the last pan/zoom step before rendering (ms).
NAVIGATION_DELAY_MS = 150
#: Coalesce bursts of layer changes (ms).
CHANGE_DELAY_MS = 30
#: Zoom factor per wheel notch (QGIS's default: one notch doubles the scale).
#: A touchpad sends fractions of a notch, which zoom by fractions of it.
WHEEL_ZOOM_PER_NOTCH = 2.0
#: One wheel notch in QWheelEvent.angleDelta units (eighths of a degree).
WHEEL_NOTCH = 120.0
#: Up to this many features in all layers, an extent is computed at once on
#: the UI thread; above, in a render thread (a first extent over a million
#: geometries, or waiting on the lock of a layer a worker is reprojecting,
#: would block the UI for hundreds of milliseconds).
SYNC_EXTENT_FEATURES = 100_000


class _FitRequest(NamedTuple):
    """An extent being computed in a render thread, and what it is for."""

    serial: int
    #: The map CRS the extent is computed in.
    crs: Any
    #: The view's number when asked: a navigation since then drops a zoom.
    view_serial: int
    #: The area shown, carried into a new map CRS: fitted with no margin, and
    #: never dropped for a navigation (the view's numbers are in the old CRS).
    new_crs: bool


class _ExtentRelay(QObject):
    """Brings an extent computed in a render thread back to the canvas (queued)."""

    found = Signal(int, object)


class MapCanvas(QWidget):
    """The map: navigation, map tools, and rendering off the UI thread.

    Signals
    -------
    cursor_moved(x, y)
        Mouse position in map CRS coordinates.
    view_changed(ViewState)
        After any pan, zoom or resize.
    identify_requested(x, y, tolerance)
        The identify tool was clicked (map coordinates, tolerance in map units).
    select_requested(SelectionGesture)
        A selection tool was clicked or dragged (see ``select_tools``).
    measure_changed(MeasureState)
        A measure tool's points changed (see ``measure_tool``).
    rendered(MapSettings)
        A fresh image for the current view is on screen.
    """

    cursor_moved = Signal(float, float)
    view_changed = Signal(object)
    identify_requested = Signal(float, float, float)
    select_requested = Signal(object)
    measure_changed = Signal(object)
    rendered = Signal(object)
    render_failed = Signal(str)
    busy_changed = Signal(bool)
    map_tool_changed = Signal(str)

    def __init__(
        self,
        project: Project,
        renderer: MapRenderer | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mapCanvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(120, 90)
        self.setAcceptDrops(False)  # the main window takes file drops
        self._project = project
        self._crs = project.crs
        # The CRS the view's numbers are in: the previous map CRS while the
        # area to show in a new one is being computed.
        self._view_crs = project.crs
        self._image: QImage | None = None
        self._image_view: ViewState | None = None
        self._latest: MapSettings | None = None
        self._busy = False
        self._fit_on_resize = project.view is None
        self._fit_serial = 0
        self._fit_request: _FitRequest | None = None
        self._view_serial = 0
        self._extents = _ExtentRelay(self)
        self._extents.found.connect(self._on_extent_found, Qt.ConnectionType.QueuedConnection)
        self._renderer = renderer if renderer is not None else MapRenderer(self)
        self._renderer.image_ready.connect(self._on_image_ready)
        self._renderer.partial_image.connect(self._on_partial_image)
        self._renderer.render_failed.connect(self._on_render_failed)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._render_now)
        self._view = self._initial_view()
        self._watch_project()
        self.tools: dict[str, MapTool] = {
            tool.name: tool
            for tool in (
                PanTool(self),
                ZoomInTool(self),
                ZoomOutTool(self),
                IdentifyTool(self),
                SelectTool(self),
                SelectPolygonTool(self),
                SelectRadiusTool(self),
                MeasureTool(self, area=False),
                MeasureTool(self, area=True),
            )
        }
        self._tool: MapTool = self.tools["pan"]
        self._middle_pan = PanTool(self)
        self._middle_down = False
        self._space_pan = SpacePan(self)
        self._highlight: Highlight | None = None
        self._hold_view = False
        self.setCursor(self._tool.cursor())

    # --- model wiring --------------------------------------------------------
    def _watch_project(self) -> None:
        self._watcher = LayerWatcher(self._project.layers, RENDER_SIGNALS, self._on_layer_changed)
        for event in ("moved", "changed", "reordered"):
            self._watcher.connect_list(event, self._on_layers_changed)
        self._watcher.connect_list("batch_removed", self._on_layers_removed)
        self._watcher.connect_list("batch_inserted", self._on_layers_inserted)
        self._project.crs_changed.connect(self._on_crs_changed)
        self._project.background_changed.connect(self._on_layers_changed)

    def shutdown(self) -> None:
        """Stop rendering and let go of the project (the window is closing)."""
        self._timer.stop()
        self._renderer.cancel()
        self._watcher.close()
        self._project.crs_changed.disconnect(self._on_crs_changed)
        self._project.background_changed.disconnect(self._on_layers_changed)

    def _on_layer_changed(self, _layer: VectorLayer) -> None:
        self.refresh()

    def _on_layers_changed(self, *_args: Any) -> None:
        self.refresh()

    def _on_layers_removed(self, *_args: Any) -> None:
        self.clear_highlight()  # it may show features of a layer that is gone
        self.refresh()

    def _on_layers_inserted(self, _start: int, _stop: int, values: list[VectorLayer]) -> None:
        first_layers = len(self._project.layers) == len(values)
        if first_layers and not self._hold_view:  # the first layers of an empty map
            self.zoom_full()
        self.refresh()

    @contextmanager
    def keeping_view(self) -> Iterator[None]:
        """Layers arriving in this block do not zoom the map to them.

        Opening a project file replaces the layers and then shows the view
        saved in the file; zooming to the layers first would be wasted work.
        """
        self._hold_view = True
        try:
            yield
        finally:
            self._hold_view = False

    @guarded_slot
    def _on_crs_changed(self, crs: Any) -> None:
        old, self._crs = self._view_crs, crs
        self._image = self._image_view = None  # its pixels are in the old CRS
        self.clear_highlight()  # so are the highlighted geometries
        self._latest = None
        shown, project = self._view.extent, self._project

        def same_area() -> Extent | None:  # else the whole map, as a first view
            moved = reprojected_extent(shown, old, crs) if old is not None else None
            return moved if moved is not None else project.home_extent()

        if not self._extents_are_cheap():
            # A new CRS pair's transformer takes ~0.1-0.2 s to make, and the
            # home extent reprojects every layer: both in a render thread.
            self._fit_later(same_area, new_crs=True)
            return
        self._view_crs = crs
        extent = reprojected_extent(shown, old, crs) if old is not None else None
        if extent is None:
            self.zoom_full()
        else:
            self.set_view(self._view.fitted(extent, margin=0.0))
        self.refresh()

    # --- the view ------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    @property
    def view(self) -> ViewState:
        return self._view

    def _initial_view(self) -> ViewState:
        base = ViewState(width=max(1, self.width()), height=max(1, self.height()))
        if self._project.view is not None:
            return self._project.view.resized(base.width, base.height)
        if not self._extents_are_cheap():
            self._fit_later(self._project.home_extent)
            return base
        extent = self._project.home_extent()
        return base.fitted(extent) if extent is not None else base

    # --- extents off the UI thread ---------------------------------------------
    def _extents_are_cheap(self, layers: Sequence[VectorLayer] | None = None) -> bool:
        chosen = self._project.layers if layers is None else layers
        return sum(layer.feature_count for layer in chosen) <= SYNC_EXTENT_FEATURES

    def _fit_later(self, extent_of: Any, *, new_crs: bool = False) -> None:
        """Compute ``extent_of()`` in a render thread, then fit the view to it.

        The answer is dropped if the map CRS changed or a newer fit was asked
        for in the meantime, and (unless it is the area carried into a
        ``new_crs``) if the user navigated. No render starts while a fit is
        pending (it would draw a view about to be replaced).
        """
        self._fit_serial += 1
        serial, relay = self._fit_serial, self._extents
        self._fit_request = _FitRequest(serial, self._crs, self._view_serial, new_crs)

        def work() -> None:
            try:
                extent = extent_of()
            except Exception as exc:  # reported on the UI thread as "no extent"
                log.warning("Extent failed: %s", exc)
                extent = None
            with suppress(RuntimeError):  # the canvas was closed meanwhile
                relay.found.emit(serial, extent)

        run_in_render_thread(work)

    @property
    def fitting(self) -> bool:
        """True while an extent to zoom to is being computed in a worker."""
        return self._fit_request is not None

    @guarded_slot
    def _on_extent_found(self, serial: int, extent: Extent | None) -> None:
        request = self._fit_request
        if request is None or request.serial != serial:
            return  # superseded
        self._fit_request = None
        if request.crs is not self._crs:
            self.refresh()
            return
        if request.new_crs:
            self._view_crs = request.crs
            if extent is not None:
                self.set_view(self._view.fitted(extent, margin=0.0))
        elif extent is not None and (
            request.view_serial == self._view_serial or self._view_crs is not request.crs
        ):  # a navigation drops a zoom, unless the view is still in an old CRS
            self._view_crs = request.crs
            self.set_view(self._view.fitted(extent), keep_fit=True)
        self.refresh(0)

    def set_view(self, view: ViewState, *, keep_fit: bool = False) -> None:
        """Show ``view`` now (the previous image, transformed) and render it shortly."""
        self._fit_on_resize = keep_fit
        if view == self._view:
            return
        self._view = view
        self._view_serial += 1
        self._project.view = view
        self.update()
        self.view_changed.emit(view)
        self.refresh(NAVIGATION_DELAY_MS)

    def show_view(self, view: ViewState) -> None:
        """Show ``view`` (e.g. one saved in a project file) at this widget's size."""
        self.set_view(view.resized(self.width(), self.height()))

    def zoom_at(self, pos: QPointF, factor: float) -> None:
        """Zoom by ``factor`` (> 1 in) and centre the map on the point at ``pos``."""
        x, y = self._view.to_map(pos.x(), pos.y())
        zoomed = self._view.zoomed(factor)
        self.set_view(replace(zoomed, center_x=x, center_y=y))

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the map point under ``anchor`` (default: centre) fixed."""
        anchor_px = (anchor.x(), anchor.y()) if anchor is not None else None
        self.set_view(self._view.zoomed(factor, anchor_px))

    def pan_by(self, dx_px: float, dy_px: float) -> None:
        self.set_view(self._view.panned(dx_px, dy_px))

    def zoom_to_extent(self, extent: Extent | None) -> None:
        if extent is not None:
            self.set_view(self._view.fitted(extent))

    def zoom_full(self) -> None:
        """Show every visible layer (all layers when none is visible).

        On big layers the extent is computed in a worker and the view
        changes when it arrives.
        """
        if not self._extents_are_cheap():
            self._fit_later(self._project.home_extent)
            return
        extent = self._project.home_extent()
        if extent is not None:
            self.set_view(self._view.fitted(extent), keep_fit=True)

    def zoom_to_layer(self, layer: VectorLayer) -> None:
        if layer.feature_count == 0:
            raise MapdeskError(f"Layer '{layer.name}' has no features to zoom to")
        project = self._project
        if not self._extents_are_cheap([layer]):
            self._fit_later(lambda: _padded(project.layer_extent(layer), project.min_view_span))
            return
        extent = project.layer_extent(layer)
        if extent is None:
            raise MapdeskError(f"Layer '{layer.name}' has no features to zoom to")
        # A single point has no size: show ~100 m around it, not 1:0.00001.
        self.zoom_to_extent(padded_extent(extent, project.min_view_span))

    # --- identify highlight --------------------------------------------------
    def set_highlight(self, geometries: Sequence[object]) -> None:
        """Outline ``geometries`` (shapely, map CRS) in red until cleared (or Esc)."""
        highlight = Highlight.from_geometries(geometries)
        self._highlight = None if highlight.is_empty else highlight
        self.update()

    def clear_highlight(self) -> None:
        if self._highlight is not None:
            self._highlight = None
            self.update()

    @property
    def highlight(self) -> Highlight | None:
        """What is highlighted now (None: nothing)."""
        return self._highlight

    # --- map tools -----------------------------------------------------------
    @property
    def map_tool(self) -> MapTool:
        return self._tool

    def add_tool(self, tool: MapTool) -> None:
        """Offer another map tool (the digitising tools come from their controller)."""
        self.tools[tool.name] = tool

    def set_map_tool(self, name: str) -> None:
        """Activate the tool called ``name`` ("pan", "zoom_in", "zoom_out", "identify")."""
        tool = self.tools[name]
        if tool is self._tool:
            return
        self._tool.deactivate()
        self._tool = tool
        self.setCursor(tool.cursor())
        self.map_tool_changed.emit(name)

    # --- rendering -----------------------------------------------------------
    def refresh(self, delay_ms: int = CHANGE_DELAY_MS) -> None:
        """Render again after ``delay_ms`` (restarting the wait if one is pending)."""
        self._timer.start(delay_ms)

    def image(self) -> QImage | None:
        """The last rendered image (for the current view or an earlier one)."""
        return self._image

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    @guarded_slot
    def _render_now(self) -> None:
        self._timer.stop()
        if self._fit_request is not None:
            return  # the view is about to change; the fit renders it
        try:
            settings = MapSettings.from_project(
                self._project,
                self._view,
                device_pixel_ratio=self.devicePixelRatioF(),
            )
        except MapdeskError as exc:
            self._on_render_failed(str(exc))
            return
        self._latest = settings
        self._set_busy(True)
        self._renderer.request(settings)

    @guarded_slot
    def _on_partial_image(self, image: QImage, settings: MapSettings) -> None:
        """Layers drawn so far for the latest view: shown until the next one.

        Until the first arrives, the previous image stays on screen,
        transformed to the current view, so the map never blinks.
        """
        if settings is not self._latest:
            return
        self._image = image
        self._image_view = settings.view
        self.update()

    @guarded_slot
    def _on_image_ready(self, image: QImage, settings: MapSettings) -> None:
        if settings is not self._latest:
            return  # an older view, already superseded
        self._image = image
        self._image_view = settings.view
        self._set_busy(False)
        self.update()
        self.rendered.emit(settings)

    def _on_render_failed(self, message: str) -> None:
        log.warning("Render failed: %s", message)
        self._set_busy(False)
        self.render_failed.emit(message)

    # --- painting ------------------------------------------------------------
    def _image_target(self) -> QRectF | None:
        """Where the last image goes on screen for the current view."""
        if self._image is None or self._image_view is None:
            return None
        rendered, view = self._image_view, self._view
        left, top = rendered.to_map(0, 0)
        px, py = view.to_screen(left, top)
        scale = rendered.resolution / view.resolution
        return QRectF(float(px), float(py), rendered.width * scale, rendered.height * scale)

    @guarded_event
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(self._project.background))
            target = self._image_target()
            if target is not None and self._image is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                painter.drawImage(target, self._image)
            if len(self._project.layers) == 0:
                self._paint_empty_hint(painter)
            if self._highlight is not None:
                self._highlight.paint(painter, self._view)
            self._tool.paint(painter)
            self._paint_scale_bar(painter)
        finally:
            painter.end()

    def _paint_scale_bar(self, painter: QPainter) -> None:
        per_pixel = metres_per_pixel(self._view, self._crs)
        if per_pixel is None:
            return
        spec = scale_bar_spec(per_pixel, imperial=map_units(self._crs).imperial)
        if spec is not None:
            paint_scale_bar(painter, QRectF(self.rect()), spec)

    def _paint_empty_hint(self, painter: QPainter) -> None:
        painter.setPen(QColor("#808080"))
        painter.drawText(
            QRectF(self.rect()),
            Qt.AlignmentFlag.AlignCenter,
            "No layers yet.\nLayer ▸ Add Vector Layer… (Ctrl+Shift+V), or drop files here.",
        )

    # --- input ---------------------------------------------------------------
    @guarded_event
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        resized = self._view.resized(size.width(), size.height())
        if self._fit_on_resize and self._fit_request is None:
            if self._extents_are_cheap():
                extent = self._project.home_extent()
                if extent is not None:
                    resized = resized.fitted(extent)
            else:
                self._fit_later(self._project.home_extent)
        self._view = resized
        self._project.view = resized
        self.view_changed.emit(resized)
        self.refresh(NAVIGATION_DELAY_MS)

    @guarded_slot
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if self._space_pan.active:
            return  # Space + drag pans; the tool does not see the press
        if event.button() == Qt.MouseButton.MiddleButton:
            self._middle_down = True
            self._middle_pan.press(event)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._tool.press(event)
        elif event.button() == Qt.MouseButton.RightButton:
            self._tool.finish(event)

    @guarded_slot
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._space_pan.active:
            self._tool.finish(event)

    @guarded_slot
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        self.cursor_moved.emit(*self._view.to_map(pos.x(), pos.y()))
        if self._space_pan.active:
            self._space_pan.move(pos)
        elif self._middle_down:
            self._middle_pan.move(event)
        elif event.buttons() & Qt.MouseButton.LeftButton or self._tool.wants_hover:
            self._tool.move(event)

    @guarded_slot
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._middle_down:
            self._middle_down = False
            self._middle_pan.release(event)
        elif event.button() == Qt.MouseButton.LeftButton and not self._space_pan.active:
            self._tool.release(event)

    @guarded_slot
    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / WHEEL_NOTCH
        if notches:
            self.zoom_by(WHEEL_ZOOM_PER_NOTCH**notches, event.position())
        event.accept()

    @guarded_slot
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_pan.start()
            return
        if event.key() == Qt.Key.Key_Backspace:
            self._tool.undo_corner()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._tool.complete()
            return
        step = key_navigation(Qt.Key(event.key()), self.width(), self.height())
        if step is None:
            super().keyPressEvent(event)
        elif step.zoom:
            self.zoom_by(step.zoom)
        elif step.pan:
            self.pan_by(*step.pan)
        else:  # Esc: drop a half-drawn rectangle and the identify highlight
            self._tool.deactivate()
            self.clear_highlight()

    @guarded_slot
    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_pan.end()
        else:
            super().keyReleaseEvent(event)

    @guarded_event
    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._space_pan.end()  # the Space release goes to another widget
        super().focusOutEvent(event)

    @property
    def space_panning(self) -> bool:
        """True while Space is held: moving the mouse pans, whatever the tool."""
        return self._space_pan.active


def _padded(extent: Extent | None, min_span: float) -> Extent | None:
    return None if extent is None else padded_extent(extent, min_span)
