"""What the database lets this user do to a table: asked before editing and before saving.

A city's shared server gives read-only roles to its planners
(docs/postgis-server.md). Without asking, such a user could enter edit mode,
work for an hour and learn only at Save that the server refuses. mapdesk asks
PostgreSQL (``has_table_privilege``) when editing starts and again before a
save writes anything, and says which table, which role and which privilege
is missing. The role named is ``current_user``, the one PostgreSQL checks; a
login that starts its sessions as its team role (the city's set-up does)
is named too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.errors import DataSourceError, MapdeskError
from mapdesk.io.postgis import reader
from mapdesk.io.postgis.catalog import Column, SpatialTable
from mapdesk.io.postgis.connection import connect, failure
from mapdesk.io.postgis.uri import PostgisUri

#: What each kind of edit needs, in the order messages list them.
EDIT_PRIVILEGES = ("INSERT", "UPDATE", "DELETE")
#: INSERT and UPDATE may be granted on some columns only (``GRANT UPDATE (status)``):
#: saves write only the changed columns, so any column's grant lets a save try,
#: and the server's refusal of another column comes back through :func:`denied`.
_ASKS = ", ".join(
    f"has_any_column_privilege(%(oid)s::oid, '{p}')"
    if p in ("INSERT", "UPDATE")
    else f"has_table_privilege(%(oid)s::oid, '{p}')"
    for p in EDIT_PRIVILEGES
)
_VERBS = {
    "INSERT": "add features to",
    "UPDATE": "change features of",
    "DELETE": "delete features of",
}


class PrivilegeError(SaveError, DataSourceError):
    """The database role may not make these edits; nothing was written, the edits are kept.

    A :class:`SaveError` (the app offers Save As, as for any refused save)
    and a :class:`DataSourceError` (the database refused, not the data).
    """


@dataclass(frozen=True)
class EditRights:
    """What the session's role may do to one table.

    Attributes
    ----------
    role : str
        How messages name the role: ``city_planner`` or ``jsmith (as city_gis)``.
    granted : frozenset of str
        The privileges of :data:`EDIT_PRIVILEGES` the role has.
    sequence : str or None
        The serial key's sequence when the role may not use it (new features
        could not be numbered); None when there is none or it may.
    """

    role: str
    granted: frozenset[str]
    sequence: str | None = None

    def missing(self, needed: Iterable[str]) -> list[str]:
        """The privileges of ``needed`` the role lacks, a sequence's USAGE included."""
        wanted = set(needed)
        lacking = [p for p in EDIT_PRIVILEGES if p in wanted and p not in self.granted]
        if "INSERT" in wanted and "INSERT" in self.granted and self.sequence is not None:
            lacking.append(f"USAGE on sequence {self.sequence}")
        return lacking

    @property
    def read_only(self) -> bool:
        """True when the role may neither add, change nor delete features."""
        return not self.granted


def edit_rights(
    conn: psycopg.Connection[Any], table: SpatialTable, key: Column | None = None
) -> EditRights:
    """Ask the server what the session's role may do to ``table`` (one round trip)."""
    row = conn.execute(
        f"SELECT current_user, session_user, {_ASKS}, "
        "(SELECT s FROM pg_catalog.pg_get_serial_sequence(%(oid)s::oid::regclass::text, "
        "                                                 %(key)s) AS s "
        " WHERE NOT has_sequence_privilege(s, 'USAGE') "
        "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = %(oid)s "
        "                   AND attname = %(key)s AND attidentity <> ''))",
        {"oid": table.oid, "key": key.name if key else None},
    ).fetchone()
    assert row is not None  # a SELECT without FROM returns one row
    current, session, *granted, sequence = row
    role = current if current == session else f"{session} (as {current})"
    names = frozenset(p for p, yes in zip(EDIT_PRIVILEGES, granted, strict=True) if yes)
    return EditRights(role, names, sequence)


def refusal(shown: str, rights: EditRights, needed: Iterable[str]) -> PrivilegeError | None:
    """The error for edits needing ``needed`` privileges on ``shown``; None if all are held."""
    needed = list(needed)
    lacking = rights.missing(needed)
    if not lacking:
        return None
    doing = " or ".join(_VERBS[p] for p in EDIT_PRIVILEGES if p in needed)
    what = ", ".join(lacking)
    return PrivilegeError(
        f"{shown}: nothing was saved: your database role {rights.role} may not {doing} "
        f"{shown} (missing privilege: {what}); your edits are kept. Ask the database "
        "administrator for edit rights, or use Save As to keep them in a GeoPackage"
    )


def needed_for(changes: EditChanges) -> list[str]:
    """The privileges a save of ``changes`` needs."""
    needed = []
    if changes.added:
        needed.append("INSERT")
    if changes.changed:
        needed.append("UPDATE")
    if changes.deleted:
        needed.append("DELETE")
    return needed


def denied(
    shown: str, rights: EditRights, exc: psycopg.errors.InsufficientPrivilege
) -> PrivilegeError:
    """The error for a statement the server refused anyway (column grants, row security)."""
    reason = " ".join(str(exc.diag.message_primary or exc).split())
    return PrivilegeError(
        f"{shown}: nothing was saved: the database refused your role {rights.role} ({reason}); "
        "your edits are kept. Ask the database administrator for edit rights, or use Save "
        "As to keep them in a GeoPackage"
    )


def edit_refusal(uri_text: str) -> str | None:
    """Why the user may not edit the table ``uri_text`` names; None when they may.

    Asked when edit mode starts: a role that may neither add, change nor
    delete features (a planner's read-only role) is told at once.

    Raises
    ------
    DataSourceError
        When the database cannot be reached or the table is gone.
    """
    uri = PostgisUri.parse(uri_text)
    try:
        with connect(uri.connection, uri.password) as conn:
            table = reader.find_table(conn, uri)
            rights = edit_rights(conn, table)
    except MapdeskError:
        raise
    except psycopg.Error as exc:
        raise failure(uri.connection, exc, uri.password) from None
    if not rights.read_only:
        return None
    return (
        f"{table.table} is read-only for your database role {rights.role}: it may not add, "
        "change or delete features (no INSERT, UPDATE or DELETE privilege). Ask the database "
        "administrator for edit rights, or export the layer and edit the copy"
    )
