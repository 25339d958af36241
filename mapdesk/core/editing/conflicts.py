"""Save conflicts: features someone else changed or deleted since they were read.

A shared database's writer (PostGIS) saves a feature only if nobody saved it
in between; otherwise it writes nothing at all and raises
:class:`SaveConflictError` listing an :class:`EditConflict` per feature. The
user then decides, per feature, as in a version reconcile:

* **keep mine**: my edits are written over their version; fields only they
  changed keep their values;
* **take theirs**: my edits of that feature are dropped;
* **per field**: mine or theirs field by field.

:func:`resolve_conflicts` makes the decisions edits of the session (one
undoable step) over a base that is now *their* version, so the next save
checks against what they saved and writes exactly what was chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import geopandas as gpd

from mapdesk.core.editing.changes import same_value
from mapdesk.core.editing.rows import new_rows
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.editing.session import EditSession
from mapdesk.core.editing.versions import RowVersions, row_versions


class Side(Enum):
    """Whose value a resolved field takes."""

    MINE = "mine"
    THEIRS = "theirs"


@dataclass(frozen=True)
class FieldConflict:
    """A field whose value differs between my edit and their saved version."""

    name: str
    original: Any
    mine: Any
    theirs: Any

    @property
    def changed_by(self) -> str:
        """ "me", "them" or "both": who changed it since it was read."""
        mine = not same_value(self.mine, self.original)
        theirs = not same_value(self.theirs, self.original)
        return "both" if mine and theirs else "me" if mine else "them"

    @property
    def default_side(self) -> Side:
        """What "keep mine" takes: mine where I changed it, else theirs."""
        return Side.THEIRS if self.changed_by == "them" else Side.MINE


@dataclass(frozen=True)
class EditConflict:
    """One feature that someone else saved since I read it.

    Attributes
    ----------
    fid
        The feature (its key in the table).
    deleted_by_them
        They deleted it (``theirs`` is None).
    deleted_by_me
        I deleted it and they changed it.
    fields
        The fields whose values differ between mine and theirs.
    theirs
        Their saved feature (every stored field and the geometry), or None.
    their_version
        Its row version now (None when deleted).
    """

    fid: Any
    deleted_by_them: bool
    deleted_by_me: bool
    fields: tuple[FieldConflict, ...]
    theirs: Mapping[str, Any] | None
    their_version: int | None

    def describe(self) -> str:
        """One line for messages: what happened to the feature."""
        if self.deleted_by_them:
            return f"feature {self.fid}: you changed it, someone else deleted it"
        names = ", ".join(f.name for f in self.fields) or "no field"
        if self.deleted_by_me:
            return f"feature {self.fid}: you deleted it, someone else changed {names}"
        return f"feature {self.fid}: you and someone else both changed it ({names} differ)"


class SaveConflictError(SaveError):
    """Others saved some of the edited features first: nothing was written."""

    def __init__(self, layer: str, conflicts: Sequence[EditConflict]) -> None:
        self.layer = layer
        self.conflicts = tuple(conflicts)
        shown = "\n".join(f"• {c.describe()}" for c in self.conflicts[:10])
        more = len(self.conflicts) - 10
        tail = f"\n• … and {more} more" if more > 0 else ""
        noun = "feature was" if len(self.conflicts) == 1 else "features were"
        super().__init__(
            f"{layer}: nothing was saved: {len(self.conflicts)} {noun} changed by someone "
            f"else since you loaded them:\n{shown}{tail}\nYour edits are kept; choose whose "
            "version to keep and save again."
        )


#: A decision for one feature: a whole side, or a side per conflicting field.
Decision = Side | Mapping[str, Side]


def find_conflict(
    fid: Any,
    original: Mapping[str, Any],
    mine: Mapping[str, Any] | None,
    theirs: Mapping[str, Any] | None,
    their_version: int | None,
) -> EditConflict | None:
    """The conflict of a feature I edited (``mine`` None: deleted) given their version.

    None when there is nothing to decide: both deleted it, or their version
    has the values of mine in every field.
    """
    if theirs is None:
        if mine is None:
            return None  # deleted by both: what I wanted has happened
        return EditConflict(fid, True, False, (), None, None)
    names = list(theirs)
    if mine is None:  # deleted by me: what did they change?
        fields = tuple(
            FieldConflict(n, original.get(n), None, theirs[n])
            for n in names
            if not same_value(original.get(n), theirs[n])
        )
        return EditConflict(fid, False, True, fields, dict(theirs), their_version)
    fields = tuple(
        FieldConflict(n, original.get(n), mine.get(n), theirs[n])
        for n in names
        if not same_value(mine.get(n), theirs[n])
    )
    if not fields:
        return None
    return EditConflict(fid, False, False, fields, dict(theirs), their_version)


def resolve_conflicts(
    session: EditSession,
    conflicts: Sequence[EditConflict],
    decisions: Mapping[Any, Decision],
) -> None:
    """Apply the user's decisions so that saving again writes them.

    Their versions become the session's base (with their row versions); my
    features become what was decided, as one undoable edit "Resolve save
    conflicts". A feature without a decision is kept as mine.
    """
    if not conflicts:
        return
    base = session.base
    geometry = base.geometry.name
    present = [c for c in conflicts if c.theirs is not None]
    gone = [c.fid for c in conflicts if c.theirs is None]
    theirs_rows = new_rows(base, [c.fid for c in present], [dict(c.theirs or {}) for c in present])
    versions = row_versions(base) or RowVersions()
    versions = versions.updated(
        {c.fid: int(c.their_version) for c in present if c.their_version is not None}, gone
    )
    session.rebase(theirs_rows, gone, versions)
    resolved: dict[Any, dict[str, Any] | None] = {}
    for conflict in conflicts:
        decision = decisions.get(conflict.fid, Side.MINE)
        resolved[conflict.fid] = _resolved_row(session, conflict, decision, geometry)
    session.restore_rows(resolved, text="Resolve save conflicts")


def _resolved_row(
    session: EditSession, conflict: EditConflict, decision: Decision, geometry: str
) -> dict[str, Any] | None:
    """The feature as decided (None: deleted)."""
    current = session.current
    mine = _record(current, conflict.fid, geometry)
    if conflict.theirs is None:  # deleted by them: keep mine re-creates it
        return mine if _side(decision, None, Side.MINE) is Side.MINE else None
    if conflict.deleted_by_me:
        return None if _side(decision, None, Side.MINE) is Side.MINE else dict(conflict.theirs)
    row = dict(mine or {})
    row.update(conflict.theirs)
    for field in conflict.fields:
        if _side(decision, field.name, field.default_side) is Side.MINE:
            row[field.name] = field.mine
    return row


def _side(decision: Decision, name: str | None, default: Side) -> Side:
    if isinstance(decision, Side):
        if decision is Side.MINE and name is not None:
            return default  # keep mine: their changes to fields I left alone stay
        return decision
    if name is None:
        sides = set(decision.values())
        return Side.THEIRS if sides == {Side.THEIRS} else Side.MINE
    return decision.get(name, default)


def _record(frame: gpd.GeoDataFrame, fid: Any, geometry: str) -> dict[str, Any] | None:
    if fid not in frame.index:
        return None
    row = frame.loc[fid]
    record = {str(name): row[name] for name in frame.columns}
    record[geometry] = row[geometry]
    return record
