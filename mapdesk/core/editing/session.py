"""An edit session: a layer's pending edits over the features it started from.

The base frame is never modified. Each edit is a command on the session's
undo stack that swaps in a new frame (``show`` hands it to the layer, so the
map and the attribute table follow). A save writes ``changes()``; only when
it has succeeded does the edited frame become the new base.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from mapdesk.core.editing.changes import EditChanges, edit_changes
from mapdesk.core.editing.errors import EditError
from mapdesk.core.editing.kinds import (
    KIND_OF_DECLARED,
    KINDS,
    MULTI_OF_KIND,
    cut_into_pieces,
    layer_kind,
)
from mapdesk.core.editing.rows import new_rows, rows_of, set_value, with_rows
from mapdesk.core.editing.rules import check_rule
from mapdesk.core.editing.tracking import EditorIdentity, tracked_values
from mapdesk.core.editing.undo import RowsCommand, UndoStack
from mapdesk.core.editing.validity import GeometryProblem, geometry_problem
from mapdesk.core.editing.values import field_value
from mapdesk.core.editing.versions import RowVersions, with_row_versions

__all__ = ["EditError", "EditSession"]


class EditSession:
    """Pending edits of one layer, with undo.

    Parameters
    ----------
    layer_name
        For messages.
    base
        The features when editing started; fids are its (integer) index.
    show
        Called with the edited frame after every change (and undo or redo).
    identity
        Fills editor-tracking fields on each edit.
    computed_fields
        Fields that are computed (virtual fields): they cannot be edited.
    """

    def __init__(
        self,
        layer_name: str,
        base: gpd.GeoDataFrame,
        show: Callable[[gpd.GeoDataFrame], None],
        identity: EditorIdentity | None = None,
        computed_fields: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        if not base.index.is_unique or (len(base) and base.index.dtype.kind not in "iu"):
            raise EditError(
                f'Layer "{layer_name}" cannot be edited: its features have no unique '
                "numeric ids (fids)"
            )
        self.layer_name = layer_name
        self._base = base
        self._current = base
        self._show = show
        self.identity = identity or EditorIdentity.from_environment()
        self._computed = computed_fields
        self._touched: set[Any] = set()
        self._next_fid = int(base.index.max()) + 1 if len(base) else 1
        #: The file's own field types (GDAL's names), when the reader recorded them.
        self._field_types: dict[str, str] = dict(base.attrs.get("field_types", {}))
        #: Defaults, coded values and ranges the file declares, per field.
        self.field_rules: dict[str, dict[str, Any]] = dict(base.attrs.get("field_rules", {}))
        #: The geometry type the file declares ("Polygon", "MultiLineString"...).
        self._declared_type = str(base.attrs.get("geometry_type", "")).removesuffix(" Z")
        self._kind = layer_kind(base) or KIND_OF_DECLARED.get(
            self._declared_type.removeprefix("Multi")
        )
        #: Called with (fids, rows) each time features are set (edit, undo, redo):
        #: the edit journal writes them down.
        self.row_listeners: list[Callable[[Sequence[Any], gpd.GeoDataFrame], None]] = []
        #: Called when the pending edits end (saved or rolled back).
        self.end_listeners: list[Callable[[], None]] = []
        #: Called at a save's commit point, possibly from the saving thread.
        self.commit_listeners: list[Callable[[], None]] = []
        #: True while a save is writing: edits wait (they would be lost from it).
        self.saving = False
        #: Invalid geometries among the edited features: fid -> why and where.
        self.problems: dict[Any, GeometryProblem] = {}
        self.undo_stack = UndoStack()

    # --- state ---------------------------------------------------------------
    @property
    def base(self) -> gpd.GeoDataFrame:
        """The features as last saved (or as read)."""
        return self._base

    @property
    def current(self) -> gpd.GeoDataFrame:
        """The features with the pending edits."""
        return self._current

    @property
    def geometry_kind(self) -> str | None:
        """ "point", "line" or "polygon": what new features must be (None: any)."""
        return self._kind

    def checked_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` as the fields hold them, or the error a form should show.

        Raises
        ------
        EditError, AttributeValueError
            Naming the field and the value that does not fit.
        """
        return {name: self._field_value(name, value) for name, value in values.items()}

    @property
    def is_modified(self) -> bool:
        """True when there are edits not yet saved."""
        return not self.undo_stack.is_clean

    def changes(self, stored: list[str] | None = None) -> EditChanges:
        """What a save must write; ``stored`` limits the fields (virtual ones left out)."""
        fields = stored if stored is not None else list(self._current.columns)
        return edit_changes(self._base, self._current, self._touched, fields, self._field_types)

    # --- edits -----------------------------------------------------------------
    def add_feature(self, geometry: Any, attributes: Mapping[str, Any] | None = None) -> int:
        """Add a feature; its new fid."""
        return self.add_features([geometry], [attributes or {}])[0]

    def add_features(
        self,
        geometries: Sequence[Any],
        attributes: Sequence[Mapping[str, Any]],
        text: str = "",
    ) -> list[int]:
        """Add features in one undo step; their new fids, in order."""
        if len(geometries) != len(attributes):
            raise EditError("Each new feature needs one geometry and one set of attributes")
        shapes = [self._checked_geometry(g) for g in geometries]
        records = [self._record(values, created=True) for values in attributes]
        geometry_name = self._current.geometry.name
        for record, shape in zip(records, shapes, strict=True):
            record[geometry_name] = shape
        fids = list(range(self._next_fid, self._next_fid + len(records)))
        self._next_fid += len(records)
        after = new_rows(self._current, fids, records)
        text = text or ("Add feature" if len(fids) == 1 else f"Add {len(fids)} features")
        self._push(text, fids, after)
        return fids

    def change_attribute_value(self, fid: Any, field: str, value: Any) -> None:
        """Set one field of one feature."""
        self.change_attribute_values(fid, {field: value})

    def change_attribute_values(self, fid: Any, values: Mapping[str, Any]) -> None:
        """Set several fields of one feature in one undo step."""
        self._require(fid)
        record = self._record(values, created=False)
        after = rows_of(self._current, [fid])
        for name, value in record.items():
            set_value(after, fid, name, value)
        names = ", ".join(values)
        self._push(f"Change {names} of feature {fid}", [fid], after)

    def change_geometry(self, fid: Any, geometry: Any, merge_key: Hashable | None = None) -> None:
        """Replace a feature's geometry; equal ``merge_key``s make one undo step."""
        self._require(fid)
        shape = self._checked_geometry(geometry)
        after = rows_of(self._current, [fid])
        after[after.geometry.name] = gpd.GeoSeries([shape], index=after.index, crs=after.crs)
        for name, value in self._tracked(created=False).items():
            set_value(after, fid, name, value)
        self._push(f"Change geometry of feature {fid}", [fid], after, merge_key)

    def change_geometries(self, geometries: Mapping[Any, Any], text: str) -> None:
        """Replace several features' geometries in one undo step called ``text``."""
        fids = list(geometries)
        for fid in fids:
            self._require(fid)
        after = rows_of(self._current, fids)
        shapes = [self._checked_geometry(geometries[fid]) for fid in fids]
        after[after.geometry.name] = gpd.GeoSeries(shapes, index=after.index, crs=after.crs)
        for name, value in self._tracked(created=False).items():
            for fid in fids:
                set_value(after, fid, name, value)
        self._push(text, fids, after)

    def merge_features(self, fids: Sequence[Any], keep: Any) -> Any:
        """Merge features into ``keep`` (its attributes, their geometries' union), one step.

        Raises
        ------
        EditError
            Fewer than two features, or a union that is not of the layer's kind.
        """
        wanted = list(dict.fromkeys(fids))
        if len(wanted) < 2 or keep not in wanted:
            raise EditError("Select two or more features of the layer to merge them")
        for fid in wanted:
            self._require(fid)
        union = shapely.union_all(self._current.geometry.loc[wanted].array)
        if self._kind == "line":
            union = shapely.line_merge(union)  # touching lines become one line
        declared = self._declared_type
        if declared and not declared.startswith("Multi") and union.geom_type.startswith("Multi"):
            raise EditError(
                f"The merged feature would have {shapely.get_num_geometries(union)} separate "
                f'parts, and layer "{self.layer_name}" holds single {declared}s'
            )
        after = rows_of(self._current, [keep])
        after[after.geometry.name] = gpd.GeoSeries(
            [self._checked_geometry(union)], index=after.index, crs=after.crs
        )
        for name, value in self._tracked(created=False).items():
            set_value(after, keep, name, value)
        self._push(f"Merge {len(wanted)} features", wanted, after)
        return keep

    def split_features(self, line: Any, fids: Iterable[Any]) -> list[int]:
        """Split the features ``fids`` that ``line`` cuts across, in one undo step.

        The largest piece keeps the feature's fid; the others become new
        features with the same attributes. Returns the new fids.
        """
        cutter = shapely.from_wkt(line) if isinstance(line, str) else line
        if self._kind == "point":
            raise EditError(f'Layer "{self.layer_name}" holds points: they cannot be split')
        fids_cut: list[Any] = []
        pieces: dict[Any, list[Any]] = {}
        for fid in dict.fromkeys(fids):
            self._require(fid)
            parts = cut_into_pieces(self._current.geometry[fid], cutter)
            if len(parts) > 1:
                fids_cut.append(fid)
                pieces[fid] = parts
        if not fids_cut:
            return []
        rows, new_fids = [], []
        for fid in fids_cut:
            first, *others = pieces[fid]
            rows.append(self._row_with(fid, fid, first))
            for piece in others:
                new_fids.append(self._next_fid)
                rows.append(self._row_with(fid, self._next_fid, piece))
                self._next_fid += 1
        after = gpd.GeoDataFrame(pd.concat(rows), geometry=self._current.geometry.name)
        noun = "feature" if len(fids_cut) == 1 else f"{len(fids_cut)} features"
        self._push(f"Split {noun}", [*fids_cut, *new_fids], after)
        return new_fids

    def _row_with(self, source: Any, fid: Any, geometry: Any) -> gpd.GeoDataFrame:
        """Feature ``source``'s row as feature ``fid`` with ``geometry`` (tracking filled)."""
        row = rows_of(self._current, [source])
        row.index = pd.Index([fid], name=row.index.name, dtype=row.index.dtype)
        geometry = self._checked_geometry(geometry)
        row[row.geometry.name] = gpd.GeoSeries([geometry], index=row.index, crs=row.crs)
        for name, value in self._tracked(created=False).items():
            set_value(row, fid, name, value)
        return row

    def delete_features(self, fids: Iterable[Any]) -> int:
        """Delete features in one undo step; how many were deleted."""
        wanted = list(dict.fromkeys(fids))
        for fid in wanted:
            self._require(fid)
        if not wanted:
            return 0
        text = "Delete feature" if len(wanted) == 1 else f"Delete {len(wanted)} features"
        self._push(text, wanted, self._current.iloc[0:0])
        return len(wanted)

    def adopt(self, frame: gpd.GeoDataFrame) -> None:
        """Take a frame changed outside the edits (a virtual field added or removed)."""
        self._current = frame

    # --- saving and rolling back -------------------------------------------------
    def saved(self, frame: gpd.GeoDataFrame | None = None) -> None:
        """The edits were written: they become the base (``frame`` when the
        save renumbered the features, as a shapefile rewrite does)."""
        self._base = self._current if frame is None else frame
        if frame is not None:
            self._current = frame
            self._show(frame)
        self._touched.clear()
        self.problems.clear()
        self._next_fid = max(
            self._next_fid, int(self._base.index.max()) + 1 if len(self._base) else 1
        )
        self.undo_stack.clear()
        self._ended()

    def rollback(self) -> None:
        """Drop every pending edit: the features are the base again."""
        self.require_not_saving()
        self._current = self._base
        self._touched.clear()
        self.problems.clear()
        self.undo_stack.clear()
        self._show(self._base)
        self._ended()

    def rebase(
        self, rows: gpd.GeoDataFrame, gone: Sequence[Any], versions: RowVersions | None
    ) -> None:
        """Others' saved versions of some features become the base (a save conflict).

        ``rows`` are the features as the source holds them now, ``gone`` the
        fids it no longer has, ``versions`` every base feature's row version
        afterwards. The pending edits are untouched: the next save writes
        them over these versions (see :mod:`mapdesk.core.editing.conflicts`).
        Crash recovery uses it the other way round: the features as read
        before the crash become the base again (:mod:`mapdesk.core.editing.journal`).
        """
        self.require_not_saving()
        base = with_rows(self._base, [*rows.index, *gone], rows)
        self._base = base if versions is None else with_row_versions(base, versions)

    def reached_commit_point(self) -> None:
        """The save being written will land whatever happens now (see saving.CommitPoint)."""
        for listener in list(self.commit_listeners):
            listener()

    def close(self) -> None:
        """Edit mode ends with nothing unsaved: listeners (the journal) let go."""
        self._ended()

    def _ended(self) -> None:
        for listener in list(self.end_listeners):
            listener()

    def restore_rows(
        self, rows: Mapping[Any, Mapping[str, Any] | None], text: str = "Restore unsaved edits"
    ) -> None:
        """Set features to journaled (or decided) states (None: deleted), one undoable step."""
        fids = list(rows)
        present = [fid for fid in fids if rows[fid] is not None]
        records = [dict(rows[fid] or {}) for fid in present]
        after = new_rows(self._current, present, records)
        self._next_fid = max([self._next_fid, *(int(f) + 1 for f in fids)])
        self._push(text, fids, after)

    # --- helpers -------------------------------------------------------------------
    def _push(
        self, text: str, fids: Sequence[Any], after: gpd.GeoDataFrame, merge_key: Hashable = None
    ) -> None:
        self.require_not_saving()
        before = rows_of(self._current, fids)
        command = RowsCommand(text, tuple(fids), before, after, self._set_rows, merge_key)
        self.undo_stack.push(command)

    def _set_rows(self, fids: Sequence[Any], rows: gpd.GeoDataFrame) -> None:
        # Write-ahead: the journal has the rows before the layer shows them; a
        # journal that cannot write stops the edit with nothing half done.
        updated = with_rows(self._current, fids, rows)
        for listener in list(self.row_listeners):
            listener(fids, rows)
        self._current = updated
        self._touched.update(fids)
        geometry_name = self._current.geometry.name
        for fid in fids:
            problem = geometry_problem(rows.at[fid, geometry_name]) if fid in rows.index else None
            if problem is None:
                self.problems.pop(fid, None)
            else:
                self.problems[fid] = problem
        self._show(self._current)

    def require_not_saving(self) -> None:
        if self.saving:
            raise EditError(f'Layer "{self.layer_name}" is being saved: edit again once it is done')

    def _require(self, fid: Any) -> None:
        if fid not in self._current.index:
            raise EditError(f'Layer "{self.layer_name}" has no feature with fid {fid!r}')

    def _record(self, values: Mapping[str, Any], *, created: bool) -> dict[str, Any]:
        if created:  # a new feature starts from the fields' defaults
            defaults = {
                name: rule["default"]
                for name, rule in self.field_rules.items()
                if "default" in rule and name in self._current.columns
            }
            values = {**defaults, **values}
        record = self.checked_values(values)
        # Tracking always says who edited, even over values copied from elsewhere.
        record.update(self._tracked(created=created))
        return record

    def _tracked(self, *, created: bool) -> dict[str, Any]:
        fields = [str(c) for c in self._current.columns if c != self._current.geometry.name]
        values = tracked_values(fields, self.identity, created=created)
        return {name: self._field_value(name, value) for name, value in values.items()}

    def _field_value(self, name: str, value: Any) -> Any:
        frame = self._current
        if name == frame.geometry.name:
            raise EditError(f'"{name}" is the geometry: change it with change_geometry')
        if name not in frame.columns:
            raise EditError(f'Layer "{self.layer_name}" has no field "{name}"')
        if name in set(self._computed()):
            raise EditError(
                f'"{name}" is a virtual field computed from an expression: '
                "change its expression in the Field Calculator"
            )
        checked = field_value(frame[name].dtype, name, value, self._field_types.get(name))
        if checked is not None and (rule := self.field_rules.get(name)):
            check_rule(self.layer_name, name, checked, rule)
        return checked

    def _checked_geometry(self, geometry: Any) -> Any:
        shape = shapely.from_wkt(geometry) if isinstance(geometry, str) else geometry
        if shape is not None and not isinstance(shape, shapely.Geometry):
            raise EditError(f"{geometry!r} is not a geometry")
        if shape is None or shape.is_empty:
            return shape
        kind = KINDS.get(shape.geom_type)
        if self._kind is not None and kind != self._kind:
            raise EditError(
                f'Layer "{self.layer_name}" holds {self._kind}s: a {shape.geom_type} '
                "cannot be added to it"
            )
        if self._declared_type.startswith("Multi") and kind and "Multi" not in shape.geom_type:
            shape = MULTI_OF_KIND[kind]([shape])  # the file's geometry type says multi-part
        return shape
