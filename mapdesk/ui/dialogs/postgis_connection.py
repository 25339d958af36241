"""The PostgreSQL connection box: saved connections, their settings, password and Test.

Shared by Layer ▸ Add PostGIS Layer… and Layer ▸ Upload to PostGIS…. What is
saved goes to the app settings without the password
(:mod:`mapdesk.ui.postgis_connections`); a typed password goes to the system
keyring when "Save password" is ticked, else it is kept for this session only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from mapdesk.core.errors import MapdeskError
from mapdesk.io.postgis.connection import DEFAULT_PORT, SSL_MODES, PgConnection
from mapdesk.io.postgis.passwords import (
    forget_password,
    remember_for_session,
    store_password,
)
from mapdesk.ui.postgis_connections import remove_connection, save_connection, saved_connections
from mapdesk.ui.workers import WorkerPool, run_latest

_T = TypeVar("_T")

#: The SSL mode entry that leaves the choice to libpq (``prefer``).
DEFAULT_SSL = "(libpq default)"


class ConnectionBox(QGroupBox):
    """Choose or describe a connection; :meth:`connection` applies the password.

    Signals
    -------
    chosen()
        Another saved connection was picked (the caller's table list is stale).
    """

    chosen = Signal()

    def __init__(self, workers: WorkerPool | None, parent: QWidget | None = None) -> None:
        super().__init__("Connection", parent)
        self._workers = workers
        self._test_serial = 0
        self.saved = QComboBox(self)
        self.saved.setObjectName("postgisSavedConnections")
        self.name = self._edit("postgisConnectionName", "a name, e.g. City GIS")
        self.host = self._edit("postgisHost", "gis.portland.local")
        self.port = QSpinBox(self)
        self.port.setObjectName("postgisPort")
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = self._edit("postgisDatabase", "city")
        self.user = self._edit("postgisUser", "your PostgreSQL user")
        self.sslmode = QComboBox(self)
        self.sslmode.setObjectName("postgisSslMode")
        self.sslmode.addItems([DEFAULT_SSL, *SSL_MODES])
        self.service = self._edit("postgisService", "a pg_service.conf name (optional)")
        self.password = self._edit("postgisPassword", "empty: keyring or .pgpass")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.save_password = QCheckBox("Save password in the system keyring", self)
        self.save_password.setObjectName("postgisSavePassword")
        self.status = QLabel("", self)
        self.status.setObjectName("postgisConnectionStatus")
        self.status.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Saved", self.saved)
        form.addRow("Name", self.name)
        form.addRow("Host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Database", self.database)
        form.addRow("User", self.user)
        form.addRow("SSL mode", self.sslmode)
        form.addRow("Service", self.service)
        form.addRow("Password", self.password)
        form.addRow("", self.save_password)
        buttons = QHBoxLayout()
        self.save_button = self._button("postgisSaveConnection", "Save", self.save)
        self.remove_button = self._button("postgisRemoveConnection", "Remove", self.remove)
        self.test_button = self._button("postgisTestConnection", "Test Connection", self.test)
        for button in (self.save_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        form.addRow(buttons)
        form.addRow(self.status)
        self._fill_saved()
        self.saved.currentTextChanged.connect(self._on_saved_chosen)
        self._on_saved_chosen(self.saved.currentText())

    def _edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def _button(self, name: str, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    # --- saved connections -------------------------------------------------------
    def _fill_saved(self, current: str = "") -> None:
        self.saved.blockSignals(True)
        self.saved.clear()
        self.saved.addItem("")  # a new connection
        self.saved.addItems(list(saved_connections()))
        self.saved.setCurrentText(current)
        self.saved.blockSignals(False)

    def _on_saved_chosen(self, name: str) -> None:
        found = saved_connections().get(name)
        if found is None:
            return
        self.name.setText(name)
        self.host.setText(found.host or "")
        self.port.setValue(found.port or DEFAULT_PORT)
        self.database.setText(found.dbname or "")
        self.user.setText(found.user or "")
        self.sslmode.setCurrentText(found.sslmode or DEFAULT_SSL)
        self.service.setText(found.service or "")
        self.password.clear()
        self.status.setText("")
        self.chosen.emit()

    def save(self) -> None:
        """Save the settings under their name (and the password, if asked)."""
        name = self.name.text().strip()
        if not name or "/" in name or "\\" in name:
            self.status.setText("Give the connection a name (without / or \\) to save it")
            return
        connection = self.connection()
        save_connection(name, connection)
        self._fill_saved(name)
        self.status.setText(f"Saved {name} ({connection.label}); no password in the settings")

    def remove(self) -> None:
        """Forget the chosen saved connection and its keyring password."""
        name = self.saved.currentText()
        found = saved_connections().get(name)
        if found is None:
            return
        remove_connection(name)
        forget_password(found)
        self._fill_saved()
        self.status.setText(f"Removed {name}")

    # --- the connection -----------------------------------------------------------
    def described(self) -> PgConnection:
        """The connection the fields describe (no password).

        Raises
        ------
        MapdeskError
            When the fields do not make a connection (the message says why).
        """
        ssl = self.sslmode.currentText()
        return PgConnection(
            host=self.host.text().strip() or None,
            port=self.port.value() if self.port.value() != DEFAULT_PORT else None,
            dbname=self.database.text().strip() or None,
            user=self.user.text().strip() or None,
            sslmode=None if ssl == DEFAULT_SSL else ssl,
            service=self.service.text().strip() or None,
        )

    def connection(self) -> PgConnection:
        """:meth:`described`, with a typed password kept for the session or the keyring."""
        connection = self.described()
        typed = self.password.text()
        if typed:
            remember_for_session(connection, typed)
            if self.save_password.isChecked():
                store_password(connection, typed)
        return connection

    def test(self) -> None:
        """Log in and ask the server's versions, in a worker; the answer under the buttons."""
        try:
            connection = self.connection()
        except MapdeskError as exc:
            self.status.setText(str(exc))
            return
        self._test_serial += 1
        serial = self._test_serial
        self.status.setText(f"Connecting to {connection.label}…")
        run_latest(
            self._workers,
            lambda _progress: server_versions(connection),
            lambda text: self._tested(serial, text),
            lambda exc: self._tested(serial, str(exc)),
            f"Testing {connection.label}",
        )

    def _tested(self, serial: int, text: str) -> None:
        if serial == self._test_serial:
            self.status.setText(text)


def read_only_session(connection: PgConnection, work: Callable[[Any], _T]) -> _T:
    """``work(conn)`` on a read-only session; database errors as clean messages (a worker)."""
    import psycopg

    from mapdesk.io.postgis.connection import connect, failure

    try:
        with connect(connection) as conn:
            conn.read_only = True
            return work(conn)
    except psycopg.Error as exc:
        raise failure(connection, exc, None) from None


def server_versions(connection: PgConnection) -> str:
    """``Connected to ...: PostgreSQL 15.x, PostGIS 3.x`` (or that PostGIS is missing)."""

    def ask(conn: Any) -> tuple[Any, Any]:
        version = conn.execute("SHOW server_version").fetchone()
        postgis = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()
        return version, postgis

    version, postgis = read_only_session(connection, ask)
    server = f"PostgreSQL {version[0] if version else '?'}"
    spatial = f"PostGIS {postgis[0]}" if postgis else "no PostGIS in this database"
    return f"Connected to {connection.label}: {server}, {spatial}"
