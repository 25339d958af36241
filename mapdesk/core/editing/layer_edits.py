"""Editing a layer with the names a PyQGIS user knows.

``VectorLayer`` takes these methods from ``LayerEditing``: start_editing,
add_feature, change_attribute_value, change_geometry, delete_feature,
commit_changes, rollback, undo and redo. Each edit is one command on the
layer's edit session (``edit_session.undo_stack``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
from psygnal import Signal

from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.editing.errors import EditError
from mapdesk.core.editing.saving import write_edits
from mapdesk.core.editing.session import EditSession
from mapdesk.core.editing.tracking import EditorIdentity
from mapdesk.core.expression import evaluate


class LayerEditing:
    """Edit-mode methods of a layer; the layer provides the attributes below."""

    #: Edit mode was switched on (True) or off (False).
    editing_changed = Signal(bool)
    #: The pending edits or the undo position changed (dirty marker, undo actions).
    edits_changed = Signal()

    name: str
    origin: Any
    virtual_fields: dict[str, str]
    _edit_session: EditSession | None = None

    if TYPE_CHECKING:  # provided by VectorLayer

        @property
        def data(self) -> gpd.GeoDataFrame: ...

        @property
        def selected_fids(self) -> frozenset[Any]: ...

        def _show_data(self, data: gpd.GeoDataFrame) -> None: ...

    # --- edit mode -------------------------------------------------------------
    @property
    def is_editing(self) -> bool:
        return self._edit_session is not None

    @property
    def edit_session(self) -> EditSession | None:
        """The pending edits and their undo stack; None when not editing."""
        return self._edit_session

    @property
    def is_modified(self) -> bool:
        """True when edits are waiting to be saved."""
        return self._edit_session is not None and self._edit_session.is_modified

    def start_editing(self, identity: EditorIdentity | None = None) -> None:
        """Switch edit mode on (nothing happens when it is on already)."""
        if self._edit_session is not None:
            return
        session = EditSession(
            self.name,
            self.data,
            self._show_data,
            identity,
            computed_fields=lambda: self.virtual_fields,
        )
        session.undo_stack.changed.connect(self.edits_changed.emit)
        self._edit_session = session
        self.editing_changed.emit(True)

    def stop_editing(self) -> None:
        """Leave edit mode; refused while edits are unsaved (save or roll back first)."""
        if self._edit_session is None:
            return
        if self._edit_session.is_modified:
            raise EditError(
                f'Layer "{self.name}" has unsaved edits: save them or roll them back first'
            )
        self._edit_session.undo_stack.changed.disconnect(self.edits_changed.emit)
        self._edit_session.close()
        self._edit_session = None
        self.editing_changed.emit(False)

    # --- edits -------------------------------------------------------------------
    def add_feature(self, geometry: Any, attributes: Mapping[str, Any] | None = None) -> int:
        """Add a feature (shapely geometry or WKT, in the layer's CRS); its fid."""
        return self._session().add_feature(geometry, attributes)

    def change_attribute_value(self, fid: Any, field: str, value: Any) -> None:
        """Set a field of a feature; a value that does not fit the field is refused."""
        self._session().change_attribute_value(fid, field, value)

    def change_geometry(self, fid: Any, geometry: Any) -> None:
        """Replace a feature's geometry (shapely geometry or WKT, in the layer's CRS)."""
        self._session().change_geometry(fid, geometry)

    def delete_feature(self, fid: Any) -> None:
        self._session().delete_features([fid])

    def delete_features(self, fids: Iterable[Any]) -> int:
        """Delete features in one undo step; how many."""
        return self._session().delete_features(fids)

    def delete_selected_features(self) -> int:
        """Delete the selected features in one undo step; how many."""
        return self._session().delete_features(sorted(self.selected_fids))

    def undo(self) -> None:
        session = self._session()
        session.require_not_saving()
        session.undo_stack.undo()

    def redo(self) -> None:
        session = self._session()
        session.require_not_saving()
        session.undo_stack.redo()

    # --- saving ----------------------------------------------------------------------
    def commit_changes(self, stop_editing: bool = False) -> EditChanges:
        """Write the pending edits to the layer's file; what was written.

        The edits are cleared only after the save succeeded; on failure a
        ``SaveError`` says why and every edit is kept.
        """
        changes = self.begin_commit()
        try:
            session = self._session()
            saved = (
                write_edits(self.origin, changes, session.reached_commit_point)
                if not changes.is_empty
                else None
            )
        except BaseException:
            self.end_commit(None, None)
            raise
        self.end_commit(changes, saved)
        if stop_editing:
            self.stop_editing()
        return changes

    def begin_commit(self) -> EditChanges:
        """Start a save: what to write. Edits wait until ``end_commit``.

        The app writes ``changes`` with ``write_edits`` in a worker thread
        between the two calls, so a slow rewrite never freezes the window.
        """
        session = self._session()
        session.require_not_saving()
        stored = [c for c in session.current.columns if c not in self.virtual_fields]
        changes = session.changes(stored)
        session.saving = True
        return changes

    def end_commit(self, changes: EditChanges | None, saved: gpd.GeoDataFrame | None) -> None:
        """Finish a save: ``changes`` were written (None: the save failed, keep them)."""
        session = self._session()
        session.saving = False
        if changes is None:
            return
        session.saved(
            _with_virtual_fields(saved, self.virtual_fields) if saved is not None else None
        )

    def saved_as(self, origin: Any, changes: EditChanges, saved: gpd.GeoDataFrame) -> None:
        """The edited features were written to a new file (Save As): it is the layer's now.

        Call between ``begin_commit`` and where ``end_commit`` would be.
        """
        self.end_commit(changes, saved)
        self.origin = origin

    def rollback(self, stop_editing: bool = False) -> None:
        """Drop every unsaved edit."""
        self._session().rollback()
        if stop_editing:
            self.stop_editing()

    def reload(self, data: gpd.GeoDataFrame) -> None:
        """Take the features as the source holds them now (Refresh of a shared table).

        Nothing stale is kept: in edit mode the session starts over from
        ``data``. Refused while edits are unsaved (save or roll back first).
        """
        if self.is_modified:
            raise EditError(
                f'Layer "{self.name}" has unsaved edits: save them or roll them back '
                "before refreshing it"
            )
        data = _with_virtual_fields(data, self.virtual_fields)
        if self._edit_session is not None:
            self._edit_session.saved(data)
        else:
            self._show_data(data)

    def _session(self) -> EditSession:
        if self._edit_session is None:
            raise EditError(
                f'Layer "{self.name}" is not in edit mode: switch on Toggle Editing first'
            )
        return self._edit_session


def _with_virtual_fields(saved: gpd.GeoDataFrame, fields: dict[str, str]) -> gpd.GeoDataFrame:
    """The re-read features with their virtual fields computed again.

    Computed, not copied: a rewrite may reorder the features (FlatGeobuf
    sorts them along its spatial index).
    """
    for name, expression in fields.items():
        saved[name] = evaluate(expression, saved).to_numpy()
    return saved
