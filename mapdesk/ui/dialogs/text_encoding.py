"""TextEncodingDialog: choose the text encoding of a shapefile mapdesk could not tell.

Shown when reading raised :class:`~mapdesk.core.errors.EncodingUncertainError`
instead of guessing into mojibake. Like the Encoding combo of QGIS's data
source manager, but with the file's own values beside each candidate, so
the analyst picks the column where "Düsseldorf" or "北京市" reads right.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.errors import EncodingUncertainError
from mapdesk.io.dbf_encoding import label


class TextEncodingDialog(QDialog):
    """The candidates of ``error`` in a combo, their previews side by side.

    ``chosen_codec()`` is the Python codec to read the file with after OK.
    """

    def __init__(self, error: EncodingUncertainError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("textEncodingDialog")
        self._choices = error.candidates
        dbf = Path(error.file_name).with_suffix(".dbf").name
        self.setWindowTitle(f"Choose the text encoding of {dbf}")
        intro = QLabel(
            f"mapdesk cannot tell for sure how the text in {dbf} is encoded: "
            f"{_reason(error)}. Choose the encoding in which the values below read "
            "correctly. Nothing is added until you choose.",
            self,
        )
        intro.setWordWrap(True)
        self.combo = QComboBox(self)
        self.combo.setObjectName("encodingCombo")
        for choice in self._choices:
            self.combo.addItem(choice.label, choice.codec)
        self.table = self._preview_table()
        self.combo.currentIndexChanged.connect(self.table.selectColumn)
        self.table.horizontalHeader().sectionClicked.connect(self.combo.setCurrentIndex)
        form = QFormLayout()
        form.addRow("&Encoding:", self.combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self._choices))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(QLabel("Values from the file, read with each encoding:", self))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.table.selectColumn(0)
        self.resize(860, 340)

    def _preview_table(self) -> QTableWidget:
        rows = max((len(choice.preview) for choice in self._choices), default=0)
        table = QTableWidget(rows, len(self._choices), self)
        table.setObjectName("encodingPreview")
        # "Windows-1252": the combo gives the long name, the header must fit.
        table.setHorizontalHeaderLabels([choice.label.split(" (")[0] for choice in self._choices])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column, choice in enumerate(self._choices):
            for row, value in enumerate(choice.preview):
                table.setItem(row, column, QTableWidgetItem(value))
        return table

    def chosen_codec(self) -> str | None:
        """The codec of the encoding chosen (None when there was nothing to choose)."""
        data = self.combo.currentData()
        return str(data) if data else None


def _reason(error: EncodingUncertainError) -> str:
    if not error.gdal_encoding:
        return "nothing in the file says"
    return f"read as {label(error.gdal_encoding)}, as GDAL would read it, the text looks garbled"
