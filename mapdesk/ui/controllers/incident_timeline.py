"""The Incident Analysis panel's time slider, Play, and "Show only these reports on the map".

While the panel is open and its box is ticked, the FixIt layer's display
filter draws only the reports that pass the panel's filter, and only the
slider's step when the time slider is on, as QGIS's temporal controller does.
Stepping through time is looking, not choosing: the user's selection is left
alone until they press Select These Reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer

from mapdesk.core.analysis.incident_summary import IncidentAnswer
from mapdesk.core.analysis.incidents import Rows, TimeStep, rows_in_step
from mapdesk.core.layer import VectorLayer
from mapdesk.core.layer_list import LayerList
from mapdesk.ui.controllers.incident_map import ReportsOnMap
from mapdesk.ui.views.incident_panel import IncidentPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import guarded_slot

#: Time between steps while playing.
PLAY_INTERVAL_MS = 800


@dataclass(frozen=True)
class CurrentReports:
    """The reports the panel looks at: their rows, why (for the layer panel), the step."""

    rows: Rows
    reason: str
    step: TimeStep | None = None


class IncidentTimeline(QObject):
    """Steps through an analysis's weeks or months and shows the current reports on the map.

    Parameters
    ----------
    panel, layers, status
        The Incident Analysis panel, the project's layers and the status bar.
    looked_at
        Returns the layer and the answer the panel shows now (either may be None).
    """

    def __init__(
        self,
        panel: IncidentPanel,
        layers: LayerList,
        status: MapStatusBar,
        looked_at: Callable[[], tuple[VectorLayer | None, IncidentAnswer | None]],
    ) -> None:
        super().__init__(panel)
        self._panel, self._status, self._looked_at = panel, status, looked_at
        self._map = ReportsOnMap(layers, self._on_shown_all)
        self._player = QTimer(self, interval=PLAY_INTERVAL_MS)
        self._player.timeout.connect(self._advance)
        panel.time_group.toggled.connect(self._on_time_toggled)
        panel.slider.valueChanged.connect(lambda _v: self.show_step())
        panel.play_button.toggled.connect(self._on_play)
        panel.show_on_map.toggled.connect(lambda _on: self.show_on_map())
        panel.select_shown.clicked.connect(self._on_select_shown)

    def close(self) -> None:
        """Stop playing and give the map every report back."""
        self._player.stop()
        self._map.close()

    def release(self) -> None:
        """Draw every report of the layer filtered so far (another layer is being chosen)."""
        self._map.release()

    def stop_playing(self) -> None:
        self._panel.play_button.setChecked(False)

    def set_slider_on(self, on: bool) -> None:
        self._panel.time_group.setChecked(on)  # toggled -> _on_time_toggled

    @guarded_slot
    def _on_time_toggled(self, on: bool) -> None:
        if not on:
            self.stop_playing()
            self._panel.step_label.clear()
        self.show_step()

    def show_step(self) -> None:
        """Say what the slider's step holds (when the slider is on) and show it on the map."""
        p = self._panel
        current = self.current_reports()
        if p.time_group.isChecked() and self._looked_at()[1] is not None:
            if current is None or current.step is None:
                p.step_label.setText("No reports to step through.")
            else:
                p.step_label.setText(f"{current.step.label}: {len(current.rows):,} reports")
        self._show_on_map(current)

    def current_reports(self) -> CurrentReports | None:
        """The reports the panel looks at: those passing its filter, only the slider's
        step when the slider is on. None before an analysis of the layer's data."""
        layer, answer = self._looked_at()
        if answer is None or layer is None or not _fits(answer, layer):
            return None
        if not (self._panel.time_group.isChecked() and answer.steps):
            return CurrentReports(answer.rows, "Incident Analysis filter")
        step = answer.steps[min(self._panel.slider.value(), len(answer.steps) - 1)]
        rows = rows_in_step(answer.dates, step, answer.rows)
        return CurrentReports(rows, f"Incident Analysis time slider: {step.label}", step)

    def show_on_map(self) -> None:
        """Draw only the current reports while the panel is open and its box ticked."""
        self._show_on_map(self.current_reports())

    def _show_on_map(self, current: CurrentReports | None) -> None:
        layer = self._looked_at()[0]
        wanted = self._panel.show_on_map.isChecked() and not self._panel.isHidden()
        if layer is None or not wanted:
            self._map.release()  # every report
        elif current is not None:
            self._map.show(layer, current.rows, current.reason)
        # else nothing is known of this data yet (it is being read again after
        # an edit): the map keeps what it shows until the answer comes.

    def _on_shown_all(self, layer: VectorLayer) -> None:
        # Show All Features in the layer panel: untick the box, or the next
        # step would put the filter straight back.
        self._panel.show_on_map.setChecked(False)
        self._status.showMessage(f"{layer.name}: every report is drawn again", 5000)

    @guarded_slot
    def _on_select_shown(self) -> None:
        layer, current = self._looked_at()[0], self.current_reports()
        if layer is None or current is None:
            return
        layer.selection.apply(layer.data.index.to_numpy()[current.rows])
        when = f" of {current.step.label}" if current.step is not None else ""
        self._status.showMessage(f"Selected the {len(current.rows):,} reports{when}", 5000)

    @guarded_slot
    def _on_play(self, playing: bool) -> None:
        self._panel.play_button.setText("Pause" if playing else "Play")
        if not playing:
            self._player.stop()
            return
        if not self._panel.time_group.isChecked():
            self.set_slider_on(True)
        if self._panel.slider.value() >= self._panel.slider.maximum():
            self._panel.slider.setValue(0)  # play again from the start
        self._player.start()

    @guarded_slot
    def _advance(self) -> None:
        slider = self._panel.slider
        if slider.value() >= slider.maximum():
            self.stop_playing()
            return
        slider.setValue(slider.value() + 1)


def _fits(answer: IncidentAnswer, layer: VectorLayer) -> bool:
    """True when ``answer``'s row positions still describe the layer (no rows added or removed)."""
    return len(answer.dates) == layer.feature_count
