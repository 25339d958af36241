"""Analysis ▸ Boundary QA…: gaps, overlaps and misrouting candidates in the service boundaries.

The dialog's layers are read (io.analysis_inputs) and checked
(core.analysis.boundaries) in a worker; the findings (coloured by kind) and
the misrouting candidates (red triangles) replace the previous run's
layers, and the Boundary QA panel lists each finding and candidate: a click
zooms to it and selects it. Export… writes what ``mapdesk boundaries check``
writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from mapdesk.core.analysis.boundaries import KINDS, BoundaryCheck, boundary_check
from mapdesk.core.analysis.boundaries.findings import format_area
from mapdesk.core.analysis.boundaries.report import count_lines, finding_counts
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.core.style import LayerStyle
from mapdesk.core.symbology import Symbology, categorize
from mapdesk.export.analysis_results import (
    CANDIDATES_LAYER,
    FINDINGS_LAYER,
    boundary_layers,
    write_boundary_results,
)
from mapdesk.io.analysis_inputs import read_boundary_inputs
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.analysis_run import AnalysisRun, snapshot
from mapdesk.ui.dialogs.boundary_qa import BoundaryQaDialog, BoundaryQaRequest
from mapdesk.ui.views.analysis_result_panel import FINE, PROBLEM, AnalysisResultPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import ProgressCallback, Worker, WorkerPool

#: The result layers' names in the project.
LAYER_NAMES = {FINDINGS_LAYER: "Boundary findings", CANDIDATES_LAYER: "Misrouting candidates"}
LAYER_STYLES = {
    FINDINGS_LAYER: LayerStyle("#e41a1c", "#7a0000", stroke_width=1.4, fill_opacity=0.55),
    CANDIDATES_LAYER: LayerStyle(
        "#d7191c", "#ffffff", stroke_width=0.8, marker_size=9.0, marker_shape="triangle"
    ),
}
#: Each kind of finding in its own colour (ColorBrewer Set1), overlaps first.
KIND_COLOURS = {
    "overlap": "#e41a1c",
    "gap": "#ff7f00",
    "uncovered": "#984ea3",
    "overshoot": "#377eb8",
    "municipality_split": "#a65628",
}
#: The panel's columns: a finding's area (a candidate's address), its layer (town), what.
HEADERS = ("Where", "Layer / town", "Finding")
#: Candidates listed in the panel (all of them are in the layer).
MAX_LISTED = 500


def boundary_panel(parent: QWidget) -> AnalysisResultPanel:
    """The Boundary QA panel (docked by the main window)."""
    panel = AnalysisResultPanel("Boundary QA", "boundaryQa", HEADERS, parent)
    panel.clear("Analysis ▸ Boundary QA… fills this panel.")
    return panel


def _by_kind(layer: VectorLayer) -> Symbology:
    return categorize(
        layer.data, "kind", layer.style, colors=KIND_COLOURS, order=tuple(KIND_COLOURS)
    )


class BoundaryQaController(AnalysisRun):
    """Owns ``action`` (objectName ``actionBoundaryQa``) and the Boundary QA panel.

    Attributes
    ----------
    check
        The last check shown (tests, scripts).
    """

    ACTION_NAME = "actionBoundaryQa"
    TIP = "Gaps and overlaps in the PSAP and service boundaries, and misrouting candidates"

    def __init__(
        self,
        panel: AnalysisResultPanel,
        project: Project,
        canvas: MapCanvas,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__("Boundary QA", panel, project, canvas, workers, status, parent_widget)
        self.check: BoundaryCheck | None = None

    def open_dialog(self) -> None:
        dialog = BoundaryQaDialog(list(self._project.layers), self.parent_widget())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.run(dialog.request())

    def run(self, request: BoundaryQaRequest) -> Worker:
        """Check in a worker; the result replaces the last one when it comes."""

        services = {key: snapshot(layer) for key, layer in request.services.items()}
        municipalities, addresses = snapshot(request.municipalities), snapshot(request.addresses)

        def work(progress: ProgressCallback) -> BoundaryCheck:
            progress(5, "reading the layers")
            inputs = read_boundary_inputs(
                services,
                municipalities,
                addresses,
                request.sliver_m2,
                request.expected_table,
            )
            progress(30, "checking boundaries")
            check = boundary_check(inputs)
            progress(100, "done")
            return check

        return self.start(work, lambda check: self._show(request, check))

    def _show(self, request: BoundaryQaRequest, check: BoundaryCheck) -> None:
        self.check = check
        self.replace_layers(
            boundary_layers(check), LAYER_NAMES, LAYER_STYLES, {FINDINGS_LAYER: _by_kind}
        )
        sources = [*request.services.values(), request.municipalities, request.addresses]
        self.offer_export(_writer(check), [x for x in sources if x is not None])
        self._fill_panel(check)
        found, candidates = len(check.findings.found), len(check.candidates)
        self._status.showMessage(
            f"Boundary QA: {found} finding{'s' if found != 1 else ''}, "
            f"{candidates} misrouting candidate{'s' if candidates != 1 else ''}",
            15000,
        )

    def _fill_panel(self, check: BoundaryCheck) -> None:
        panel = self.panel
        counts = finding_counts(check)
        panel.clear("\n".join(count_lines(check)))
        if check.clean:
            panel.add_row(["No gaps, overlaps or misrouting candidates"], color=FINE)
        self._list_findings(check, counts)
        self._list_candidates(check)
        panel.set_notes(check.notes)
        panel.finish()

    def _list_findings(self, check: BoundaryCheck, counts: dict[str, int]) -> None:
        groups = {
            kind: self.panel.add_row(
                [f"{kind.replace('_', ' ').capitalize()} ({n})"], color=PROBLEM
            )
            for kind, n in counts.items()
            if n
        }
        for kind, group in groups.items():
            group.setToolTip(0, KINDS[kind])
        for row, finding in enumerate(check.findings.found):
            cells = [format_area(finding.area_m2), finding.layer, finding.message]
            self.panel.add_row(cells, groups[finding.kind], key=("finding", row))

    def _list_candidates(self, check: BoundaryCheck) -> None:
        if not check.candidates:
            return
        shown = check.candidates[:MAX_LISTED]
        title = f"Misrouting candidates ({len(check.candidates)})"
        if len(shown) < len(check.candidates):
            title += f": the first {len(shown)} listed, all in the layer"
        group = self.panel.add_row([title], color=PROBLEM)
        for row, candidate in enumerate(shown):
            where = candidate.psap_found or "no PSAP"
            cells = [
                candidate.address or f"fid {candidate.fid}",
                candidate.municipality,
                f"in {where}, expected {candidate.psap_expected}",
            ]
            self.panel.add_row(cells, group, key=("candidate", row))

    def zoom_to_row(self, key: Any) -> None:
        """Zoom to a finding or a candidate address and select it in its layer."""
        kind, row = key
        name = FINDINGS_LAYER if kind == "finding" else CANDIDATES_LAYER
        layer = self.layer_named(LAYER_NAMES[name])
        # By position: the features keep the panel's order, but their fids
        # become the exported file's (from 1) once Export… has written them.
        if layer is not None and row < layer.feature_count:
            self.zoom_to_features(layer, [layer.data.index[row]])


def _title(kind: str) -> str:
    """``municipality_split`` as a group title: ``Municipality split``."""
    return kind.replace("_", " ").capitalize()


def _writer(check: BoundaryCheck) -> Any:
    def write(target: Path, report: Path, sources: Sequence[Path]) -> object:
        return write_boundary_results(check, target, report, sources)

    return write
