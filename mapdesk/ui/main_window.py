"""The main window: composition only. Widgets come from views/canvas, behaviour
from controllers; this module places them and connects the two."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow, QToolBar, QWidget

from mapdesk.core.project import Project
from mapdesk.render.job import MapRenderer
from mapdesk.ui.actions import MapActions, create_actions
from mapdesk.ui.canvas.canvas import MapCanvas
from mapdesk.ui.controllers.attribute_table import AttributeTableController
from mapdesk.ui.controllers.bookmarks import BookmarksController
from mapdesk.ui.controllers.boundary_qa import BoundaryQaController, boundary_panel
from mapdesk.ui.controllers.coverage import CoverageController
from mapdesk.ui.controllers.cut_impact import CutImpactController
from mapdesk.ui.controllers.cut_impact import add_panel as add_cut_impact_panel
from mapdesk.ui.controllers.digitizing import DigitizingController
from mapdesk.ui.controllers.dossier import DossierController
from mapdesk.ui.controllers.editing import EditingController
from mapdesk.ui.controllers.exporting import ExportController
from mapdesk.ui.controllers.identify import IdentifyController
from mapdesk.ui.controllers.incident_analysis import IncidentAnalysisController
from mapdesk.ui.controllers.incidents import IncidentImportController
from mapdesk.ui.controllers.layer_panel import LayerPanelController
from mapdesk.ui.controllers.layers import LayerLoadController, accepts_path
from mapdesk.ui.controllers.map_files import MapFilesController
from mapdesk.ui.controllers.map_view import MapViewController
from mapdesk.ui.controllers.measure import MeasureController
from mapdesk.ui.controllers.nearest_asset import NearestAssetController
from mapdesk.ui.controllers.nena_layers import NenaLayersController
from mapdesk.ui.controllers.nena_validation import NenaValidationController
from mapdesk.ui.controllers.nena_validation import add_panel as add_nena_panel
from mapdesk.ui.controllers.network_layers import NetworkLayersController
from mapdesk.ui.controllers.network_trace import TraceController
from mapdesk.ui.controllers.postgis import PostgisController
from mapdesk.ui.controllers.project_files import ProjectController
from mapdesk.ui.controllers.radio_coverage import RadioCoverageController, radio_panel
from mapdesk.ui.controllers.repair import RepairController
from mapdesk.ui.controllers.selection import SelectionController
from mapdesk.ui.controllers.styles import StyleController
from mapdesk.ui.dialogs.about import show_about
from mapdesk.ui.icons import app_icon
from mapdesk.ui.menus import build_menu_bar
from mapdesk.ui.models.layer_tree import LayerTreeModel
from mapdesk.ui.views.analysis_result_panel import add_panel as add_result_panel
from mapdesk.ui.views.attribute_table import AttributeTableDock
from mapdesk.ui.views.bookmarks_panel import BookmarksPanel
from mapdesk.ui.views.coverage_panel import CoveragePanel
from mapdesk.ui.views.cut_impact_panel import CutImpactPanel
from mapdesk.ui.views.dossier_panel import DossierPanel
from mapdesk.ui.views.identify_panel import IdentifyPanel
from mapdesk.ui.views.incident_panel import IncidentPanel
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.legend_panel import LegendPanel
from mapdesk.ui.views.measure_panel import MeasurePanel
from mapdesk.ui.views.nena_panel import NenaValidationPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.views.undo_history import UndoHistoryPanel
from mapdesk.ui.workers import WorkerPool, guarded_event, guarded_slot

APP_NAME = "mapdesk"
#: Bump when the docks or toolbars change so much that an old layout must not be restored.
LAYOUT_VERSION = 4  # 2: the Legend panel and the Selection toolbar; 3: editing; 4: analysis docks


def app_settings() -> QSettings:
    """mapdesk's per-user settings (``mapdesk/mapdesk.ini`` in the user's config folder).

    An INI file on every platform (not the Windows registry), so that
    ``QSettings.setPath`` can point tests at a temporary folder.
    """
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "mapdesk", "mapdesk")


def window_title(project_name: str) -> str:
    return f"{APP_NAME} — {project_name}"


class MainWindow(QMainWindow):
    """Map canvas in the middle, Layers on the left, Identify Results on the right."""

    def __init__(
        self,
        project: Project,
        name: str = "Untitled",
        renderer: MapRenderer | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mapdeskMainWindow")
        self.setWindowIcon(app_icon())
        self.project = project
        self.map_actions: MapActions = create_actions(self)
        self.workers = WorkerPool(self)
        self._build_widgets(renderer)
        self._build_controllers(name)
        build_menu_bar(self)
        self._build_toolbars()
        self.map_actions.add_layer.triggered.connect(self.layer_loader.add_layer_dialog)
        self.map_actions.quit.triggered.connect(self.close)
        self.map_actions.about.triggered.connect(guarded_slot(lambda: show_about(self)))
        self.setWindowTitle(window_title(name))
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        self.restore_layout()

    def _build_widgets(self, renderer: MapRenderer | None) -> None:
        self.canvas = MapCanvas(self.project, renderer, self)
        self.setCentralWidget(self.canvas)
        self.layer_model = LayerTreeModel(self.project.layers, self)
        self.layer_panel = LayerPanel(self.layer_model, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layer_panel)
        self.identify_panel = IdentifyPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.identify_panel)
        self.identify_panel.hide()  # shown by the first identify, as in QGIS
        self.legend_panel = LegendPanel(self.project.layers, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.legend_panel)
        self.splitDockWidget(self.layer_panel, self.legend_panel, Qt.Orientation.Vertical)
        self.measure_panel = MeasurePanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.measure_panel)
        self.measure_panel.hide()  # shown by the measure tools
        self.dossier_panel = DossierPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dossier_panel)
        self.dossier_panel.hide()  # shown by the Location Dossier tool
        self.attribute_table = AttributeTableDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.attribute_table)
        self.attribute_table.hide()  # opened with F6, as in QGIS
        self.bookmarks_panel = BookmarksPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.bookmarks_panel)
        self.bookmarks_panel.hide()  # Ctrl+Shift+B, or a new bookmark, shows it
        self.bookmarks_panel.toggleViewAction().setShortcut("Ctrl+Shift+B")
        self.incident_panel = IncidentPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.incident_panel)
        self.incident_panel.hide()  # Analysis ▸ Incident Analysis, or View ▸ Panels
        self.cut_impact_panel = CutImpactPanel(self)
        add_cut_impact_panel(self, self.cut_impact_panel)
        self.nena_panel = NenaValidationPanel(self)
        add_nena_panel(self, self.nena_panel)
        self.coverage_panel = CoveragePanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.coverage_panel)
        self.coverage_panel.hide()  # shown by Analysis ▸ Drive-Time Coverage
        self.radio_panel = radio_panel(self)
        add_result_panel(self, self.radio_panel)
        self.boundary_panel = boundary_panel(self)
        add_result_panel(self, self.boundary_panel)
        self.undo_history = UndoHistoryPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.undo_history)
        self.undo_history.hide()  # View ▸ Panels ▸ Undo History
        self.resizeDocks(
            [self.layer_panel, self.identify_panel], [260, 320], Qt.Orientation.Horizontal
        )
        self.status = MapStatusBar(self)
        self.setStatusBar(self.status)

    def _build_controllers(self, name: str) -> None:
        a, p = self.map_actions, self.project
        self.map_view = MapViewController(self.canvas, self.status, p, a, self)
        self.layer_panel_controller = LayerPanelController(
            self.layer_panel, p, self.canvas, a, self
        )
        self.identify = IdentifyController(self.canvas, self.identify_panel, p, self)
        self.dossier = DossierController(
            self.dossier_panel, p, self.canvas, a, self.status, self, workers=self.workers
        )
        self.nearest_asset = NearestAssetController(p, self.workers, self.status, self)
        self.incident_analysis = IncidentAnalysisController(
            self.incident_panel, p, self.canvas, self.workers, self.status, self
        )
        self.attribute_table_controller = AttributeTableController(
            self.attribute_table, p, self.canvas, self.layer_panel, a, self
        )
        self.styles = StyleController(self.layer_panel, a, self)
        self.measure = MeasureController(self.canvas, self.measure_panel, p, a, self)
        self.selection = SelectionController(self.canvas, self.layer_panel, p, a, self.status, self)
        self.editing = EditingController(
            self.layer_panel, self.undo_history, p, a, self.workers, self.status, self
        )
        self.exporting = ExportController(self.layer_panel, a, self.workers, self.status, self)
        self.map_files = MapFilesController(p, a, self.workers, self.status, self)
        self.incidents = IncidentImportController(p, a, self.workers, self.status, self)
        self.cut_impact = CutImpactController(
            self.cut_impact_panel, p, self.canvas, a, self.workers, self.status, self
        )
        self.coverage = CoverageController(
            self.coverage_panel, p, self.canvas, self.workers, self.status, self
        )
        self.network_trace = TraceController(
            self.cut_impact.dock, p, self.canvas, a, self.workers, self.status, self
        )
        self.nena_validation = NenaValidationController(
            self.nena_panel, p, self.canvas, self.identify, self.workers, self.status, self
        )
        self.radio_coverage = RadioCoverageController(
            self.radio_panel, p, self.canvas, self.workers, self.status, self
        )
        self.boundary_qa = BoundaryQaController(
            self.boundary_panel, p, self.canvas, self.workers, self.status, self
        )
        self.repair = RepairController(self.layer_panel, p, a, self.workers, self.status, self)
        self.bookmarks = BookmarksController(
            self.bookmarks_panel, p, self.canvas, a, self.status, self
        )
        self.digitizing = DigitizingController(
            self.canvas, self.layer_panel, p, a, self.status, self
        )
        self.network_layers = NetworkLayersController(
            p, self.layer_panel, self.editing, self.workers, self.status, self
        )
        self.nena_layers = NenaLayersController(
            p, self.layer_panel, self.workers, self.status, self
        )
        self.project_files = ProjectController(
            p, self.canvas, self.workers, self.status, self, name
        )
        self.layer_loader = LayerLoadController(
            p, self.workers, self.status, self, self.project_files.open_path
        )
        self.postgis = PostgisController(
            self.layer_panel, self.layer_loader, self.workers, self.status, self, p, self.canvas
        )
        self.project_files.title_changed.connect(lambda n: self.setWindowTitle(window_title(n)))
        a.open_project.triggered.connect(self.project_files.open_dialog)
        a.save_project.triggered.connect(self.project_files.save)
        a.save_project_as.triggered.connect(self.project_files.save_as)

    def _toolbar(self, title: str, name: str) -> QToolBar:
        toolbar = self.addToolBar(title)
        toolbar.setObjectName(name)
        return toolbar

    def _build_toolbars(self) -> None:
        a = self.map_actions
        # Their shortcuts (Ctrl+C/V) work where the map has the focus.
        self.canvas.addActions([a.copy_features, a.paste_features])
        self._toolbar("Project", "projectToolbar").addActions(
            [a.open_project, a.save_project, a.add_layer]
        )
        self._toolbar("Map Navigation", "mapNavToolbar").addActions(
            [a.pan, a.zoom_in, a.zoom_out, a.zoom_full, a.zoom_to_layer]
        )
        self._toolbar("Attributes", "attributesToolbar").addActions(
            [
                a.identify,
                self.dossier.action,
                a.trace_network,
                a.open_attribute_table,
                a.measure_line,
                a.measure_area,
            ]
        )
        self._toolbar("Digitizing", "digitizingToolbar").addActions(
            [
                a.toggle_editing,
                a.save_edits,
                a.add_feature,
                a.vertex_tool,
                a.move_feature,
                a.split_features,
                a.reshape_features,
                a.merge_features,
                a.delete_selected,
                a.toggle_snapping,
                a.undo,
                a.redo,
            ]
        )
        self._toolbar("Selection", "selectionToolbar").addActions(
            [
                a.select,
                a.select_polygon,
                a.select_radius,
                a.select_by_expression,
                a.invert_selection,
                a.deselect_all,
                a.zoom_to_selection,
            ]
        )

    # --- files dropped on the window ------------------------------------------
    @staticmethod
    def _dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[str]:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        return [url.toLocalFile() for url in urls if url.isLocalFile()]

    @guarded_event
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(accepts_path(path) for path in self._dropped_paths(event)):
            event.acceptProposedAction()
        else:
            event.ignore()

    @guarded_slot
    def dropEvent(self, event: QDropEvent) -> None:
        paths = [path for path in self._dropped_paths(event) if accepts_path(path)]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def open_paths(self, paths: list[str], choose: bool = True) -> None:
        """Add data files (multi-layer files ask which layers) or open a project."""
        self.layer_loader.open_paths(paths, choose)

    # --- window layout, remembered between sessions ---------------------------------
    def restore_layout(self) -> bool:
        """Put the window, docks and toolbars where they were last time (if known)."""
        settings = app_settings()
        geometry = settings.value("mainWindow/geometry")
        state = settings.value("mainWindow/state")
        restored = isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            restored = self.restoreState(state, LAYOUT_VERSION) or restored
        return restored

    def save_layout(self) -> None:
        settings = app_settings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        settings.setValue("mainWindow/state", self.saveState(LAYOUT_VERSION))
        settings.sync()

    # --- closing -----------------------------------------------------------------
    @guarded_event
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.editing.settle_all("close mapdesk"):
            event.ignore()
            return
        self.save_layout()
        self.workers.shutdown()
        self.canvas.shutdown()
        self.map_view.shutdown()
        self.selection.shutdown()
        self.network_trace.shutdown()
        self.incident_analysis.shutdown()
        self.coverage.shutdown()
        self.editing.shutdown()
        self.undo_history.close_panel()
        self.legend_panel.close_panel()
        self.layer_model.close()
        super().closeEvent(event)
