"""Edit mode: Toggle Editing, Save Layer Edits, Roll Back, Undo/Redo, Delete Selected.

The commands act on the current layer, as in QGIS. A save writes in a worker
thread (a shapefile rewrite can take seconds); edits wait until it is done.
A failed save keeps every edit and says why.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mapdesk.core.data_uri import is_uri
from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.editing.clipboard import CopiedFeatures, copy_features, paste_features
from mapdesk.core.editing.conflicts import SaveConflictError, resolve_conflicts
from mapdesk.core.editing.journal import EditJournal, JournaledLayer, layer_key
from mapdesk.core.editing.saving import SaveError, write_edits
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import LayerOrigin, VectorLayer
from mapdesk.core.project import Project
from mapdesk.io.edit_writer import save_as_geopackage
from mapdesk.io.postgis import is_postgis_uri
from mapdesk.io.registry import read_layer
from mapdesk.ui.actions import MapActions
from mapdesk.ui.controllers.base import WindowController
from mapdesk.ui.dialogs.save_conflicts import SaveConflictsDialog
from mapdesk.ui.layer_watch import LayerWatcher
from mapdesk.ui.loading import AddLayerRequest, read_request
from mapdesk.ui.views.layer_panel import LayerPanel
from mapdesk.ui.views.status_bar import MapStatusBar
from mapdesk.ui.views.undo_history import UndoHistoryPanel
from mapdesk.ui.workers import (
    Worker,
    WorkerPool,
    error_message,
    guarded_slot,
    report_exception,
)

NO_LAYER = "Choose the layer to edit in the Layers panel first"
#: What a recovery that could not reopen its layer says after the reason.
EDITS_KEPT = (
    "The unsaved edits of {layer} are kept: mapdesk offers them again when you next "
    "switch on editing of that layer, or the next time it starts."
)

Button = QMessageBox.StandardButton


class EditingController(WindowController):
    """Edit-mode commands for the current layer, and the unsaved-edits prompts."""

    def __init__(
        self,
        panel: LayerPanel,
        history: UndoHistoryPanel,
        project: Project,
        actions: MapActions,
        workers: WorkerPool,
        status: MapStatusBar,
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self._panel, self._history = panel, history
        self._project, self._actions = project, actions
        self._workers, self._status = workers, status
        #: Every edit of a layer in edit mode is written here first (crash recovery).
        self.journal = EditJournal()
        #: Layers whose edit rights are being checked (Toggle Editing waits for the answer).
        self._checking: set[VectorLayer] = set()
        #: Journaled layers being read again for recovery, by journal key.
        self._reopening: dict[str, tuple[JournaledLayer, Worker]] = {}
        status.cancel_requested.connect(self._cancel_reopening)
        actions.toggle_editing.triggered.connect(self._on_toggle)
        actions.save_edits.triggered.connect(self._on_save)
        actions.save_edits_as.triggered.connect(self._on_save_as)
        actions.rollback_edits.triggered.connect(self._on_rollback)
        actions.refresh_layer.triggered.connect(self._on_refresh)
        actions.undo.triggered.connect(self._on_undo)
        actions.redo.triggered.connect(self._on_redo)
        actions.delete_selected.triggered.connect(self._on_delete_selected)
        actions.merge_features.triggered.connect(self._on_merge)
        actions.copy_features.triggered.connect(self._on_copy)
        actions.paste_features.triggered.connect(self._on_paste)
        #: Features copied with Copy Features, waiting for Paste.
        self.clipboard: CopiedFeatures | None = None
        history.step_chosen.connect(self._on_history_step)
        panel.current_layer_changed.connect(lambda _layer: self._follow_current())
        self._watcher = LayerWatcher(
            project.layers, ["edits_changed", "selection_changed"], lambda _l: self.update_actions()
        )
        self._watcher_modes = LayerWatcher(
            project.layers, ["editing_changed"], lambda _layer: self._follow_current()
        )
        self._follow_current()

    def shutdown(self) -> None:
        for _journaled, worker in self._reopening.values():
            worker.cancel()
        self._reopening.clear()
        self._watcher.close()
        self._watcher_modes.close()
        self.journal.close()

    def _follow_current(self) -> None:
        """The history panel and the actions follow the current layer's edit session."""
        layer = self._panel.current_layer()
        session = layer.edit_session if layer is not None else None
        name = layer.name if layer is not None else ""
        self._history.show_stack(session.undo_stack if session is not None else None, name)
        self.update_actions()

    @guarded_slot
    def _on_history_step(self, index: int) -> None:
        layer = self._editing_layer()
        if layer is not None and layer.edit_session is not None:
            layer.edit_session.require_not_saving()
            layer.edit_session.undo_stack.set_index(index)

    # --- commands ------------------------------------------------------------------
    @guarded_slot
    def _on_toggle(self) -> None:
        layer = self._panel.current_layer()
        if layer is None:
            self._status.showMessage(NO_LAYER, 5000)
        elif not layer.is_editing:
            self._start_if_writable(layer)
        elif self.settle_edits(layer, "stop editing"):
            layer.stop_editing()
        self.update_actions()

    @guarded_slot
    def _on_save(self) -> None:
        layer = self._panel.current_layer()
        if layer is not None and layer.is_editing:
            self.save(layer)

    @guarded_slot
    def _on_save_as(self) -> None:
        layer = self._editing_layer()
        if layer is not None:
            self.save_as(layer)

    @guarded_slot
    def _on_rollback(self) -> None:
        layer = self._panel.current_layer()
        if layer is None or not layer.is_modified:
            return
        answer = QMessageBox.question(
            self.parent_widget(),
            "Roll Back Edits",
            f'Drop every unsaved edit of "{layer.name}"? This cannot be undone.',
            Button.Yes | Button.No,
            Button.No,
        )
        if answer == Button.Yes:
            layer.rollback()

    @guarded_slot
    def _on_undo(self) -> None:
        layer = self._editing_layer()
        session = layer.edit_session if layer is not None else None
        # Ctrl+Z with nothing left to undo does nothing, as everywhere else.
        if layer is not None and session is not None and session.undo_stack.can_undo:
            layer.undo()

    @guarded_slot
    def _on_redo(self) -> None:
        layer = self._editing_layer()
        session = layer.edit_session if layer is not None else None
        if layer is not None and session is not None and session.undo_stack.can_redo:
            layer.redo()

    @guarded_slot
    def _on_delete_selected(self) -> None:
        layer = self._editing_layer()
        if layer is None or not layer.selection.count:
            return
        count = layer.delete_selected_features()
        noun = "feature" if count == 1 else "features"
        self._status.showMessage(f"{count} {noun} deleted from {layer.name}", 5000)

    def _start_if_writable(self, layer: VectorLayer) -> None:
        """Edit mode on ``layer``, unless its database says this user may not change it.

        A read-only role (a planner's) is told now, not after an hour of edits
        at Save. The server is asked in a worker: it may be slow to answer.
        Toggle Editing pressed again meanwhile waits for that answer.
        """
        origin = layer.origin
        if origin is None or not is_postgis_uri(origin.path):
            self._start_unless_refused(layer, None)
            return
        if layer in self._checking:
            return
        from mapdesk.io.postgis.privileges import edit_refusal  # imports psycopg

        self._checking.add(layer)
        self._status.showMessage(f"Checking your edit rights on {layer.name}…")
        self._workers.start(
            lambda _progress: edit_refusal(origin.path),
            partial(self._edit_checked, layer),
            lambda error: self._edit_check_failed(layer, error),
            description=f"Checking edit rights on {layer.name}",
        )

    def _edit_checked(self, layer: VectorLayer, refusal: str | None) -> None:
        self._checking.discard(layer)
        if layer in self._project.layers:  # removed meanwhile: nobody asked any more
            self._start_unless_refused(layer, refusal)

    def _edit_check_failed(self, layer: VectorLayer, error: BaseException) -> None:
        self._checking.discard(layer)
        if layer not in self._project.layers:
            return
        self._status.showMessage(f"{layer.name} is not in edit mode", 8000)
        report_exception(error, self.parent_widget())

    def _start_unless_refused(self, layer: VectorLayer, refusal: str | None) -> None:
        if refusal is not None:
            self._status.showMessage(f"{layer.name} is read-only for you", 8000)
            QMessageBox.information(self.parent_widget(), "Toggle Editing", refusal)
        elif not layer.is_editing and layer in self._project.layers and self.start_editing(layer):
            self._status.showMessage(f"Editing {layer.name}", 3000)
        self.update_actions()

    def start_editing(self, layer: VectorLayer) -> bool:
        """Edit mode on ``layer``, every edit journaled; False: the user kept it off.

        When a mapdesk that stopped left unsaved edits of this layer in the
        journal, the user decides first: Yes restores them into this session,
        No discards them, Cancel keeps them for later and leaves edit mode
        off. (The session journals under the same key and its save, rollback
        or Stop Editing clears the key's entries: the crash's edits would be
        deleted with them, or mixed with the session's by a second crash.)
        """
        key = layer_key(layer)
        orphaned = self.journal.pending_for(key) if key is not None else None
        if orphaned is None:
            self._journaled_edit_mode(layer)
            return True
        answer = QMessageBox.question(
            self.parent_widget(),
            "Unsaved edits from an earlier session",
            "mapdesk stopped before these edits of the layer were saved:\n\n"
            f"• {orphaned.describe()}\n\nRestore them into this edit session? (No discards "
            "them; Cancel keeps them for later and leaves editing off.)",
            Button.Yes | Button.No | Button.Cancel,
            Button.Yes,
        )
        if answer == Button.Yes:
            self._restore_into(layer)
        elif answer == Button.No:
            self.journal.discard(orphaned.key)
            self._journaled_edit_mode(layer)
        else:
            self._status.showMessage(
                f"{layer.name} is not in edit mode; its earlier unsaved edits are kept", 8000
            )
            return False
        return True

    def _journaled_edit_mode(self, layer: VectorLayer) -> None:
        layer.start_editing()
        self.journal.follow(layer)

    # --- recovery after a crash --------------------------------------------------------
    def offer_recovery(self) -> int:
        """Offer the unsaved edits a crash left in the journal; how many layers are restored.

        Yes restores each layer in edit mode, one undoable step: an open
        layer at once, another once a worker has read it again (a PostGIS
        table may take a while, or the server be down: the status bar shows
        it, with Cancel). No discards the edits; Cancel asks again next time.
        """
        pending = self.journal.pending()
        if not pending:
            return 0
        listed = "\n".join(f"• {layer.describe()}" for layer in pending)
        answer = QMessageBox.question(
            self.parent_widget(),
            "Recover unsaved edits",
            "mapdesk stopped before these edits were saved:\n\n"
            f"{listed}\n\nRestore them? (No discards them; Cancel asks again next time.)",
            Button.Yes | Button.No | Button.Cancel,
            Button.Yes,
        )
        if answer == Button.No:
            for journaled in pending:
                self.journal.discard(journaled.key)
        if answer != Button.Yes:
            return 0
        for journaled in pending:
            layer = self._open_layer(journaled)
            if layer is not None:
                self._restore_into(layer)
            elif journaled.key not in self._reopening:
                self._reopen(journaled)
        return len(pending)

    def _reopen(self, journaled: JournaledLayer) -> None:
        """Read the journaled layer again in a worker, through the normal loader."""
        request = AddLayerRequest(journaled.path, (journaled.layer,) if journaled.layer else None)
        self._status.show_task(f"Reopening {journaled.name} to restore its unsaved edits…")
        worker = self._workers.start(
            partial(read_request, request),
            partial(self._reopened, journaled),
            partial(self._reopen_failed, journaled),
            description=f"Reopening {journaled.name} to restore its unsaved edits",
            progress=lambda percent, message: self._status.show_task(message, percent),
        )
        self._reopening[journaled.key] = (journaled, worker)

    def _end_reopen(self, journaled: JournaledLayer) -> None:
        self._reopening.pop(journaled.key, None)
        if not self._reopening:
            self._status.end_task()

    @guarded_slot
    def _reopened(self, journaled: JournaledLayer, layers: list[VectorLayer]) -> None:
        self._end_reopen(journaled)
        if self.journal.pending_for(journaled.key) is None:
            return  # settled meanwhile: the user added the layer and chose at Toggle Editing
        layer = self._open_layer(journaled)
        if layer is None:
            [layer] = layers
            self._project.add_layer(layer)
        self._restore_into(layer)

    @guarded_slot
    def _reopen_failed(self, journaled: JournaledLayer, error: BaseException) -> None:
        self._end_reopen(journaled)
        if not isinstance(error, MapdeskError):  # a bug: reported as one (the edits stay)
            report_exception(error, self.parent_widget())
            return
        self._warn_kept(journaled, error_message(error))  # moved, unreadable, server down

    @guarded_slot
    def _cancel_reopening(self) -> None:
        """The status bar's Cancel: stop reading the layers; their edits stay journaled."""
        if not self._reopening:
            return
        reopening = [journaled for journaled, _worker in self._reopening.values()]
        for _journaled, worker in self._reopening.values():
            worker.cancel()
        self._reopening.clear()
        self._status.end_task()
        for journaled in reopening:
            self._warn_kept(journaled, f"Reopening {journaled.name} was cancelled.")

    def _warn_kept(self, journaled: JournaledLayer, reason: str) -> None:
        QMessageBox.warning(
            self.parent_widget(),
            "Recover unsaved edits",
            f"{reason}\n\n{EDITS_KEPT.format(layer=journaled.describe())}",
        )

    def _restore_into(self, layer: VectorLayer) -> None:
        """Put the journal's edits of ``layer`` back, in edit mode, and show it."""
        if not layer.is_editing:
            self._journaled_edit_mode(layer)
        count = self.journal.restore(layer)
        self._panel.select_layer(layer)
        self._status.showMessage(f"{count} unsaved edits of {layer.name} restored", 8000)
        self.update_actions()

    def _open_layer(self, journaled: JournaledLayer) -> VectorLayer | None:
        """The journaled layer if it is open (None: it must be read again)."""
        path, sublayer = journaled.path, journaled.layer
        wanted = None if is_uri(path) else Path(path).resolve()
        for layer in self._project.layers:
            origin = layer.origin
            if origin is None:
                continue
            if layer_key(layer) == journaled.key or (
                wanted is not None
                and not is_uri(origin.path)
                and (Path(origin.path).resolve(), origin.layer) == (wanted, sublayer)
            ):
                return layer
        return None

    # --- merge, copy and paste ----------------------------------------------------------
    @guarded_slot
    def _on_merge(self) -> None:
        layer = self._editing_layer()
        if layer is None or layer.edit_session is None:
            return
        fids = layer.selection.fids.tolist()
        keep = layer.edit_session.merge_features(fids, keep=fids[0])
        layer.selection.apply([keep])
        self._status.showMessage(f"{len(fids)} features merged into feature {keep}", 5000)

    @guarded_slot
    def _on_copy(self) -> None:
        layer = self._panel.current_layer()
        if layer is None:
            return
        self.clipboard = copy_features(layer, layer.selection.fids.tolist())
        count = len(self.clipboard)
        self._status.showMessage(f"{count} features of {layer.name} copied", 5000)
        self.update_actions()

    @guarded_slot
    def _on_paste(self) -> None:
        layer = self._editing_layer()
        if layer is None or self.clipboard is None:
            return
        report = paste_features(layer, self.clipboard)
        layer.selection.apply(report.fids)
        self._status.showMessage(f"{layer.name}: {report.summary()}", 8000)

    # --- saving ---------------------------------------------------------------------
    def save(self, layer: VectorLayer, then_stop: bool = False) -> None:
        """Write ``layer``'s edits in a worker; the result is reported in the status bar."""
        changes = layer.begin_commit()
        if changes.is_empty:
            layer.end_commit(changes, None)
            self._finish(layer, changes, then_stop)
            return
        self._status.showMessage(f"Saving {layer.name}: {changes.summary()}…")
        self.update_actions()
        origin = layer.origin
        session = layer.edit_session
        commit_point = session.reached_commit_point if session is not None else (lambda: None)
        self._workers.start(
            lambda _progress: write_edits(origin, changes, commit_point),
            lambda saved: self._saved(layer, changes, saved, then_stop),
            lambda error: self._save_failed(layer, error),
            description=f"Saving {layer.name}",
        )

    def _saved(self, layer: VectorLayer, changes: EditChanges, saved: Any, then_stop: bool) -> None:
        layer.end_commit(changes, saved)
        if saved is not None and layer.origin is not None and layer.origin.encoding:
            # A rewritten shapefile is UTF-8 with a .cpg saying so: the encoding
            # it was read with no longer applies (a reopen would garble it).
            layer.origin = replace(layer.origin, encoding=None)
        self._finish(layer, changes, then_stop)

    def _finish(self, layer: VectorLayer, changes: EditChanges, then_stop: bool) -> None:
        if then_stop and layer.is_editing:
            layer.stop_editing()
        self._status.showMessage(f"{layer.name} saved: {changes.summary()}", 5000)
        self.update_actions()

    def _save_failed(self, layer: VectorLayer, error: BaseException) -> None:
        layer.end_commit(None, None)
        self._status.showMessage(f"{layer.name} was not saved; its edits are kept", 8000)
        self.update_actions()
        if isinstance(error, SaveConflictError):
            self.resolve_conflicts(layer, error)
            return
        if not isinstance(error, SaveError):
            report_exception(error, self.parent_widget())
            return
        answer = QMessageBox.question(
            self.parent_widget(),
            "Save Layer Edits",
            f"{error}\n\nSave the edited layer as a new GeoPackage instead?",
            Button.Yes | Button.No,
            Button.Yes,
        )
        if answer == Button.Yes:
            self.save_as(layer)

    def resolve_conflicts(self, layer: VectorLayer, error: SaveConflictError) -> None:
        """Ask whose version of each conflicting feature to keep; then save again.

        Cancel keeps every edit as it was (nothing is saved).
        """
        dialog = SaveConflictsDialog(layer.name, error.conflicts, self.parent_widget())
        if dialog.exec() != SaveConflictsDialog.DialogCode.Accepted:
            return
        session = layer.edit_session
        if session is None:
            return
        resolve_conflicts(session, error.conflicts, dialog.decisions())
        self.save(layer)

    # --- refreshing -------------------------------------------------------------------
    @guarded_slot
    def _on_refresh(self) -> None:
        layer = self._panel.current_layer()
        if layer is not None and layer.origin is not None:
            self.refresh(layer)

    def refresh(self, layer: VectorLayer) -> None:
        """Read ``layer`` again from its source in a worker (F5): others' saved changes.

        Unsaved edits are settled first (save, discard or cancel): nothing
        stale is kept.
        """
        origin = layer.origin
        if origin is None or not self.settle_edits(layer, "refresh it"):
            return
        self._status.showMessage(f"Refreshing {layer.name}…")
        self._workers.start(
            lambda _progress: read_layer(origin.path, origin.layer, encoding=origin.encoding).frame,
            lambda frame: self._refreshed(layer, frame),
            lambda error: report_exception(error, self.parent_widget()),
            description=f"Refreshing {layer.name}",
        )

    def _refreshed(self, layer: VectorLayer, frame: Any) -> None:
        layer.reload(frame)
        self._status.showMessage(f"{layer.name} refreshed: {len(frame)} features", 5000)
        self.update_actions()

    def save_as(self, layer: VectorLayer) -> None:
        """Write ``layer`` with its edits to a GeoPackage the user chooses, in a worker.

        The new file becomes the layer's: later saves go there.
        """
        folder = Path(layer.origin.path).parent if layer.origin is not None else Path.home()
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget(),
            f"Save {layer.name} As GeoPackage",
            str(folder / f"{layer.name}.gpkg"),
            "GeoPackage (*.gpkg)",
        )
        if not path:
            return
        target = Path(path).with_suffix(".gpkg")
        changes = layer.begin_commit()
        session = layer.edit_session
        rules = dict(session.field_rules) if session is not None else {}
        self._status.showMessage(f"Saving {layer.name} as {target.name}…")
        self.update_actions()
        origin = LayerOrigin(str(target), layer.name, "GPKG", "pyogrio")
        self._workers.start(
            lambda _progress: save_as_geopackage(target, layer.name, changes.frame, rules),
            lambda saved: self._saved_as(layer, origin, changes, saved),
            lambda error: self._save_as_failed(layer, error),
            description=f"Saving {layer.name} as {target.name}",
        )

    def _saved_as(
        self, layer: VectorLayer, origin: LayerOrigin, changes: EditChanges, saved: Any
    ) -> None:
        layer.saved_as(origin, changes, saved)
        self._status.showMessage(f"{layer.name} saved as {Path(origin.path).name}", 8000)
        self.update_actions()

    def _save_as_failed(self, layer: VectorLayer, error: BaseException) -> None:
        layer.end_commit(None, None)
        self._status.showMessage(f"{layer.name} was not saved; its edits are kept", 8000)
        self.update_actions()
        report_exception(error, self.parent_widget())

    def settle_edits(self, layer: VectorLayer, doing: str) -> bool:
        """Ask what to do with unsaved edits before ``doing``; False: cancelled.

        Save writes in the foreground here: the caller goes on only once the
        edits are safe (or the save failed, which cancels).
        """
        if not layer.is_modified:
            return True
        answer = QMessageBox.question(
            self.parent_widget(),
            "Unsaved edits",
            f'Layer "{layer.name}" has unsaved edits. Save them before you {doing}?',
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Discard:
            layer.rollback()
            return True
        if answer != Button.Save:
            return False
        try:
            layer.commit_changes()
        except MapdeskError as error:
            report_exception(error, self.parent_widget())
            return False
        return True

    def settle_all(self, doing: str) -> bool:
        """``settle_edits`` for every layer with unsaved edits (closing the window)."""
        return all(self.settle_edits(layer, doing) for layer in list(self._project.layers))

    # --- state of the actions ---------------------------------------------------------
    def _editing_layer(self) -> VectorLayer | None:
        layer = self._panel.current_layer()
        return layer if layer is not None and layer.is_editing else None

    def update_actions(self) -> None:
        a = self._actions
        layer = self._panel.current_layer()
        session = layer.edit_session if layer is not None else None
        saving = session is not None and session.saving
        a.toggle_editing.setEnabled(layer is not None and not saving)
        a.toggle_editing.setChecked(session is not None)
        ready = session is not None and not saving
        a.save_edits.setEnabled(ready)
        a.save_edits_as.setEnabled(ready)
        a.refresh_layer.setEnabled(layer is not None and layer.origin is not None and not saving)
        a.rollback_edits.setEnabled(ready and layer is not None and layer.is_modified)
        stack = session.undo_stack if session is not None else None
        a.undo.setEnabled(ready and stack is not None and stack.can_undo)
        a.redo.setEnabled(ready and stack is not None and stack.can_redo)
        a.undo.setText(
            f"&Undo {stack.undo_text}" if stack is not None and stack.can_undo else "&Undo"
        )
        a.redo.setText(
            f"&Redo {stack.redo_text}" if stack is not None and stack.can_redo else "&Redo"
        )
        a.delete_selected.setEnabled(ready and layer is not None and layer.selection.count > 0)
        tools = (
            a.add_feature,
            a.vertex_tool,
            a.move_feature,
            a.split_features,
            a.reshape_features,
        )
        for action in tools:
            action.setEnabled(ready)
        selected = layer.selection.count if layer is not None else 0
        a.merge_features.setEnabled(ready and selected >= 2)
        a.copy_features.setEnabled(selected > 0)
        a.paste_features.setEnabled(ready and self.clipboard is not None)
        if not ready and any(tool.isChecked() for tool in tools):
            a.pan.trigger()  # a digitising tool needs a layer in edit mode
