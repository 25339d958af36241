"""The measure tools' figures in the Measure panel."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from mapdesk.core.errors import MapdeskError
from mapdesk.core.measure import measure
from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.canvas.measure_tool import MeasureState
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.views.measure_panel import MeasurePanel


class MeasureController(WindowController):
    """Shows the panel when a measure tool is chosen and keeps its figures current."""

    def __init__(
        self,
        canvas: MapCanvas,
        panel: MeasurePanel,
        project: Project,
        actions: MapActions,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._canvas, self._panel, self._project = canvas, panel, project
        self._state: MeasureState | None = None
        canvas.measure_changed.connect(self.show_state)
        canvas.map_tool_changed.connect(self._on_tool)
        panel.options_changed.connect(lambda: self.show_state(self._state))
        # Lengths in feet where the map's grid is in feet (Maine's state plane
        # users expect it), metres otherwise.
        self._default_units()
        project.crs_changed.connect(lambda _crs: self._default_units())

    def _default_units(self) -> None:
        crs = self._project.crs
        unit = crs.axis_info[0].unit_name if crs is not None and crs.axis_info else ""
        feet = "foot" in unit.lower()
        self._panel.length_unit.setCurrentText("ft" if feet else "m")
        self._panel.area_unit.setCurrentText("ft²" if feet else "m²")

    def _on_tool(self, name: str) -> None:
        if name.startswith("measure"):
            self._panel.show()
            self._panel.raise_()

    def show_state(self, state: MeasureState | None) -> None:
        self._state = state
        if state is None:
            return
        points = state.all_points()
        try:
            figures = measure(
                points, self._project.crs, self._panel.ellipsoidal.isChecked(), state.area
            )
        except MapdeskError as error:
            self._panel.show_problem(str(error))
            return
        self._panel.show_measurement(figures, state.area)
