"""Incident Analysis: fills the panel from a FixIt layer.

The analysis (filter, statistics, counts per polygon, duplicates) runs in a
worker from a snapshot; each request has a generation number and answers to
older requests are dropped. The time slider and what the map shows follow
the answer (``incident_timeline``). An edit of the layer keeps the user's
ticks, dates and slider: the panel reads the data again and the map follows
the new answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QListWidgetItem, QWidget

from mapdesk.core.analysis.incident_places import DuplicateGroup, PolygonCount
from mapdesk.core.analysis.incident_summary import (
    IncidentAnswer,
    IncidentRequest,
    LayerOverview,
    analyse_incidents,
    layer_overview,
)
from mapdesk.core.analysis.incidents import (
    IncidentFields,
    IncidentFilter,
    IncidentStatistics,
    is_incident_layer,
    is_open311_layer,
)
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.view import padded_extent
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.controllers.density_view import DensityView
from mapdesk.ui.controllers.incident_timeline import IncidentTimeline
from mapdesk.ui.layer_watch import LayerWatcher
from mapdesk.ui.views.incident_panel import IncidentPanel, fill_table
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import WorkerPool, guarded_slot, report_exception, run_latest

#: Wait this long after the last change before analysing (typing a date, ticking boxes).
ANALYSIS_DELAY_MS = 150
#: Counts per polygon start on the first polygon layer with at most this many features.
MAX_DEFAULT_POLYGONS = 200


def _point_layer(layer: VectorLayer) -> bool:
    return (layer.geometry_type or "").endswith("Point") and is_incident_layer(layer.data)


def _polygon_layer(layer: VectorLayer) -> bool:
    return (layer.geometry_type or "").endswith("Polygon")


def _district(polygons: list[VectorLayer]) -> int:
    """The first polygon layer small enough to be districts (not parcels); -1: none."""
    return next((i for i, x in enumerate(polygons) if x.feature_count <= MAX_DEFAULT_POLYGONS), -1)


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _qdate(day: pd.Timestamp) -> QDate:
    return QDate(day.year, day.month, day.day)


class IncidentAnalysisController(WindowController):
    """Keeps the Incident Analysis panel in step with the project and its FixIt layers.

    ``now`` (None: the clock) is the moment open reports are aged to.
    """

    def __init__(
        self,
        panel: IncidentPanel,
        project: Project,
        canvas: MapCanvas,
        workers: WorkerPool | None,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel, self._project, self._canvas = panel, project, canvas
        self._workers, self._status = workers, status
        self.now: pd.Timestamp | None = None
        self._layers: list[VectorLayer] = []
        self._polygons: list[VectorLayer] = []
        self._layer: VectorLayer | None = None
        self._fields: IncidentFields | None = None
        self._generation = 0
        self._answer: IncidentAnswer | None = None
        self.timeline = IncidentTimeline(panel, project.layers, status, self._looked_at)
        self._waiting = False  # an analysis was asked for while the panel was closed
        self._debounce = QTimer(self, singleShot=True, interval=ANALYSIS_DELAY_MS)
        self._debounce.timeout.connect(self.analyse)
        self._watcher = LayerWatcher(project.layers, ["data_changed"], self._on_data_changed)
        for event in ("batch_inserted", "batch_removed", "changed", "moved"):
            self._watcher.connect_list(event, lambda *_a: self.refresh_layers())
        self._density = DensityView(panel.density_view)
        self._connect_panel()
        self.refresh_layers()

    def _connect_panel(self) -> None:
        p = self._panel
        p.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        p.polygon_combo.currentIndexChanged.connect(self._on_polygon_layer_chosen)
        p.label_combo.currentIndexChanged.connect(lambda _i: self.schedule())
        for check_list in (p.categories, p.statuses):
            check_list.checked_changed.connect(self.schedule)
        for edit in (p.start_date, p.end_date):
            edit.dateChanged.connect(lambda _d: self.schedule())
        p.step_unit.currentIndexChanged.connect(lambda _i: self.schedule())
        for spin in (p.distance, p.days):
            spin.valueChanged.connect(lambda _v: self.schedule())
        p.find_duplicates.toggled.connect(lambda _on: self.schedule())
        p.duplicates.currentRowChanged.connect(self.select_duplicate)
        p.visibilityChanged.connect(self._on_visibility)
        p.duplicates.itemClicked.connect(lambda item: self.select_duplicate(p.duplicates.row(item)))

    @guarded_slot
    def _on_visibility(self, visible: bool) -> None:
        if visible and self._waiting:
            self.analyse()
        if not visible and self._panel.isHidden():  # closed, not just covered by another tab
            self.timeline.stop_playing()
        self.timeline.show_on_map()

    def shutdown(self) -> None:
        """Stop the timers, forget pending answers, give the map every report back
        and let go of the layers."""
        self._debounce.stop()
        self._generation += 1
        self.timeline.close()
        self._watcher.close()
        self._density.close()

    @property
    def layer(self) -> VectorLayer | None:
        """The FixIt layer being analysed."""
        return self._layer

    def _looked_at(self) -> tuple[VectorLayer | None, IncidentAnswer | None]:
        return self._layer, self._answer

    @property
    def answer(self) -> IncidentAnswer | None:
        """The latest analysis shown."""
        return self._answer

    # --- layers -------------------------------------------------------------------
    def refresh_layers(self) -> None:
        """Offer the project's FixIt point layers and polygon layers."""
        layers = [layer for layer in self._project.layers if _point_layer(layer)]
        polygons = [layer for layer in self._project.layers if _polygon_layer(layer)]
        chosen = self._layer if self._layer in layers else None
        if chosen is None and layers:
            chosen = next((x for x in layers if is_open311_layer(x.data)), layers[0])
        old_polygon = self._polygon()
        self._layers, self._polygons = layers, polygons
        current = layers.index(chosen) if chosen is not None else -1
        _fill_combo(self._panel.layer_combo, [x.name for x in layers], current)
        keep = polygons.index(old_polygon) if old_polygon in polygons else _district(polygons)
        _fill_combo(self._panel.polygon_combo, ["(none)", *(x.name for x in polygons)], keep + 1)
        if old_polygon is not self._polygon():
            self._fill_label_fields()
        if chosen is not self._layer:
            self._choose_layer(chosen)

    def _polygon(self) -> VectorLayer | None:
        index = self._panel.polygon_combo.currentIndex() - 1
        return self._polygons[index] if 0 <= index < len(self._polygons) else None

    @guarded_slot
    def _on_layer_chosen(self, index: int) -> None:
        self._choose_layer(self._layers[index] if 0 <= index < len(self._layers) else None)

    @guarded_slot
    def _on_polygon_layer_chosen(self, _index: int) -> None:
        self._fill_label_fields()
        self.schedule()

    def _fill_label_fields(self) -> None:
        polygon = self._polygon()
        fields = polygon.fields if polygon is not None else []
        names = [name for name, _dtype in fields]
        texts = [name for name, dtype in fields if dtype in ("str", "object", "string")]
        preferred = next((n for n in texts if "name" in n.lower()), texts[0] if texts else None)
        _fill_combo(self._panel.label_combo, names, names.index(preferred) if preferred else 0)

    def _choose_layer(self, layer: VectorLayer | None) -> None:
        self.timeline.set_slider_on(False)
        if layer is not self._layer:
            self.timeline.release()  # the old layer (or one removed) draws every report again
        self._layer = layer
        self._density.follow(layer)
        self._answer = None
        self._read_layer(keep_choices=False)

    def _read_layer(self, keep_choices: bool) -> None:
        """Read the layer's categories, statuses and dates in a worker, then analyse.

        ``keep_choices``: the same layer's data changed (an edit, a reload):
        the user's ticks, dates and time slider stay as they are.
        """
        layer = self._layer
        self._generation += 1
        if layer is None:
            self._fields = None
            self._panel.summary.setText("No layer with a status and a date field.")
            return
        self._fields = IncidentFields.of(layer.data)
        frame, fields, generation = layer.data, self._fields, self._generation
        if not keep_choices:
            self._panel.summary.setText(f"Reading {layer.name}…")
        run_latest(
            self._workers,
            lambda _progress: layer_overview(frame, fields),
            lambda overview: self._show_overview(generation, overview, keep_choices),
            lambda exc: self._failed(generation, exc),
            f"Reading the reports of {layer.name}",
        )

    def _show_overview(
        self, generation: int, overview: LayerOverview, keep_choices: bool = False
    ) -> None:
        if generation != self._generation:
            return
        p = self._panel
        unticked = (p.categories.unchecked_values(), p.statuses.unchecked_values())
        p.categories.set_values(overview.categories, unticked[0] if keep_choices else frozenset())
        p.statuses.set_values(overview.statuses, unticked[1] if keep_choices else frozenset())
        p.categories.setEnabled(bool(overview.categories))
        if overview.first_day is not None and overview.last_day is not None:
            first, last = _qdate(overview.first_day), _qdate(overview.last_day)
            p.set_date_range(first, last, keep_chosen=keep_choices)
        self.analyse()

    @guarded_slot
    def _on_data_changed(self, layer: VectorLayer) -> None:
        if layer is self._layer:
            # New values and dates, the user's filter kept. The old answer's
            # rows are positions in the old data: dropped. The map keeps what
            # it shows (the display filter hides by fid) until the new answer.
            self._answer = None
            self._read_layer(keep_choices=True)
        elif layer is self._polygon():
            self.schedule()

    # --- analysis -----------------------------------------------------------------
    def current_filter(self) -> IncidentFilter:
        """The filter the widgets describe (dates as whole city-local days)."""
        p = self._panel
        has_categories = self._fields is not None and self._fields.category is not None
        start = pd.Timestamp(p.start_date.date().toString("yyyy-MM-dd"))
        end = pd.Timestamp(p.end_date.date().toString("yyyy-MM-dd"))
        return IncidentFilter(
            categories=p.categories.checked_values() if has_categories else None,
            statuses=p.statuses.checked_values(),
            start=start,
            end=end + pd.Timedelta(days=1),
        )

    def schedule(self) -> None:
        """Analyse again shortly (changes in quick succession make one analysis)."""
        if self._layer is not None:
            self._debounce.start()

    def analyse(self) -> None:
        """Start the analysis of the current choices in a worker now."""
        self._debounce.stop()
        if self._layer is None or self._fields is None:
            return
        if self._panel.isHidden():  # a closed panel waits until it is shown again
            self._waiting = True
            return
        self._waiting = False
        self._generation += 1
        request = self._request()
        run_latest(
            self._workers,
            lambda _progress: analyse_incidents(request),
            self._show_answer,
            lambda exc: self._failed(request.generation, exc),
            f"Analysing {self._layer.name}",
        )

    def _request(self) -> IncidentRequest:
        assert self._layer is not None and self._fields is not None
        p = self._panel
        polygon = self._polygon()
        return IncidentRequest(
            generation=self._generation,
            frame=self._layer.data,
            fields=self._fields,
            filter=self.current_filter(),
            now=self.now if self.now is not None else pd.Timestamp.now(tz="UTC"),
            step_unit="month" if p.step_unit.currentData() == "month" else "week",
            polygons=polygon.data if polygon is not None else None,
            label_field=p.label_combo.currentText() or None,
            duplicates_crs=self._project.crs,
            duplicate_limits=(p.distance.value(), p.days.value())
            if p.find_duplicates.isChecked()
            else None,
        )

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._panel.summary.setText("The analysis failed.")
            report_exception(exc, self.parent_widget())

    def _show_answer(self, answer: IncidentAnswer) -> None:
        if answer.generation != self._generation or self._layer is None:
            return  # an answer to an older question
        self._answer = answer
        p = self._panel
        total = self._layer.feature_count
        p.summary.setText(f"{len(answer.rows):,} of {total:,} reports pass the filter.")
        p.statistics.setText(_statistics_text(answer.statistics))
        fill_table(p.category_table, [_category_row(n, s) for n, s in answer.by_category.items()])
        self._show_counts(answer.counts)
        self._show_duplicates(answer.duplicates)
        p.set_steps(len(answer.steps))
        self.timeline.show_step()

    def _show_counts(self, counts: list[PolygonCount]) -> None:
        rows = [(c.label, c.count, c.open_count) for c in counts]
        fill_table(self._panel.counts_table, list(rows))
        self._panel.chart.set_bars(rows)

    def _show_duplicates(self, groups: list[DuplicateGroup]) -> None:
        panel_list = self._panel.duplicates
        panel_list.blockSignals(True)
        try:
            panel_list.clear()
            for group in groups:
                fids = ", ".join(str(fid) for fid in group.fids)
                text = (
                    f"{group.category}: {len(group.rows)} reports (fid {fids}), "
                    f"{group.distance_m:.0f} m, {group.days:.1f} days apart"
                )
                QListWidgetItem(text, panel_list)
        finally:
            panel_list.blockSignals(False)

    # --- duplicates ---------------------------------------------------------------
    @guarded_slot
    def select_duplicate(self, row: int) -> None:
        """Select the reports of duplicate group ``row`` and zoom to them."""
        answer, layer = self._answer, self._layer
        if answer is None or layer is None or not 0 <= row < len(answer.duplicates):
            return
        # The group's reports pass the panel's filter but may lie outside the
        # slider's step: the whole filter is shown, so they are on the map.
        self.timeline.set_slider_on(False)
        group = answer.duplicates[row]
        layer.selection.apply(np.asarray(group.fids))
        rows = np.asarray(group.rows, dtype=np.intp)
        bounds = shapely.total_bounds(layer.projected(self._project.crs).geometries[rows])
        if np.isfinite(bounds).all():
            extent = (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))
            self._canvas.zoom_to_extent(padded_extent(extent, self._project.min_view_span))
        self._status.showMessage(f"Selected {len(group.rows)} likely duplicate reports", 5000)


def _fill_combo(combo: Any, names: list[str], current: int) -> None:
    combo.blockSignals(True)
    try:
        combo.clear()
        combo.addItems(names)
        combo.setCurrentIndex(current)
    finally:
        combo.blockSignals(False)


def _statistics_text(stats: IncidentStatistics) -> str:
    return (
        f"Reports: {stats.count:,}   Open: {stats.open_count:,}\n"
        f"Age of open reports (days): median {_days(stats.open_age_median)}, "
        f"90th percentile {_days(stats.open_age_p90)}\n"
        f"Time to close (days, {stats.closed_with_dates:,} closed): "
        f"median {_days(stats.close_time_median)}, mean {_days(stats.close_time_mean)}, "
        f"90th percentile {_days(stats.close_time_p90)}"
    )


def _category_row(name: str, stats: IncidentStatistics) -> tuple[object, ...]:
    return (
        name or "(empty)",
        stats.count,
        stats.open_count,
        _days(stats.open_age_median),
        _days(stats.close_time_median),
    )
