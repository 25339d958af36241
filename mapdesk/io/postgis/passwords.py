"""PostgreSQL passwords in the operating system's keyring, and nowhere else.

mapdesk never writes a database password to a project file, a log or a
message: it is kept by the keyring (Windows Credential Manager, macOS
Keychain, the Secret Service on Linux) under the service name
:data:`KEYRING_SERVICE` and the key ``user@host:port``, so every database on
one server shares the login, as PostgreSQL roles do. A password can also be
stored from a terminal with the keyring package's own command::

    python -m keyring set mapdesk-postgresql editor@gis.portland.local:5432

Without a keyring (a headless server) the lookups find nothing and libpq's
``.pgpass`` file or ``PGPASSWORD`` is used instead.
"""

from __future__ import annotations

import logging

from mapdesk.core.errors import DataSourceError
from mapdesk.io.postgis.connection import DEFAULT_PORT, PgConnection

KEYRING_SERVICE = "mapdesk-postgresql"

#: Passwords typed for this run of mapdesk only ("Save password" not ticked), in memory.
_SESSION: dict[str, str] = {}

log = logging.getLogger(__name__)


def keyring_key(connection: PgConnection) -> str:
    """The keyring user name a connection's password is stored under.

    Examples
    --------
    >>> keyring_key(PgConnection(host="gis", user="editor", dbname="city"))
    'editor@gis:5432'
    """
    if connection.service and not connection.host:
        return f"{connection.user or ''}@service:{connection.service}"
    host = connection.host or "localhost"
    return f"{connection.user or ''}@{host}:{connection.port or DEFAULT_PORT}"


def remember_for_session(connection: PgConnection, password: str) -> None:
    """Use ``password`` for the connection until mapdesk quits; it is written nowhere."""
    _SESSION[keyring_key(connection)] = password


def stored_password(connection: PgConnection) -> str | None:
    """This session's password for the connection, else the keyring's; None when neither."""
    import keyring

    if (typed := _SESSION.get(keyring_key(connection))) is not None:
        return typed

    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_key(connection))
    except Exception as exc:  # any backend failure: fall back to libpq's own files
        log.info("No password from the keyring for %s (%s)", connection.label, type(exc).__name__)
        return None


def store_password(connection: PgConnection, password: str) -> None:
    """Keep ``password`` in the keyring for the connection's server and user.

    Raises
    ------
    DataSourceError
        When no keyring is available to hold it (the message says what to do).
    """
    import keyring

    try:
        keyring.set_password(KEYRING_SERVICE, keyring_key(connection), password)
    except Exception as exc:  # the backend's text is not shown: it may echo the secret
        raise DataSourceError(
            f"PostgreSQL {connection.label}: the password could not be kept in the system "
            f"keyring ({type(exc).__name__}); put it in your .pgpass file instead"
        ) from None


def forget_password(connection: PgConnection) -> None:
    """Remove the connection's password from the keyring and this session (if there)."""
    import keyring

    _SESSION.pop(keyring_key(connection), None)

    try:
        keyring.delete_password(KEYRING_SERVICE, keyring_key(connection))
    except Exception as exc:  # absent, or no keyring: nothing is stored either way
        log.info("No keyring password removed for %s (%s)", connection.label, type(exc).__name__)
