"""The main window's menu bar, laid out as QGIS's: Project, Edit, Layer, View, Analysis, Help.

Only placement: the actions belong to ``MapActions`` or to the controllers
that own them, which the main window has already built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mapdesk.ui.main_window import MainWindow


def build_menu_bar(window: MainWindow) -> None:
    """Fill ``window``'s menu bar with its actions and its controllers' actions."""
    for fill in (_project_menu, _edit_menu, _layer_menu, _view_menu, _analysis_menu):
        fill(window)
    window.menuBar().addMenu("&Help").addAction(window.map_actions.about)


def _project_menu(window: MainWindow) -> None:
    a = window.map_actions
    project = window.menuBar().addMenu("&Project")
    project.addAction(a.open_project)
    recent = project.addMenu("Open &Recent")
    recent.setObjectName("recentProjectsMenu")
    recent.aboutToShow.connect(lambda: window.project_files.fill_recent_menu(recent))
    project.addActions([a.save_project, a.save_project_as])
    project.addSeparator()
    project.addAction(a.set_project_crs)
    project.addSeparator()
    exports = project.addMenu("Import/E&xport")
    exports.setObjectName("importExportMenu")
    exports.addActions([a.export_map_layout, a.export_web_map, a.export_qgis_project])
    project.addSeparator()
    project.addAction(a.quit)


def _edit_menu(window: MainWindow) -> None:
    a = window.map_actions
    edit = window.menuBar().addMenu("&Edit")  # second, as in QGIS
    edit.addActions([a.undo, a.redo])
    edit.addSeparator()
    edit.addActions([a.copy_features, a.paste_features])
    edit.addSeparator()
    edit.addActions([a.add_feature, a.vertex_tool, a.move_feature])
    edit.addActions([a.split_features, a.reshape_features, a.merge_features])
    edit.addAction(a.delete_selected)
    edit.addActions([a.toggle_snapping, a.snapping_options])
    edit.addSeparator()
    select = edit.addMenu("&Select")
    select.addActions([a.select, a.select_polygon, a.select_radius])
    select.addSeparator()
    select.addActions([a.select_by_expression, a.select_by_location])
    select.addSeparator()
    select.addActions([a.select_all, a.invert_selection, a.deselect_all])


def _layer_menu(window: MainWindow) -> None:
    a = window.map_actions
    layer = window.menuBar().addMenu("&Layer")
    layer.addAction(a.add_layer)
    layer.addAction(window.postgis.add_action)
    layer.addAction(a.import_incidents)
    layer.addAction(window.nena_layers.import_action)
    create = layer.addMenu("Create &Layer")
    create.setObjectName("createLayerMenu")
    create.addAction(window.network_layers.action)
    create.addAction(window.nena_layers.create_action)
    layer.addSeparator()
    layer.addActions(
        [a.toggle_editing, a.save_edits, a.save_edits_as, a.rollback_edits, a.refresh_layer]
    )
    layer.addSeparator()
    layer.addAction(a.export_layer)
    layer.addAction(window.postgis.upload_action)
    layer.addSeparator()
    layer.addActions([a.remove_layer, a.layer_properties, a.set_layer_crs])
    layer.addSeparator()
    layer.addActions([a.layer_style, a.save_style, a.load_style])
    layer.addSeparator()
    layer.addAction(a.open_attribute_table)


def _view_menu(window: MainWindow) -> None:
    a = window.map_actions
    view = window.menuBar().addMenu("&View")
    view.addActions([a.pan, a.zoom_in, a.zoom_out])
    view.addSeparator()
    view.addActions([a.zoom_full, a.zoom_to_layer, a.zoom_to_selection])
    view.addSeparator()
    view.addActions([a.new_bookmark, window.bookmarks_panel.toggleViewAction()])
    view.addSeparator()
    view.addAction(a.identify)
    view.addAction(window.dossier.action)
    view.addActions([a.measure_line, a.measure_area])
    view.addSeparator()
    panels = view.addMenu("&Panels")
    panels.addActions(
        [
            window.layer_panel.toggleViewAction(),
            window.legend_panel.toggleViewAction(),
            window.identify_panel.toggleViewAction(),
            window.measure_panel.toggleViewAction(),
            window.attribute_table.toggleViewAction(),
            window.undo_history.toggleViewAction(),
            window.bookmarks_panel.toggleViewAction(),
            window.cut_impact_panel.toggleViewAction(),
            window.dossier_panel.toggleViewAction(),
            window.incident_panel.toggleViewAction(),
            window.nena_panel.toggleViewAction(),
            window.coverage_panel.toggleViewAction(),
            window.radio_panel.toggleViewAction(),
            window.boundary_panel.toggleViewAction(),
        ]
    )


def _analysis_menu(window: MainWindow) -> None:
    a = window.map_actions
    analysis = window.menuBar().addMenu("&Analysis")
    analysis.setObjectName("analysisMenu")
    incident_analysis = window.incident_panel.toggleViewAction()
    incident_analysis.setText("&Incident Analysis")
    analysis.addAction(incident_analysis)
    analysis.addActions([window.dossier.action, window.nearest_asset.action])
    analysis.addSeparator()
    analysis.addActions([a.trace_network, a.trace_with_cuts, a.cut_impact, a.check_network])
    analysis.addSeparator()
    analysis.addAction(window.nena_validation.action)
    analysis.addAction(window.coverage.action)
    analysis.addActions([window.radio_coverage.action, window.boundary_qa.action])
