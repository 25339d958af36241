"""The edit journal: every edit is on disk before the next one, so a crash loses none.

Each time an edit (or an undo or redo) sets features of a layer, the rows as
they now are (or "deleted") are appended to an SQLite database in the user's
data folder and committed with ``synchronous=FULL`` in WAL mode: fsynced
before the edit returns. A save or a rollback clears the layer's entries:
all of them, so edit mode starts on a layer only once a crash's entries of it
were restored into the session or discarded (``pending_for``). After a crash
or a kill, ``pending()`` lists the layers with unsaved edits and ``restore``
puts them back into a fresh edit session, as one undoable step.

A shared database's layer (PostGIS, keyed by its password-free address) is
reread at recovery, and others may have saved some of the edited features in
between. So each entry of such a layer also keeps the feature as it was read
and its row version (``base``): the restored session checks its save against
those, not against the fresh read, and a feature someone else changed or
deleted meanwhile is a save conflict, never silently overwritten.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapdesk.core.data_uri import is_uri, without_password
from mapdesk.core.editing.rows import new_rows
from mapdesk.core.editing.values import is_missing
from mapdesk.core.editing.versions import row_versions
from mapdesk.core.user_data import user_data_dir

if TYPE_CHECKING:
    from mapdesk.core.editing.session import EditSession
    from mapdesk.core.layer import VectorLayer

JOURNAL_NAME = "edit-journal.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    layer_key TEXT NOT NULL,
    layer_name TEXT NOT NULL,
    fid INTEGER NOT NULL,
    row TEXT,
    at TEXT NOT NULL,
    pid INTEGER NOT NULL,
    boot TEXT NOT NULL,
    base TEXT
)
"""


@dataclass(frozen=True)
class JournaledLayer:
    """A layer with edits in the journal: which file (or address), how many features, since when."""

    key: str
    path: str
    layer: str | None
    name: str
    features: int
    last_edit: str

    def describe(self) -> str:
        noun = "feature" if self.features == 1 else "features"
        if is_uri(self.path):  # "public.parcels on gis:5432/city", the table once
            where = address_label(self.path, self.layer).removeprefix(f"{self.name} ")
        else:
            where = Path(self.path).name + (f", layer {self.layer}" if self.layer else "")
        return f"{self.name} ({where}): {self.features} {noun} edited, last at {self.last_edit}"


@dataclass(frozen=True)
class JournaledBase:
    """What an edit of a versioned source was made against (see the module docstring).

    ``row`` is the feature as it was read and ``version`` its row version;
    both are None for a feature added in the session.
    """

    row: dict[str, Any] | None
    version: int | None


#: Columns later versions added, with the value old entries get.
_ADDED_COLUMNS = {
    "pid": "INTEGER NOT NULL DEFAULT 0",
    "boot": "TEXT NOT NULL DEFAULT ''",
    "base": "TEXT",  # NULL: a source without row versions (or an older mapdesk)
}


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    """Bring a journal written by an older mapdesk up to date (its entries kept)."""
    present = {str(row[1]) for row in connection.execute("PRAGMA table_info(entries)")}
    for name, definition in _ADDED_COLUMNS.items():
        if name not in present:
            connection.execute(f"ALTER TABLE entries ADD COLUMN {name} {definition}")


def layer_key(layer: VectorLayer) -> str | None:
    """What identifies a layer across runs: its file or address, and sub-layer (None: neither).

    An address is kept as it is (never a password: the journal is a plain file).
    """
    origin = layer.origin
    if origin is None:
        return None
    path = origin.path
    source = without_password(path) if is_uri(path) else os.path.abspath(path)
    return json.dumps([source, origin.layer])


def address_label(uri: str, layer: str | None = None) -> str:
    """How messages name a database layer: its table and server, never a password.

    Examples
    --------
    >>> address_label("postgresql://ed:pw@gis:5433/city?table=public.parcels&bbox=1,2,3,4")
    'public.parcels on gis:5433/city, filtered'
    """
    parts = urlsplit(uri)
    query = dict(parse_qsl(parts.query))
    table = query.get("table") or layer or "(no table)"
    server = parts.netloc.rpartition("@")[2] or query.get("host") or query.get("service", "")
    database = unquote(parts.path.lstrip("/")) or query.get("dbname", "")
    filtered = ", filtered" if {"bbox", "where"} & set(query) else ""
    return f"{table} on {unquote(server) or 'localhost'}/{database}{filtered}"


class EditJournal:
    """The journal file; ``follow`` a layer in edit mode to journal its edits."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else user_data_dir() / JOURNAL_NAME
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(_SCHEMA)
            _add_missing_columns(connection)
            self._connection = connection
        return self._connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # --- writing ------------------------------------------------------------------
    def follow(self, layer: VectorLayer) -> None:
        """Journal every edit of ``layer`` (in edit mode) from now on."""
        session = layer.edit_session
        if session is None:
            return

        # The key is taken at each edit: after a Save As the layer's file is another.
        def record(fids: Sequence[Any], rows: gpd.GeoDataFrame) -> None:
            if (key := layer_key(layer)) is not None:
                self.record(key, layer.name, fids, rows, session.base)

        def discard() -> None:
            if (key := layer_key(layer)) is not None:
                self.discard(key)

        session.row_listeners.append(record)
        session.end_listeners.append(discard)
        # A rewrite may renumber the features: entries must go before the
        # renames, once the save is sure to land, not after them.
        session.commit_listeners.append(discard)

    def record(
        self,
        key: str,
        name: str,
        fids: Sequence[Any],
        rows: gpd.GeoDataFrame,
        base: gpd.GeoDataFrame | None = None,
    ) -> None:
        """Append the rows ``fids`` now have (absent: deleted), durably.

        ``base`` is the session's base frame: when it carries row versions,
        each feature's base row and version are journaled with it.
        """
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        pid, boot = os.getpid(), _boot_id()
        versions = row_versions(base) if base is not None else None
        entries = [
            (
                key,
                name,
                int(fid),
                _encode_row(rows.loc[fid]) if fid in rows.index else None,
                at,
                pid,
                boot,
                _encode_base(base, versions, fid)
                if base is not None and versions is not None
                else None,
            )
            for fid in fids
        ]
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO entries (layer_key, layer_name, fid, row, at, pid, boot, base) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                entries,
            )
            db.execute("COMMIT")

    def discard(self, key: str) -> None:
        """Forget a layer's entries (saved, rolled back, or the user said discard)."""
        with self._lock:
            self._db().execute("DELETE FROM entries WHERE layer_key = ?", (key,))

    # --- reading --------------------------------------------------------------------
    def pending(self) -> list[JournaledLayer]:
        """The layers with journaled edits of a mapdesk that is no longer running.

        Edits of another mapdesk still open (same user, same journal) are its
        own business, not something to recover.
        """
        if not self.path.exists():
            return []
        query = (
            "SELECT layer_key, max(layer_name), count(DISTINCT fid), max(at), "
            "group_concat(DISTINCT pid || '@' || boot) FROM entries "
            "GROUP BY layer_key ORDER BY min(id)"
        )
        with self._lock:
            found = self._db().execute(query).fetchall()
        layers = []
        for key, name, count, at, pids in found:
            if any(_still_editing(writer) for writer in str(pids).split(",")):
                continue
            path, layer = json.loads(key)
            layers.append(JournaledLayer(key, path, layer, name, int(count), str(at)))
        return layers

    def pending_for(self, key: str) -> JournaledLayer | None:
        """The crash's edits of one layer (``pending`` for ``key``); None: there are none.

        Asked when edit mode starts: a session journals under the same key,
        and its save, rollback or Stop Editing clears the key's entries, so
        the user decides about a crash's edits before that session begins.
        """
        return next((layer for layer in self.pending() if layer.key == key), None)

    def rows(self, key: str) -> dict[int, dict[str, Any] | None]:
        """The last journaled state of each feature of a layer (None: deleted)."""
        with self._lock:
            found = (
                self._db()
                .execute("SELECT fid, row FROM entries WHERE layer_key = ? ORDER BY id", (key,))
                .fetchall()
            )
        return {int(fid): (_decode_row(row) if row is not None else None) for fid, row in found}

    def bases(self, key: str) -> dict[int, JournaledBase]:
        """What each journaled feature of a versioned source was edited against.

        The last entry of a feature counts (a resolved save conflict moved its
        base on); features journaled without a base are left out.
        """
        with self._lock:
            found = (
                self._db()
                .execute("SELECT fid, base FROM entries WHERE layer_key = ? ORDER BY id", (key,))
                .fetchall()
            )
        bases = {int(fid): base for fid, base in found}
        return {fid: _decode_base(base) for fid, base in bases.items() if base is not None}

    def restore(self, layer: VectorLayer) -> int:
        """Put the journaled edits back into ``layer`` (in edit mode); how many features.

        For a versioned source the journaled base rows and versions become
        the session's base again first, so that a save checks the edits
        against what they were made on (see the module docstring).
        """
        key = layer_key(layer)
        session = layer.edit_session
        if key is None or session is None:
            return 0
        rows = self.rows(key)
        if rows:
            rows = _rebased_on_journal(session, rows, self.bases(key))
            session.restore_rows(rows)
        return len(rows)


def _rebased_on_journal(
    session: EditSession,
    rows: dict[int, dict[str, Any] | None],
    bases: dict[int, JournaledBase],
) -> dict[int, dict[str, Any] | None]:
    """Make the journaled base rows and versions the session's base; ``rows`` to restore.

    A feature added before the crash whose fid the source has since given
    to another feature (someone else's insert) gets a fresh fid: restored
    over theirs it would overwrite it.
    """
    versions = row_versions(session.base)
    if versions is None or not bases:
        return rows
    read = {fid: base for fid, base in bases.items() if base.row is not None}
    if read:
        fids = list(read)
        base_rows = new_rows(session.base, fids, [dict(read[f].row or {}) for f in fids])
        known = {fid: int(b.version) for fid, b in read.items() if b.version is not None}
        session.rebase(base_rows, [], versions.updated(known))
    taken = [fid for fid, base in bases.items() if base.row is None and fid in session.base.index]
    if not taken:
        return rows
    used = [*session.base.index, *session.current.index, *rows]
    next_fid = int(max(used)) + 1
    renumbered = {fid: next_fid + n for n, fid in enumerate(taken)}
    return {renumbered.get(fid, fid): row for fid, row in rows.items()}


def _boot_id() -> str:
    """This boot of the machine (Linux's boot_id): a pid means nothing across reboots."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _still_editing(writer: str) -> bool:
    """True when the mapdesk that wrote ``pid@boot`` entries is still running."""
    pid, _, boot = writer.partition("@")
    return boot == _boot_id() and _running(int(pid))


def _running(pid: int) -> bool:
    """True when process ``pid`` is alive (this one included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


# --- rows as JSON -----------------------------------------------------------------------
def _encode_row(row: pd.Series) -> str:
    return json.dumps(_encoded(row))


def _encoded(row: pd.Series) -> dict[str, Any]:
    return {str(name): _encode(value) for name, value in row.items()}


def _encode_base(base: gpd.GeoDataFrame, versions: Mapping[Any, int], fid: Any) -> str:
    """``{"row": ..., "version": ...}`` of a base feature; both null for a new one."""
    if fid not in base.index:
        return json.dumps({"row": None, "version": None})
    version = versions.get(fid)
    return json.dumps(
        {"row": _encoded(base.loc[fid]), "version": int(version) if version is not None else None}
    )


def _decode_base(text: str) -> JournaledBase:
    found = json.loads(text)
    row = found.get("row")
    version = found.get("version")
    return JournaledBase(
        _decoded(row) if row is not None else None, int(version) if version is not None else None
    )


def _encode(value: Any) -> Any:
    if isinstance(value, shapely.Geometry):
        return {"$wkb": base64.b64encode(shapely.to_wkb(value, flavor="iso")).decode()}
    if isinstance(value, np.ndarray):  # a list field (GeoJSON arrays)
        return [_encode(item) for item in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return {"$datetime": pd.Timestamp(value).isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return value


def _decode_row(text: str) -> dict[str, Any]:
    return _decoded(json.loads(text))


def _decoded(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in row.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, data),) = value.items()
        if tag == "$wkb":
            return shapely.from_wkb(base64.b64decode(data))
        if tag == "$datetime":
            return pd.Timestamp(data)
        if tag == "$date":
            return dt.date.fromisoformat(data)
        if tag == "$bytes":
            return base64.b64decode(data)
    return value
