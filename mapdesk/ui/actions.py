"""The application's QActions, with QGIS's words, shortcuts and icons.

Actions are created here and wired by controllers; menus and toolbars only
place them. objectNames are stable (``actionAddLayer`` ...) for automation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from mapdesk.ui.icons import icon


@dataclass(frozen=True)
class MapActions:
    """Every action of the main window."""

    open_project: QAction
    save_project: QAction
    save_project_as: QAction
    quit: QAction
    add_layer: QAction
    import_incidents: QAction
    remove_layer: QAction
    layer_properties: QAction
    set_layer_crs: QAction
    zoom_to_layer: QAction
    pan: QAction
    zoom_in: QAction
    zoom_out: QAction
    zoom_full: QAction
    identify: QAction
    select: QAction
    select_polygon: QAction
    select_radius: QAction
    measure_line: QAction
    measure_area: QAction
    add_feature: QAction
    vertex_tool: QAction
    move_feature: QAction
    split_features: QAction
    reshape_features: QAction
    merge_features: QAction
    copy_features: QAction
    paste_features: QAction
    toggle_snapping: QAction
    snapping_options: QAction
    select_by_expression: QAction
    select_by_location: QAction
    select_all: QAction
    invert_selection: QAction
    deselect_all: QAction
    zoom_to_selection: QAction
    open_attribute_table: QAction
    layer_style: QAction
    save_style: QAction
    load_style: QAction
    set_project_crs: QAction
    toggle_editing: QAction
    save_edits: QAction
    save_edits_as: QAction
    refresh_layer: QAction
    export_layer: QAction
    cut_impact: QAction
    check_network: QAction
    trace_network: QAction
    trace_with_cuts: QAction
    export_map_layout: QAction
    export_web_map: QAction
    export_qgis_project: QAction
    repair_source: QAction
    new_bookmark: QAction
    rollback_edits: QAction
    undo: QAction
    redo: QAction
    delete_selected: QAction
    about: QAction
    map_tools: QActionGroup

    def all(self) -> list[QAction]:
        return [a for f in fields(self) if isinstance(a := getattr(self, f.name), QAction)]

    def layer_actions(self) -> list[QAction]:
        """Actions that need a current layer (disabled when none is selected)."""
        return [
            self.remove_layer,
            self.layer_properties,
            self.set_layer_crs,
            self.zoom_to_layer,
            self.open_attribute_table,
            self.export_layer,
            self.layer_style,
            self.save_style,
            self.load_style,
            self.select_by_expression,
            self.select_all,
            self.invert_selection,
        ]

    def selection_tools(self) -> list[QAction]:
        return [self.select, self.select_polygon, self.select_radius]


def _action(
    parent: QObject,
    object_name: str,
    text: str,
    icon_name: str | None = None,
    shortcut: str = "",
    tip: str = "",
) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(object_name)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    tip = tip or text.replace("…", "").replace("&", "")
    shortcut_text = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({shortcut_text})" if shortcut_text else tip)
    action.setStatusTip(tip)
    return action


def _map_tool(parent: QObject, group: QActionGroup, *args: str) -> QAction:
    action = _action(parent, *args)
    action.setCheckable(True)
    group.addAction(action)
    return action


# field, objectName, text, icon, shortcut, tooltip ("" = the text)
_COMMANDS = (
    ("open_project", "actionOpenProject", "&Open…", "open_project", "Ctrl+O", ""),
    ("save_project", "actionSaveProject", "&Save", "save_project", "Ctrl+S", ""),
    ("save_project_as", "actionSaveProjectAs", "Save &As…", "save_project_as", "Ctrl+Shift+S", ""),
    ("quit", "actionQuit", "&Quit", "quit", "Ctrl+Q", "Quit mapdesk"),
    ("add_layer", "actionAddLayer", "Add &Vector Layer…", "add_layer", "Ctrl+Shift+V", ""),
    (
        "import_incidents",
        "actionImportIncidents",
        "Import &FixIt Reports…",
        "add_layer",
        "",
        "FixIt reports from an Open311 GeoReport v2 file (.json/.xml), SeeClickFix JSON or "
        "the CRM's CSV export, with a report of any record left out and why",
    ),
    ("remove_layer", "actionRemoveLayer", "&Remove Layer", "remove_layer", "Ctrl+D", ""),
    ("layer_properties", "actionLayerProperties", "Layer &Properties…", "properties", "", ""),
    (
        "layer_style",
        "actionLayerStyle",
        "S&ymbology…",
        "symbology",
        "F7",
        "Style the current layer: one symbol, categories or graduated classes",
    ),
    (
        "save_style",
        "actionSaveStyle",
        "Save St&yle…",
        "save_project_as",
        "",
        "Save the current layer's style to a file",
    ),
    (
        "load_style",
        "actionLoadStyle",
        "&Load Style…",
        "open_project",
        "",
        "Apply a style file to the current layer",
    ),
    ("set_layer_crs", "actionSetLayerCrs", "Set Layer &CRS…", "crs", "", ""),
    ("zoom_to_layer", "actionZoomToLayer", "Zoom to &Layer", "zoom_layer", "Ctrl+Shift+L", ""),
    ("zoom_full", "actionZoomFull", "Zoom &Full", "zoom_full", "Ctrl+Shift+F", ""),
    (
        "open_attribute_table",
        "actionOpenAttributeTable",
        "Open &Attribute Table",
        "attribute_table",
        "F6",
        "Open the attribute table of the current layer",
    ),
    ("set_project_crs", "actionSetProjectCrs", "Set Project &CRS…", "crs", "", ""),
    (
        "select_by_expression",
        "actionSelectByExpression",
        "Select by &Expression…",
        "select_expression",
        "Ctrl+F3",
        "Select features of the current layer with an expression",
    ),
    (
        "select_by_location",
        "actionSelectByLocation",
        "Select by &Location…",
        "select_location",
        "",
        "Select features by where they are relative to another layer's",
    ),
    ("select_all", "actionSelectAll", "Select &All Features", "select_all", "Ctrl+A", ""),
    (
        "invert_selection",
        "actionInvertSelection",
        "&Invert Feature Selection",
        "invert_selection",
        "",
        "",
    ),
    (
        "deselect_all",
        "actionDeselectAll",
        "&Deselect Features from All Layers",
        "deselect",
        "Ctrl+Alt+A",
        "",
    ),
    (
        "zoom_to_selection",
        "actionZoomToSelected",
        "Zoom to &Selection",
        "zoom_selection",
        "Ctrl+J",
        "",
    ),
    (
        "toggle_editing",
        "actionToggleEditing",
        "Toggle &Editing",
        "toggle_editing",
        "",
        "Switch edit mode of the current layer on or off",
    ),
    (
        "save_edits",
        "actionSaveEdits",
        "Save Layer Edi&ts",
        "save_edits",
        "",
        "Write the current layer's edits to its file",
    ),
    (
        "save_edits_as",
        "actionSaveEditsAs",
        "Save Edits As &GeoPackage…",
        "save_project_as",
        "",
        "Write the current layer, edits included, to a new GeoPackage and go on editing that",
    ),
    (
        "refresh_layer",
        "actionRefreshLayer",
        "Re&fresh Layer from Source",
        None,
        "F5",
        "Read the current layer again: others' saved changes to a shared (PostGIS) table",
    ),
    (
        "new_bookmark",
        "actionNewBookmark",
        "New Spatial &Bookmark…",
        None,
        "Ctrl+B",
        "Name the current view to come back to it (View ▸ Panels ▸ Spatial Bookmarks)",
    ),
    (
        "repair_source",
        "actionRepairDataSource",
        "Repair Data &Source…",
        "warning",
        "",
        "Point a layer whose file was not found at the file's new place",
    ),
    (
        "export_layer",
        "actionSaveFeaturesAs",
        "Save Features &As…",
        "save_project_as",
        "",
        "Export the current layer (or its selected features) to GeoPackage, Shapefile, "
        "GeoJSON, KML, FlatGeobuf, GeoParquet or CSV, after a check of what the format changes",
    ),
    (
        "cut_impact",
        "actionCutImpact",
        "&Cut Impact of Selected Spans",
        None,
        "",
        "Which sites, towers and the 9-1-1 centre lose their path to the network core if the "
        "selected spans are cut",
    ),
    (
        "check_network",
        "actionCheckNetwork",
        "Check Network &Connectivity",
        None,
        "",
        "List spans whose ends meet no node, nodes with no span, ids used twice or missing, "
        "from/to nodes that do not match the drawing and types or statuses outside their codes",
    ),
    (
        "trace_with_cuts",
        "actionTraceWithCuts",
        "Trace &with Selected Spans Cut",
        "network_trace",
        "",
        "Trace Network as if the spans selected now were cut: click a node to see what it "
        "still reaches",
    ),
    (
        "export_map_layout",
        "actionExportMapLayout",
        "Export Map to &PDF/PNG…",
        "save_project_as",
        "Ctrl+P",
        "A printed map of the visible layers: title, legend, scale bar, north arrow and "
        "footer, on Letter, Tabloid, A4 or A3 paper; one page per feature for a map book",
    ),
    (
        "export_web_map",
        "actionExportWebMap",
        "Export &Web Map…",
        "save_project_as",
        "",
        "The visible layers as one web page (HTML) with popups and a legend, safe to publish",
    ),
    (
        "export_qgis_project",
        "actionExportQgisProject",
        "Export &QGIS Project…",
        "save_project_as",
        "",
        "Save the map as a QGIS project (.qgz): the same layers, order, visibility, CRS, "
        "view and styles, for consultants on QGIS 3.22 or newer",
    ),
    (
        "rollback_edits",
        "actionRollbackEdits",
        "&Roll Back Edits",
        "rollback",
        "",
        "Drop the current layer's unsaved edits",
    ),
    (
        "toggle_snapping",
        "actionToggleSnapping",
        "&Snapping",
        "snapping",
        "S",
        "Snap to vertices and edges of the visible layers while digitising",
    ),
    (
        "merge_features",
        "actionMergeFeatures",
        "&Merge Selected Features",
        "merge_features",
        "",
        "Merge the selected features into one (the first selected keeps its attributes)",
    ),
    (
        "copy_features",
        "actionCopyFeatures",
        "&Copy Features",
        "copy_features",
        "Ctrl+C",
        "Copy the selected features of the current layer",
    ),
    (
        "paste_features",
        "actionPasteFeatures",
        "&Paste Features",
        "paste_features",
        "Ctrl+V",
        "Paste the copied features into the layer being edited (reprojected)",
    ),
    (
        "snapping_options",
        "actionSnappingOptions",
        "Snapping &Options…",
        "snapping",
        "",
        "Choose the layers to snap to, vertices and/or edges, and the tolerance",
    ),
    ("undo", "actionUndo", "&Undo", "undo", "Ctrl+Z", ""),
    ("redo", "actionRedo", "&Redo", "redo", "Ctrl+Shift+Z", ""),
    (
        "delete_selected",
        "actionDeleteSelected",
        "&Delete Selected",
        "delete_selected",
        "Del",
        "Delete the selected features of the layer being edited",
    ),
    ("about", "actionAbout", "&About mapdesk", "about", "", ""),
)
# Map tools: checkable, one active at a time (QGIS has no default Pan shortcut).
_MAP_TOOLS = (
    ("pan", "actionPan", "&Pan Map", "pan", "", "Pan the map by dragging"),
    (
        "zoom_in",
        "actionZoomIn",
        "Zoom &In",
        "zoom_in",
        "Ctrl+Alt++",
        "Zoom In: click to zoom in ×2, drag a rectangle to zoom to it",
    ),
    (
        "zoom_out",
        "actionZoomOut",
        "Zoom &Out",
        "zoom_out",
        "Ctrl+Alt+-",
        "Zoom Out: click to zoom out ×2, drag a rectangle to shrink the view into it",
    ),
    (
        "identify",
        "actionIdentify",
        "&Identify Features",
        "identify",
        "Ctrl+Shift+I",
        "Identify Features: click to list the attributes of the features there",
    ),
    (
        "select",
        "actionSelect",
        "Select Features by Area or Single &Click",
        "select",
        "",
        "Select features of the current layer: click one, or drag a rectangle "
        "(Shift adds, Ctrl toggles)",
    ),
    (
        "select_polygon",
        "actionSelectPolygon",
        "Select Features by &Polygon",
        "select_polygon",
        "",
        "Select by Polygon: click the corners, right-click to finish (Shift adds, Ctrl toggles)",
    ),
    (
        "select_radius",
        "actionSelectRadius",
        "Select Features by &Radius",
        "select_radius",
        "",
        "Select by Radius: press at the centre and drag (Shift adds, Ctrl toggles)",
    ),
    (
        "measure_line",
        "actionMeasure",
        "&Measure Line",
        "measure_line",
        "Ctrl+Shift+M",
        "Measure Line: click along the way, right-click to end",
    ),
    (
        "measure_area",
        "actionMeasureArea",
        "Measure &Area",
        "measure_area",
        "Ctrl+Shift+J",
        "Measure Area: click the corners, right-click to end",
    ),
    (
        "add_feature",
        "actionAddFeature",
        "Add &Feature",
        "add_feature",
        "Ctrl+.",
        "Add Feature: click the points, right-click or Enter to finish "
        "(Backspace takes a point back, Esc cancels)",
    ),
    (
        "trace_network",
        "actionTraceNetwork",
        "&Trace Network",
        "network_trace",
        "Ctrl+Shift+T",
        "Trace Network: click a network node to highlight every node and span it reaches "
        "through the spans in service",
    ),
    (
        "vertex_tool",
        "actionVertexTool",
        "&Vertex Tool",
        "vertex_tool",
        "",
        "Vertex Tool: drag a vertex; double-click an edge to add one, right-click one to delete it",
    ),
    (
        "move_feature",
        "actionMoveFeature",
        "Mo&ve Feature(s)",
        "move_feature",
        "",
        "Move Features: drag a feature, or one of the selected ones to move them all",
    ),
    (
        "split_features",
        "actionSplitFeatures",
        "S&plit Features",
        "split_features",
        "",
        "Split Features: draw a line across features (the selected ones, if any) to cut them",
    ),
    (
        "reshape_features",
        "actionReshapeFeatures",
        "&Reshape Features",
        "reshape_features",
        "",
        "Reshape Features: draw a line across a feature's outline to replace that stretch of it",
    ),
)


def create_actions(parent: QObject) -> MapActions:
    """Build the actions, parented to ``parent`` (the main window)."""
    tools = QActionGroup(parent)
    tools.setExclusive(True)
    made = {field: _action(parent, *spec) for field, *spec in _COMMANDS}
    made.update({field: _map_tool(parent, tools, *spec) for field, *spec in _MAP_TOOLS})
    actions = MapActions(**made, map_tools=tools)
    actions.pan.setChecked(True)
    actions.toggle_editing.setCheckable(True)
    for action in (
        actions.save_edits,
        actions.save_edits_as,
        actions.rollback_edits,
        actions.undo,
        actions.redo,
    ):
        action.setEnabled(False)
    actions.delete_selected.setEnabled(False)
    for action in (
        actions.add_feature,
        actions.vertex_tool,
        actions.move_feature,
        actions.split_features,
        actions.reshape_features,
        actions.merge_features,
        actions.paste_features,
    ):
        action.setEnabled(False)  # for the layer in edit mode only
    # Ctrl+C/Ctrl+V copy features only while the map has the focus: in the
    # attribute table they copy cells, in text fields text.
    for action in (actions.copy_features, actions.paste_features):
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    actions.toggle_snapping.setCheckable(True)
    actions.toggle_snapping.setChecked(True)
    actions.quit.setMenuRole(QAction.MenuRole.QuitRole)
    actions.about.setMenuRole(QAction.MenuRole.AboutRole)
    return actions
