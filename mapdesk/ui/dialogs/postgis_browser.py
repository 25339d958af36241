"""Layer ▸ Add PostGIS Layer… (Ctrl+Shift+D, as in QGIS): connect, browse, choose tables.

The connection box (:mod:`mapdesk.ui.dialogs.postgis_connection`) chooses the
server; Connect lists its spatial tables in a worker (schema, table, geometry
column, type, CRS and PostgreSQL's row estimate); Add returns the chosen
tables' ``postgresql://`` addresses, which the layer loader reads in a worker
like files. Below the list, :class:`~mapdesk.ui.dialogs.postgis_part.TablePartBox`
chooses the whole table, the map's view and/or a filter; the chosen tables'
fields are read in a worker to check the filter and to offer them. No address
carries a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.crs import crs_label
from mapdesk.io.postgis.connection import PgConnection
from mapdesk.io.postgis.uri import PostgisUri
from mapdesk.ui.dialogs.postgis_connection import ConnectionBox, read_only_session
from mapdesk.ui.dialogs.postgis_part import MapView, TablePart, TablePartBox
from mapdesk.ui.workers import WorkerPool, run_latest

if TYPE_CHECKING:
    from mapdesk.io.postgis.catalog import Column, SpatialTable

COLUMNS = ("Schema", "Table", "Geometry column", "Type", "CRS", "Rows (estimate)")


@dataclass(frozen=True)
class TableRow:
    """One loadable layer as the browser lists it."""

    uri: str
    schema: str
    table: str
    geometry_column: str
    geometry_type: str
    crs: str
    estimated_rows: int | None
    found: SpatialTable | None = None


def list_tables(connection: PgConnection) -> list[TableRow]:
    """The database's spatial tables, each with the address that loads it (run in a worker)."""
    from mapdesk.io.postgis import catalog

    def read(conn: Any) -> tuple[list[catalog.SpatialTable], dict[int, str]]:
        found = catalog.spatial_tables(conn)
        return found, {t.srid: crs_label(catalog.crs_of_srid(conn, t.srid)) for t in found}

    tables, crs_names = read_only_session(connection, read)
    per_table: dict[str, int] = {}
    for table in tables:
        per_table[str(table.table)] = per_table.get(str(table.table), 0) + 1
    rows = []
    for table in tables:
        several = per_table[str(table.table)] > 1
        uri = PostgisUri(connection).with_table(
            table.table, table.geometry_column if several else None
        )
        rows.append(
            TableRow(
                uri.format(),
                table.table.schema or "",
                table.table.name,
                table.geometry_column,
                table.geometry_type or "Geometry",
                crs_names[table.srid] if table.srid else "(from the rows)",
                table.estimated_rows,
                table,
            )
        )
    return rows


def table_fields(connection: PgConnection, tables: list[SpatialTable]) -> list[list[Column]]:
    """The attribute columns a load of each table reads (run in a worker)."""
    from mapdesk.io.postgis import reader

    return read_only_session(
        connection, lambda conn: [reader.plan_read(conn, table).fields for table in tables]
    )


class PostgisLayerDialog(QDialog):
    """Choose PostGIS tables to add as layers; :meth:`uris` and :meth:`part` after ``exec()``.

    ``view`` is the map's extent the "current map view" choice loads (or why
    there is none); ``part`` the choice to start with (the last one made).
    """

    def __init__(
        self,
        workers: WorkerPool | None,
        parent: QWidget | None = None,
        view: MapView | None = None,
        part: TablePart | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("postgisLayerDialog")
        self.setWindowTitle("Add PostGIS Layers")
        self._workers = workers
        self._serial = 0
        self._fields_serial = 0
        self._rows: list[TableRow] = []
        self._connection: PgConnection | None = None
        #: Row index -> its fields (None: they could not be read).
        self._fields: dict[int, list[Column] | None] = {}
        self.connection_box = ConnectionBox(workers, self)
        self.connect_button = QPushButton("Connect", self)
        self.connect_button.setObjectName("postgisConnect")
        self.connect_button.setAutoDefault(False)
        self.connect_button.setToolTip("List the database's tables with a geometry column")
        self.tables = QTreeWidget(self)
        self.tables.setObjectName("postgisTables")
        self.tables.setHeaderLabels(list(COLUMNS))
        self.tables.setRootIsDecorated(False)
        self.tables.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tables.setSortingEnabled(True)
        self.part_box = TablePartBox(
            view or MapView(None, "The map's view is not known here"), part or TablePart(), self
        )
        self.message = QLabel("Choose a connection and press Connect", self)
        self.message.setObjectName("postgisTablesMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.add_button = self.buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("postgisAdd")
        self.add_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.connection_box)
        layout.addWidget(self.connect_button)
        layout.addWidget(self.tables, 1)
        layout.addWidget(self.part_box)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.connect_button.clicked.connect(self.list_tables)
        self.connection_box.chosen.connect(self._clear)
        self.tables.itemSelectionChanged.connect(self._selection_changed)
        self.part_box.changed.connect(self._update_add)
        self.tables.itemDoubleClicked.connect(self._double_clicked)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.resize(760, 640)

    def list_tables(self) -> None:
        """Connect and list the spatial tables in a worker (the dialog stays usable)."""
        try:
            connection = self.connection_box.connection()
        except Exception as exc:  # a bad field: say so under the list
            self.message.setText(str(exc))
            return
        self._clear()
        self._connection = connection
        self._serial += 1
        serial = self._serial
        self.message.setText(f"Listing the tables of {connection.label}…")
        run_latest(
            self._workers,
            lambda _progress: list_tables(connection),
            lambda rows: self._listed(serial, rows),
            lambda exc: self._list_failed(serial, exc),
            f"Listing {connection.label}",
        )

    def _clear(self) -> None:
        self._rows = []
        self._fields = {}
        self.tables.clear()
        self.part_box.set_tables([])

    def _listed(self, serial: int, rows: list[TableRow]) -> None:
        if serial != self._serial:
            return
        self._rows = rows
        self.tables.setSortingEnabled(False)
        for index, row in enumerate(rows):
            estimate = "unknown" if row.estimated_rows is None else f"{row.estimated_rows:,}"
            texts = [row.schema, row.table, row.geometry_column, row.geometry_type, row.crs]
            item = QTreeWidgetItem([*texts, estimate])
            item.setData(0, Qt.ItemDataRole.UserRole, index)
            item.setTextAlignment(5, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tables.addTopLevelItem(item)
        self.tables.setSortingEnabled(True)
        for column in range(len(COLUMNS)):
            self.tables.resizeColumnToContents(column)
        count = len(rows)
        self.message.setText(
            f"{count} spatial table{'s' if count != 1 else ''}; choose one or more and press Add"
            if count
            else "This database has no tables with a geometry column you may read"
        )

    def _list_failed(self, serial: int, exc: BaseException) -> None:
        if serial == self._serial:
            self.message.setText(str(exc))

    def _selection_changed(self) -> None:
        """Check the filter against the chosen tables' fields (read once, in a worker)."""
        chosen = self._chosen_rows()
        self.part_box.set_tables([self._fields.get(i) for i in chosen])
        missing = [i for i in chosen if i not in self._fields and self._rows[i].found]
        if not missing or self._connection is None:
            return
        self._fields_serial += 1
        serial, connection = self._fields_serial, self._connection
        tables = [found for i in missing if (found := self._rows[i].found) is not None]
        run_latest(
            self._workers,
            lambda _progress: table_fields(connection, tables),
            lambda fields: self._fields_read(serial, dict(zip(missing, fields, strict=True))),
            lambda _exc: self._fields_read(serial, dict.fromkeys(missing)),
            f"Reading the fields of {len(tables)} table(s)",
        )

    def _fields_read(self, serial: int, fields: dict[int, list[Column] | None]) -> None:
        """Keep what was read (None when it failed: the filter is then checked for syntax
        only, and the load reports the rest); stale answers of a closed listing go."""
        if serial != self._fields_serial or not self._rows:
            return
        self._fields.update(fields)
        self.part_box.set_tables([self._fields.get(i) for i in self._chosen_rows()])

    def _update_add(self) -> None:
        problem = self.part_box.problem_text()
        pending = self.part_box.part().filtered and any(
            i not in self._fields for i in self._chosen_rows()
        )
        self.add_button.setEnabled(bool(self._chosen_rows()) and not problem and not pending)
        self.add_button.setToolTip(
            problem.splitlines()[0]
            if problem
            else "Checking the filter against the table's fields…"
            if pending
            else ""
        )

    def _double_clicked(self, *_args: object) -> None:
        if self.add_button.isEnabled():  # not with an invalid filter
            self.accept()

    def select_tables(self, names: list[str]) -> None:
        """Select the rows of ``schema.table`` names (scripts and tests)."""
        for item in self._items():
            item.setSelected(f"{item.text(0)}.{item.text(1)}" in names)

    def uris(self) -> list[str]:
        """The chosen tables' addresses, in the list's order, with the box's part applied."""
        return [self.part_box.applied(self._rows[i].uri) for i in self._chosen_rows()]

    def part(self) -> TablePart:
        """What the box says to load (remembered for the next time)."""
        return self.part_box.part()

    def _chosen_rows(self) -> list[int]:
        return [
            int(item.data(0, Qt.ItemDataRole.UserRole))
            for item in self._items()
            if item.isSelected()
        ]

    def _items(self) -> list[QTreeWidgetItem]:
        found = (self.tables.topLevelItem(i) for i in range(self.tables.topLevelItemCount()))
        return [item for item in found if item is not None]
