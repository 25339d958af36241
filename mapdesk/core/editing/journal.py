"""The edit journal: every edit is on disk before the next one, so a crash loses none.

Each time an edit (or an undo or redo) sets features of a layer, the rows as
they now are (or "deleted") are appended to an SQLite database in the user's
data folder and committed with ``synchronous=FULL`` in WAL mode: fsynced
before the edit returns. A save or a rollback clears the layer's entries.
After a crash or a kill, ``pending()`` lists the layers with unsaved edits and
``restore`` puts them back into a fresh edit session, as one undoable step.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapdesk.core.editing.values import is_missing
from mapdesk.core.user_data import user_data_dir

if TYPE_CHECKING:
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
    boot TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class JournaledLayer:
    """A layer with edits in the journal: which file, how many features, since when."""

    key: str
    path: str
    layer: str | None
    name: str
    features: int
    last_edit: str

    def describe(self) -> str:
        noun = "feature" if self.features == 1 else "features"
        where = Path(self.path).name + (f", layer {self.layer}" if self.layer else "")
        return f"{self.name} ({where}): {self.features} {noun} edited, last at {self.last_edit}"


#: Columns later versions added, with the value old entries get.
_ADDED_COLUMNS = {"pid": "INTEGER NOT NULL DEFAULT 0", "boot": "TEXT NOT NULL DEFAULT ''"}


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    """Bring a journal written by an older mapdesk up to date (its entries kept)."""
    present = {str(row[1]) for row in connection.execute("PRAGMA table_info(entries)")}
    for name, definition in _ADDED_COLUMNS.items():
        if name not in present:
            connection.execute(f"ALTER TABLE entries ADD COLUMN {name} {definition}")


def layer_key(layer: VectorLayer) -> str | None:
    """What identifies a layer across runs: its file and sub-layer (None: no file)."""
    origin = layer.origin
    if origin is None:
        return None
    return json.dumps([os.path.abspath(origin.path), origin.layer])


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
                self.record(key, layer.name, fids, rows)

        def discard() -> None:
            if (key := layer_key(layer)) is not None:
                self.discard(key)

        session.row_listeners.append(record)
        session.end_listeners.append(discard)
        # A rewrite may renumber the features: entries must go before the
        # renames, once the save is sure to land, not after them.
        session.commit_listeners.append(discard)

    def record(self, key: str, name: str, fids: Sequence[Any], rows: gpd.GeoDataFrame) -> None:
        """Append the rows ``fids`` now have (absent: deleted), durably."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        pid, boot = os.getpid(), _boot_id()
        entries = [
            (
                key,
                name,
                int(fid),
                _encode_row(rows.loc[fid]) if fid in rows.index else None,
                at,
                pid,
                boot,
            )
            for fid in fids
        ]
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO entries (layer_key, layer_name, fid, row, at, pid, boot) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
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

    def rows(self, key: str) -> dict[int, dict[str, Any] | None]:
        """The last journaled state of each feature of a layer (None: deleted)."""
        with self._lock:
            found = (
                self._db()
                .execute("SELECT fid, row FROM entries WHERE layer_key = ? ORDER BY id", (key,))
                .fetchall()
            )
        return {int(fid): (_decode_row(row) if row is not None else None) for fid, row in found}

    def restore(self, layer: VectorLayer) -> int:
        """Put the journaled edits back into ``layer`` (in edit mode); how many features."""
        key = layer_key(layer)
        session = layer.edit_session
        if key is None or session is None:
            return 0
        rows = self.rows(key)
        if rows:
            session.restore_rows(rows)
        return len(rows)


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
    return json.dumps({str(name): _encode(value) for name, value in row.items()})


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
    return {name: _decode(value) for name, value in json.loads(text).items()}


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
