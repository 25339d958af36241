"""Layer ▸ Upload to PostGIS…: which connection, schema and table, and whether to replace."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.crs import crs_label
from mapdesk.core.layer import VectorLayer
from mapdesk.io.postgis.upload import default_table_name
from mapdesk.io.postgis.uri import PostgisUri, TableName
from mapdesk.ui.dialogs.postgis_connection import ConnectionBox
from mapdesk.ui.workers import WorkerPool


@dataclass(frozen=True)
class UploadRequest:
    """Where the layer goes: the database (no password), the table, replace or not."""

    database_uri: str
    table: TableName
    replace: bool


class PostgisUploadDialog(QDialog):
    """Ask where to upload ``layer``; :meth:`request` after ``exec()``."""

    def __init__(
        self, layer: VectorLayer, workers: WorkerPool | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("postgisUploadDialog")
        self.setWindowTitle(f"Upload {layer.name} to PostGIS")
        self.connection_box = ConnectionBox(workers, self)
        self.schema = QLineEdit("public", self)
        self.schema.setObjectName("postgisUploadSchema")
        self.table = QLineEdit(default_table_name(layer.name), self)
        self.table.setObjectName("postgisUploadTable")
        self.replace = QCheckBox("Replace the table if it exists (drop it first)", self)
        self.replace.setObjectName("postgisUploadReplace")
        summary = QLabel(
            f"{layer.feature_count:,} features, {layer.geometry_type or 'no geometry'}, "
            f"{crs_label(layer.crs)}. The table gets typed columns, the CRS's EPSG code, a "
            "primary key and a spatial index, in one transaction: a failure or Cancel "
            "leaves the database as it was.",
            self,
        )
        summary.setWordWrap(True)
        self.message = QLabel("", self)
        self.message.setObjectName("postgisUploadMessage")
        form = QFormLayout()
        form.addRow("Schema", self.schema)
        form.addRow("Table", self.table)
        form.addRow("", self.replace)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Upload")
        buttons.accepted.connect(self._check_and_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.connection_box)
        layout.addLayout(form)
        layout.addWidget(summary)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _check_and_accept(self) -> None:
        try:
            self.request()
        except Exception as exc:  # a bad field: say which, keep the dialog open
            self.message.setText(str(exc))
            return
        self.accept()

    def request(self) -> UploadRequest:
        """The upload asked for (the password applied to the session or keyring).

        Raises
        ------
        MapdeskError
            When the connection or the table name is not usable.
        """
        table = self.table.text().strip()
        if not table:
            raise ValueError("Name the table to create")
        connection = self.connection_box.connection()
        schema = self.schema.text().strip() or "public"
        return UploadRequest(
            PostgisUri(connection).format(), TableName(schema, table), self.replace.isChecked()
        )
