"""Saved PostgreSQL connections (Layer ▸ Add PostGIS Layer…), kept in the app settings.

Only what may be written down is saved: host, port, database, user, SSL mode
and service name, under ``postgis/connections/<name>/``. A password never is:
it goes to the system keyring when the user ticks "Save password"
(:mod:`mapdesk.io.postgis.passwords`), else it is kept in memory for the session.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from mapdesk.core.errors import DataSourceError
from mapdesk.io.postgis.connection import PgConnection

_GROUP = "postgis/connections"
_FIELDS = ("host", "port", "dbname", "user", "sslmode", "service")


def saved_connections() -> dict[str, PgConnection]:
    """The saved connections by name, sorted by name; a malformed entry is skipped."""
    settings = QSettings()
    settings.beginGroup(_GROUP)
    found: dict[str, PgConnection] = {}
    for name in sorted(settings.childGroups(), key=str.lower):
        values = {key: settings.value(f"{name}/{key}", "") for key in _FIELDS}
        text = {
            key: str(value) if value not in (None, "") else None for key, value in values.items()
        }
        try:
            port = int(text["port"]) if text["port"] else None
            found[name] = PgConnection(
                host=text["host"],
                port=port,
                dbname=text["dbname"],
                user=text["user"],
                sslmode=text["sslmode"],
                service=text["service"],
            )
        except (ValueError, DataSourceError):  # a hand-edited file: skip it, keep the rest
            continue
    settings.endGroup()
    return found


def save_connection(name: str, connection: PgConnection) -> None:
    """Save (or replace) the connection called ``name``; never a password."""
    settings = QSettings()
    settings.remove(f"{_GROUP}/{name}")
    for key, value in connection.settings().items():
        settings.setValue(f"{_GROUP}/{name}/{key}", str(value))
    settings.setValue(f"{_GROUP}/{name}/saved", True)  # an empty connection is a group too
    settings.sync()


def remove_connection(name: str) -> None:
    """Forget the saved connection (its keyring password is left to the caller)."""
    settings = QSettings()
    settings.remove(f"{_GROUP}/{name}")
    settings.sync()
