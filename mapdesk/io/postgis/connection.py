"""Which PostgreSQL server and database to use, and opening a session on it.

A :class:`PgConnection` holds what may be written down (host, port, database,
user, SSL mode, or a libpq service name) and never a password. The password is
found at connection time: one given for this session only, else the operating
system's keyring (:mod:`mapdesk.io.postgis.passwords`), else libpq's own
``PGPASSWORD``/``.pgpass``/service file, which libpq reads itself.

psycopg's error text can repeat connection parameters, so every failure leaves
here as a :class:`~mapdesk.core.errors.DataSourceError` whose message names the
server and database and has any password scrubbed out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mapdesk.core.errors import DataSourceError

if TYPE_CHECKING:  # psycopg is imported when a connection is opened, not with mapdesk
    import psycopg

#: libpq's SSL modes, weakest to strongest.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PORT = 5432
#: Seconds to wait for a server before saying it cannot be reached.
CONNECT_TIMEOUT = 10

_PASSWORD_SETTING = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)


@dataclass(frozen=True)
class PgConnection:
    """Where a PostgreSQL database is: everything but the password.

    Attributes
    ----------
    host : str or None
        Server name or address, or a folder holding the server's Unix socket;
        None lets libpq choose (``PGHOST``, else the local socket).
    port : int or None
        None means libpq's default (``PGPORT``, else 5432).
    dbname, user : str or None
        None lets libpq choose (``PGDATABASE``/``PGUSER``, else the login name).
    sslmode : str or None
        One of :data:`SSL_MODES`; None means libpq's default (``prefer``).
    service : str or None
        A name from ``pg_service.conf``, whose settings the others override.
    """

    host: str | None = None
    port: int | None = None
    dbname: str | None = None
    user: str | None = None
    sslmode: str | None = None
    service: str | None = None

    def __post_init__(self) -> None:
        if self.sslmode is not None and self.sslmode not in SSL_MODES:
            raise DataSourceError(
                f"PostgreSQL SSL mode {self.sslmode!r} is not one of {', '.join(SSL_MODES)}"
            )
        if self.port is not None and not 0 < self.port < 65536:
            raise DataSourceError(f"PostgreSQL port {self.port} is not a port number (1-65535)")

    @property
    def label(self) -> str:
        """How messages name the database: ``user@host:port/dbname`` or the service."""
        if self.service and not (self.host or self.dbname):
            return f"service {self.service}"
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"{user}{self.host or 'localhost'}{port}/{self.dbname or '(default database)'}"

    def settings(self) -> dict[str, Any]:
        """The libpq connection settings that are given (never a password)."""
        values = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "sslmode": self.sslmode,
            "service": self.service,
        }
        return {key: value for key, value in values.items() if value is not None}


def scrub(text: str, password: str | None = None) -> str:
    """``text`` with the password and any ``password=...`` or ``user:secret@`` removed.

    Examples
    --------
    >>> scrub("dbname=city password=hunter2 host=gis", None)
    'dbname=city password=*** host=gis'
    """
    if password:
        text = text.replace(password, "***")
    text = _PASSWORD_SETTING.sub(r"\1***", text)
    return _URI_PASSWORD.sub(r"\1***@", text)


def failure(connection: PgConnection, exc: BaseException, password: str | None) -> DataSourceError:
    """The message for a failed connection or query: the database named, no secrets."""
    reason = " ".join(scrub(str(exc), password).split()) or type(exc).__name__
    reason = reason.removeprefix("connection failed: ")
    return DataSourceError(f"PostgreSQL {connection.label}: {reason}")


def connect(connection: PgConnection, password: str | None = None) -> psycopg.Connection[Any]:
    """Open a session, finding the password as the module docstring says.

    Raises
    ------
    DataSourceError
        When the server cannot be reached or refuses the login; the message
        names the server and the database and never the password.
    """
    import psycopg

    from mapdesk.io.postgis.passwords import stored_password

    secret = password if password is not None else stored_password(connection)
    settings = connection.settings()
    if secret:
        settings["password"] = secret
    # UTF-8 whatever the database's encoding: the binary COPY decoder reads text as
    # UTF-8 (a LATIN1 database's accents failed to decode), and the server converts.
    settings.update(
        connect_timeout=CONNECT_TIMEOUT, application_name="mapdesk", client_encoding="UTF8"
    )
    try:
        return psycopg.connect(**settings)
    except psycopg.Error as exc:
        raise failure(connection, exc, secret) from None
