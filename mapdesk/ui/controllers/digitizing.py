"""Digitising on the map: Add Feature, the Vertex Tool and snapping, for the layer in edit mode.

The tools work in map coordinates; this controller turns their gestures into
geometries in the layer's CRS and into undoable edits of the current layer.
A new feature gets its attributes from the feature form (with asset templates
and proposed ids and end nodes on network layers); an invalid geometry
is reported with where and why, and the fix (make valid) is offered, never
applied on its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import shapely
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from mapdesk.core.crs import same_crs, transformer
from mapdesk.core.display_filter import among_shown
from mapdesk.core.editing.clipboard import reprojected_keeping_z
from mapdesk.core.editing.reshape import ReshapeError, reshaped
from mapdesk.core.editing.snapping import SnapLayer, SnapSettings, SnapTarget, snap_point
from mapdesk.core.editing.tracking import tracked_values
from mapdesk.core.editing.validity import fixed_geometry
from mapdesk.core.editing.values import kind_text
from mapdesk.core.editing.vertices import (
    inserted_vertex,
    moved_vertex,
    nearest_segment,
    nearest_vertex,
    removed_vertex,
)
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project
from mapdesk.ui.actions import MapActions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.canvas.digitize_tools import (
    GRAB_PX,
    AddFeatureTool,
    FeatureHit,
    FeatureKind,
    MapPoint,
    MoveFeatureTool,
    ReshapeFeaturesTool,
    SplitFeaturesTool,
    VertexTool,
)
from mapdesk.ui.controllers.asset_forms import AssetForms
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.feature_form import FeatureFormDialog
from mapdesk.ui.dialogs.snapping_options import SnappingOptionsDialog
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.workers import guarded_slot

_COLLECTION = 7  # shapely's type id of a GeometryCollection
_KIND_OF_TYPE = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
_MULTI = {
    "point": shapely.multipoints,
    "line": shapely.multilinestrings,
    "polygon": shapely.multipolygons,
}


class DigitizingController(WindowController):
    """Connects the digitising tools to the current layer's edit session."""

    def __init__(
        self,
        canvas: MapCanvas,
        panel: LayerPanel,
        project: Project,
        actions: MapActions,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._canvas, self._panel, self._project = canvas, panel, project
        self._status = status
        self.snapping = SnapSettings()
        #: Templates and proposals for new network nodes and spans.
        self.asset_forms = AssetForms(project)
        self.add_tool = AddFeatureTool(canvas)
        self.vertex_tool = VertexTool(canvas)
        self.split_tool = SplitFeaturesTool(canvas)
        self.split_tool.on_feature = guarded_slot(self.split)
        self.reshape_tool = ReshapeFeaturesTool(canvas)
        self.reshape_tool.on_feature = guarded_slot(self.reshape)
        self.move_tool = MoveFeatureTool(canvas)
        self.move_tool.find_features = self.features_to_move
        self.move_tool.on_move = guarded_slot(self.move_features)
        for tool in (
            self.add_tool,
            self.vertex_tool,
            self.move_tool,
            self.split_tool,
            self.reshape_tool,
        ):
            tool.snapper = self.snap
            canvas.add_tool(tool)
        self.add_tool.on_feature = guarded_slot(self.add_feature)
        self.vertex_tool.find_vertex = self.vertex_at
        self.vertex_tool.find_segment = self.segment_at
        self.vertex_tool.on_move = guarded_slot(self.move_vertex)
        self.vertex_tool.on_insert = guarded_slot(self.insert_vertex)
        self.vertex_tool.on_delete = guarded_slot(self.delete_vertex)
        canvas.map_tool_changed.connect(self._on_tool_changed)
        panel.current_layer_changed.connect(lambda _layer: self._on_layer_changed())
        actions.toggle_snapping.toggled.connect(self._on_snapping_toggled)
        actions.snapping_options.triggered.connect(self._on_snapping_options)
        self._snap_toggle = actions.toggle_snapping

    # --- snapping ----------------------------------------------------------------
    @guarded_slot
    def _on_snapping_toggled(self, enabled: bool) -> None:
        self.snapping = replace(self.snapping, enabled=enabled)
        self._status.showMessage(f"Snapping {'on' if enabled else 'off'}", 3000)

    @guarded_slot
    def _on_snapping_options(self) -> None:
        dialog = SnappingOptionsDialog(
            self.snapping, list(self._project.layers), self.parent_widget()
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.snapping = dialog.settings()
            self._snap_toggle.setChecked(self.snapping.enabled)

    def snap(self, x: float, y: float) -> SnapTarget | None:
        """Where (x, y) snaps to among the snapping layers (None: nowhere near)."""
        if not self.snapping.enabled:
            return None
        crs = self._project.crs
        wanted = self.snapping.layer_ids
        layers: list[SnapLayer] = [
            (layer.name, layer.projected(crs), layer.shown_rows())
            for layer in self._project.layers
            if layer.visible and (wanted is None or layer.id in wanted) and layer.feature_count
        ]
        tolerance = self.snapping.tolerance_px * self._canvas.view.resolution
        return snap_point(layers, x, y, tolerance, self.snapping)

    # --- the layer being edited ---------------------------------------------------------
    def _editing(self) -> VectorLayer | None:
        layer = self._panel.current_layer()
        return layer if layer is not None and layer.is_editing else None

    def _on_tool_changed(self, name: str) -> None:
        layer = self._editing()
        if name == "add_feature" and layer is not None:
            self.add_tool.kind = self._kind(layer)

    def _on_layer_changed(self) -> None:
        """Another layer made current during Add Feature: draw its geometry kind, as QGIS does
        (a line begun for the other layer is dropped)."""
        if self._canvas.map_tool is self.add_tool:
            self.add_tool.deactivate()
            self._on_tool_changed(self.add_tool.name)

    @staticmethod
    def _kind(layer: VectorLayer) -> FeatureKind:
        session = layer.edit_session
        kind = session.geometry_kind if session is not None else None
        if kind is None:
            geometry_type = (layer.geometry_type or "Point").removeprefix("Multi")
            kind = _KIND_OF_TYPE.get(geometry_type, "point")
        return kind  # type: ignore[return-value]

    def _to_layer(self, layer: VectorLayer, geometry: Any) -> Any:
        """A geometry drawn in the map CRS, in the layer's CRS."""
        source, target = self._project.crs, layer.crs
        if source is None or target is None or same_crs(source, target):
            return geometry
        return reprojected_keeping_z(geometry, transformer(source, target))

    def _layer_xy(self, layer: VectorLayer, x: float, y: float) -> tuple[float, float]:
        point = self._to_layer(layer, shapely.Point(x, y))
        return float(point.x), float(point.y)

    # --- Add Feature ----------------------------------------------------------------------
    def add_feature(self, kind: FeatureKind, points: list[MapPoint]) -> int | None:
        """Ask the attributes of the feature drawn and add it; its fid (None: cancelled)."""
        layer = self._editing()
        if layer is None or layer.edit_session is None:
            return None
        drawn = {
            "point": lambda: shapely.Point(points[0]),
            "line": lambda: shapely.LineString(points),
            "polygon": lambda: shapely.Polygon(points),
        }[kind]()
        if layer.geometry_type and layer.geometry_type.startswith("Multi"):
            drawn = _MULTI[kind]([drawn])  # a layer of multi-parts gets one too
        geometry = self._to_layer(layer, drawn)
        session = layer.edit_session
        names = [name for name, _kind in layer.fields]
        tracked = set(tracked_values(names, session.identity, created=True))
        declared = layer.data.attrs.get("field_types") or {}
        fields = [
            (name, kind_text(kind_, declared.get(name)))
            for name, kind_ in layer.fields
            if name not in layer.virtual_fields and name not in tracked
        ]
        tolerance = self.snapping.tolerance_px * self._canvas.view.resolution
        asset = self.asset_forms.for_new_feature(layer, points, tolerance)
        form = FeatureFormDialog(
            layer.name,
            fields,
            session.checked_values,
            self.parent_widget(),
            session.field_rules,
            asset.templates,
            asset.template,
            asset.proposed,
        )
        if form.exec() != QDialog.DialogCode.Accepted:
            self._status.showMessage("Feature not added", 3000)
            return None
        if asset.templates:
            self.asset_forms.remember(layer, form.template_name)
        fid = layer.add_feature(geometry, form.values)
        self._offer_fix(layer, fid)
        return fid

    def _offer_fix(self, layer: VectorLayer, fid: Any) -> None:
        session = layer.edit_session
        problem = session.problems.get(fid) if session is not None else None
        if problem is None:
            self._status.showMessage(f"Feature {fid} added to {layer.name}", 4000)
            return
        answer = QMessageBox.question(
            self.parent_widget(),
            "Invalid geometry",
            f"The geometry of feature {fid} is invalid: {problem.describe()}.\n\n"
            "Fix it now (make it valid)? Fixing is a separate step you can undo.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            layer.change_geometry(fid, fixed_geometry(layer.data.geometry[fid]))

    # --- the Vertex Tool ----------------------------------------------------------------------
    def _hits(self, x: float, y: float, tolerance: float) -> list[tuple[Any, Any]]:
        layer = self._editing()
        if layer is None or not layer.feature_count:
            return []
        projected = layer.projected(self._project.crs)
        rows = among_shown(projected.rows_at(shapely.Point(x, y), tolerance), layer.shown_rows())
        # GeometryCollections have no vertex numbering to edit: left alone.
        rows = rows[shapely.get_type_id(projected.geometries[rows]) != _COLLECTION]
        return list(zip(layer.fids(rows), projected.geometries[rows], strict=True))

    def vertex_at(self, x: float, y: float, tolerance: float) -> FeatureHit | None:
        """The vertex of the edited layer nearest (x, y) in map units."""
        best: FeatureHit | None = None
        best_distance = tolerance
        for fid, geometry in self._hits(x, y, tolerance):
            hit = nearest_vertex(geometry, x, y, best_distance)
            if hit is not None:
                best_distance = float(np.hypot(hit.x - x, hit.y - y))
                best = FeatureHit(fid, hit)
        return best

    def segment_at(self, x: float, y: float, tolerance: float) -> FeatureHit | None:
        """The edge of the edited layer nearest (x, y), for inserting a vertex."""
        for fid, geometry in self._hits(x, y, tolerance):
            hit = nearest_segment(geometry, x, y, tolerance)
            if hit is not None:
                return FeatureHit(fid, hit)
        return None

    # --- Split Features -------------------------------------------------------------------
    def split(self, _kind: FeatureKind, points: list[MapPoint]) -> list[Any]:
        """Cut the selected features (or all the map shows) the drawn line crosses; the
        new fids."""
        layer = self._editing()
        if layer is None or layer.edit_session is None:
            return []
        line = self._to_layer(layer, shapely.LineString(points))
        selected = layer.selection.fids.tolist()
        if selected:
            candidates = selected
        else:
            hits = np.flatnonzero(layer.data.geometry.intersects(line).to_numpy())
            candidates = layer.data.index[among_shown(hits, layer.shown_rows())].tolist()
        new = layer.edit_session.split_features(line, candidates)
        if new:
            self._status.showMessage(f"{len(new)} new features split off in {layer.name}", 5000)
        else:
            self._status.showMessage("The line does not cut across any feature", 5000)
        return new

    # --- Reshape Features ------------------------------------------------------------------
    def reshape(self, _kind: FeatureKind, points: list[MapPoint]) -> list[Any]:
        """Reshape the selected features (or those the map shows that the line meets);
        the fids reshaped."""
        layer = self._editing()
        if layer is None or layer.edit_session is None:
            return []
        line = self._to_layer(layer, shapely.LineString(points))
        # The grab tolerance in the layer's units: ends must land on a line's line.
        start = self._to_layer(layer, shapely.Point(points[0]))
        nudged = (points[0][0] + GRAB_PX * self._canvas.view.resolution, points[0][1])
        tolerance = float(start.distance(self._to_layer(layer, shapely.Point(nudged))))
        selected = layer.selection.fids.tolist()
        near = np.flatnonzero(layer.data.geometry.distance(line).to_numpy() <= tolerance)
        candidates = selected or layer.data.index[among_shown(near, layer.shown_rows())].tolist()
        shapes = {}
        for fid in candidates:
            try:
                shapes[fid] = reshaped(layer.data.geometry[fid], line, tolerance)
            except ReshapeError:
                continue
        if not shapes:
            self._status.showMessage("The line does not reshape any feature", 5000)
            return []
        noun = "feature" if len(shapes) == 1 else f"{len(shapes)} features"
        layer.edit_session.change_geometries(shapes, f"Reshape {noun}")
        for fid in shapes:
            self._offer_fix(layer, fid)
        return list(shapes)

    # --- Move Feature(s) -------------------------------------------------------------------
    def features_to_move(self, x: float, y: float, tolerance: float) -> list[tuple[Any, Any]]:
        """(fid, geometry in map CRS) of what a drag from (x, y) moves: the selected
        features when it starts on one of them, else the feature under the mouse."""
        layer = self._editing()
        if layer is None or not layer.feature_count:
            return []
        projected = layer.projected(self._project.crs)
        rows = among_shown(projected.rows_at(shapely.Point(x, y), tolerance), layer.shown_rows())
        if not len(rows):
            return []
        fids = layer.fids(rows)
        selected = set(layer.selection.fids.tolist())
        if selected & set(fids):
            all_rows = np.flatnonzero(layer.data.index.isin(list(selected)))
            return list(zip(layer.fids(all_rows), projected.geometries[all_rows], strict=True))
        return [(fids[0], projected.geometries[rows[0]])]

    def move_features(self, fids: list[Any], dx: float, dy: float) -> None:
        """Move features by (dx, dy) map units, one undo step."""
        layer = self._editing()
        if layer is None or layer.edit_session is None:
            return
        rows = np.flatnonzero(layer.data.index.isin(fids))
        # The layer's own geometries (with their heights), into the map CRS to move.
        own = np.asarray(layer.data.geometry.array[rows], dtype=object)
        source, target = layer.crs, self._project.crs
        if source is not None and target is not None and not same_crs(source, target):
            own = reprojected_keeping_z(own, transformer(source, target))
        offset = np.array([dx, dy, 0.0])  # heights stay where they were
        moved = shapely.transform(own, lambda coords: coords + offset, include_z=True)
        layer_fids = layer.fids(rows)
        geometries = {
            fid: self._to_layer(layer, geometry)
            for fid, geometry in zip(layer_fids, moved, strict=True)
        }
        noun = "feature" if len(geometries) == 1 else f"{len(geometries)} features"
        layer.edit_session.change_geometries(geometries, f"Move {noun}")

    def move_vertex(self, fid: Any, index: int, x: float, y: float) -> None:
        layer = self._editing()
        if layer is None:
            return
        lx, ly = self._layer_xy(layer, x, y)
        layer.change_geometry(fid, moved_vertex(layer.data.geometry[fid], index, lx, ly))
        self._offer_fix(layer, fid)

    def insert_vertex(self, fid: Any, after: int, x: float, y: float) -> None:
        layer = self._editing()
        if layer is None:
            return
        lx, ly = self._layer_xy(layer, x, y)
        layer.change_geometry(fid, inserted_vertex(layer.data.geometry[fid], after, lx, ly))

    def delete_vertex(self, fid: Any, index: int) -> None:
        layer = self._editing()
        if layer is None:
            return
        layer.change_geometry(fid, removed_vertex(layer.data.geometry[fid], index))
