"""Analysis ▸ Radio Coverage…: the addresses and road length outside radio coverage, per PSAP.

The dialog's choices are read (io.analysis_inputs) and measured
(core.analysis.radio) in a worker; the coverage areas (a soft fill) and what
lies outside them (in red) replace the previous run's layers, and the Radio
Coverage panel lists, per PSAP, the share of addresses and of road length
outside. Export… writes what ``mapdesk radio-coverage`` writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.analysis.radio import RadioCoverage, Tally, radio_coverage
from mapdesk.core.analysis.radio.report import coverage_lines, share_text, tally_line
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.export.analysis_results import (
    ADDRESSES_LAYER,
    AREAS_LAYER,
    ROADS_LAYER,
    radio_layers,
    write_radio_results,
)
from mapdesk.io.analysis_inputs import RadioLayers, read_radio_inputs
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.analysis_run import AnalysisRun, snapshot
from mapdesk.ui.dialogs.radio_coverage import RadioCoverageDialog, RadioCoverageRequest
from mapdesk.ui.views.analysis_result_panel import FINE, PROBLEM, AnalysisResultPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import ProgressCallback, Worker, WorkerPool

#: The result layers' names in the project, bottom to top.
LAYER_NAMES = {
    AREAS_LAYER: "Radio coverage areas",
    ROADS_LAYER: "Road outside radio coverage",
    ADDRESSES_LAYER: "Addresses outside radio coverage",
}
#: Coverage a soft purple fill (the map below reads through); what is outside it, red.
LAYER_STYLES = {
    AREAS_LAYER: LayerStyle("#911eb4", "#911eb4", fill_opacity=0.12, stroke_width=1.2),
    ROADS_LAYER: LayerStyle("#d7191c", "#d7191c", stroke_width=2.4),
    ADDRESSES_LAYER: LayerStyle("#d7191c", "#7a0000", stroke_width=0.8, marker_size=5.0),
}
#: The panel's columns.
HEADERS = ("Area", "Addresses outside", "Road outside")


def radio_panel(parent: QWidget) -> AnalysisResultPanel:
    """The Radio Coverage panel (docked by the main window)."""
    panel = AnalysisResultPanel("Radio Coverage", "radioCoverage", HEADERS, parent)
    panel.clear("Analysis ▸ Radio Coverage… fills this panel.")
    return panel


class RadioCoverageController(AnalysisRun):
    """Owns ``action`` (objectName ``actionRadioCoverage``) and the Radio Coverage panel.

    Attributes
    ----------
    result
        The last result shown (tests, scripts).
    """

    ACTION_NAME = "actionRadioCoverage"
    TIP = "The addresses and road length outside radio tower coverage, per PSAP"

    def __init__(
        self,
        panel: AnalysisResultPanel,
        project: Project,
        canvas: MapCanvas,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__("Radio Coverage", panel, project, canvas, workers, status, parent_widget)
        self.result: RadioCoverage | None = None
        self._request: RadioCoverageRequest | None = None

    def open_dialog(self) -> None:
        dialog = RadioCoverageDialog(list(self._project.layers), self.parent_widget())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.run(dialog.request())

    def run(self, request: RadioCoverageRequest) -> Worker:
        """Measure in a worker; the result replaces the last one when it comes."""

        chosen = request.layers
        layers = RadioLayers(
            snapshot(chosen.towers),
            snapshot(chosen.psap),
            snapshot(chosen.addresses),
            snapshot(chosen.roads),
        )

        def work(progress: ProgressCallback) -> RadioCoverage:
            progress(5, "reading the layers")
            inputs = read_radio_inputs(
                layers,
                request.rule,
                request.include_planned,
                request.rasters,
                lambda step: progress(20, step),
            )
            progress(40, "measuring coverage")
            result = radio_coverage(inputs)
            progress(100, "done")
            return result

        return self.start(work, lambda result: self._show(request, result))

    def _show(self, request: RadioCoverageRequest, result: RadioCoverage) -> None:
        self.result, self._request = result, request
        bottom_up = sorted(radio_layers(result), key=lambda x: list(LAYER_NAMES).index(x.name))
        self.replace_layers(bottom_up, LAYER_NAMES, LAYER_STYLES)
        used = [x for x in (request.layers.towers, request.layers.psap) if x is not None]
        measured = [x for x in (request.layers.addresses, request.layers.roads) if x is not None]
        self.offer_export(_writer(result), [*used, *measured])
        self._fill_panel(result)
        overall = result.overall
        self._status.showMessage(
            f"Radio coverage: {overall.addresses_outside:,} addresses and "
            f"{overall.road_outside_m / 1000:,.2f} km of road outside",
            15000,
        )

    def _fill_panel(self, result: RadioCoverage) -> None:
        panel = self.panel
        panel.clear("\n".join(coverage_lines(result)))
        rows: list[tuple[Tally, Any]] = [(result.overall, ("all", None))]
        rows += [(tally, ("psap", tally.fid)) for tally in result.psaps]
        outside = result.outside_psaps
        if outside is not None and (outside.addresses or outside.road_m):
            rows.append((outside, None))
        for tally, key in rows:
            outside_any = tally.addresses_outside > 0 or tally.road_outside_m > 0
            item = panel.add_row(_cells(tally), key=key, color=PROBLEM if outside_any else FINE)
            for column in range(len(HEADERS)):
                item.setToolTip(column, tally_line(tally) + (" (click to zoom)" if key else ""))
        panel.set_notes(result.notes)
        panel.finish()

    def zoom_to_row(self, key: Any) -> None:
        """A PSAP row: zoom to its polygon; All data: to everything outside coverage."""
        request = self._request
        if request is None:
            return
        kind, fid = key
        if kind == "psap":
            self.zoom_to_features(request.layers.psap, [fid])
            return
        names = (ADDRESSES_LAYER, ROADS_LAYER, AREAS_LAYER)
        made = [x for n in names if (x := self.layer_named(LAYER_NAMES[n])) is not None]
        shown = next((x for x in made if x in self._project.layers), None)
        if shown is not None:
            self._canvas.zoom_to_extent(self._project.layer_extent(shown))
        elif made:
            self.still_open(made[0])  # removed: says so


def _cells(tally: Tally) -> list[str]:
    """A tally's row: its name, the addresses and the road length outside, with their share.

    Short enough for a narrow panel; the totals are in the row's tooltip.
    """
    addresses = (
        f"{tally.addresses_outside:,}{share_text(tally.addresses_outside_pct)}"
        if tally.addresses
        else "–"
    )
    road = (
        f"{tally.road_outside_m / 1000:,.2f} km{share_text(tally.road_outside_pct)}"
        if tally.road_m > 0
        else "–"
    )
    return [tally.name, addresses, road]


def _writer(result: RadioCoverage) -> Any:
    def write(target: Path, report: Path, sources: Sequence[Path]) -> object:
        return write_radio_results(result, target, report, sources)

    return write
