"""CsvLayoutBox: confirm or change how a CSV file's geometry is read.

Shows what :func:`detect_csv_layout` found (delimiter, X/Y or WKT columns,
CRS) in combo boxes, like QGIS's Delimited Text source page.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

from pyproj import CRS
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from mapdesk.core.crs import WGS84, crs_label, parse_crs
from mapdesk.io.csv_layout import CsvLayout
from mapdesk.ui.dialogs.crs_dialog import CrsDialog

DELIMITERS = (("Comma  ,", ","), ("Semicolon  ;", ";"), ("Tab", "\t"), ("Pipe  |", "|"))
KINDS = (
    ("Point from X/Y columns", "xy"),
    ("Well-known text (WKT)", "wkt"),
    ("No geometry", "none"),
)


def read_columns(path: str, delimiter: str, encoding: str) -> list[str]:
    """The column names in the first line of a CSV file ([] if unreadable)."""
    try:
        with Path(path).open(encoding=encoding or "utf-8", errors="replace", newline="") as handle:
            first = next(csv.reader(handle, delimiter=delimiter), [])
    except OSError:
        return []
    return [name.strip().lstrip("\ufeff") for name in first]


def _combo(parent: QWidget, name: str, items: Any = ()) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


class CsvLayoutBox(QGroupBox):
    """Combo boxes over a detected :class:`CsvLayout`; :meth:`layout` gives the choice."""

    def __init__(self, path: str, detected: CsvLayout, parent: QWidget | None = None) -> None:
        super().__init__("Delimited text (CSV) geometry", parent)
        self.setObjectName("csvLayoutBox")
        self._path = path
        self._detected = detected
        self._crs: CRS | None = parse_crs(detected.crs) if detected.crs is not None else None
        self.delimiter = _combo(self, "csvDelimiter", DELIMITERS)
        if self.delimiter.findData(detected.delimiter) < 0:
            self.delimiter.addItem(repr(detected.delimiter), detected.delimiter)
        self.kind = _combo(self, "csvKind", KINDS)
        self.x_field = _combo(self, "csvXField")
        self.y_field = _combo(self, "csvYField")
        self.wkt_field = _combo(self, "csvWktField")
        self.crs_label = QLabel(self)
        self.crs_label.setObjectName("csvCrsLabel")
        crs_button = QPushButton("Change…", self)
        crs_button.clicked.connect(self._choose_crs)
        crs_row = QHBoxLayout()
        crs_row.addWidget(self.crs_label, 1)
        crs_row.addWidget(crs_button)
        form = QFormLayout(self)
        form.addRow("Delimiter", self.delimiter)
        form.addRow("Geometry", self.kind)
        form.addRow("X (longitude / easting)", self.x_field)
        form.addRow("Y (latitude / northing)", self.y_field)
        form.addRow("WKT column", self.wkt_field)
        form.addRow("CRS", crs_row)
        _select(self.delimiter, detected.delimiter)
        _select(self.kind, detected.kind)
        self._fill_columns()
        self._show_crs()
        self.delimiter.currentIndexChanged.connect(self._fill_columns)
        self.kind.currentIndexChanged.connect(self._enable_fields)
        self._enable_fields()

    def _fill_columns(self, *_args: Any) -> None:
        delimiter = self.delimiter.currentData()
        columns = (
            list(self._detected.header)
            if delimiter == self._detected.delimiter
            else read_columns(self._path, delimiter, self._detected.encoding)
        )
        chosen = {
            self.x_field: self.x_field.currentText() or self._detected.x_field,
            self.y_field: self.y_field.currentText() or self._detected.y_field,
            self.wkt_field: self.wkt_field.currentText() or self._detected.wkt_field,
        }
        for combo, wanted in chosen.items():
            combo.clear()
            combo.addItems(columns)
            if wanted and wanted in columns:
                combo.setCurrentText(wanted)

    def _enable_fields(self, *_args: Any) -> None:
        kind = self.kind.currentData()
        self.x_field.setEnabled(kind == "xy")
        self.y_field.setEnabled(kind == "xy")
        self.wkt_field.setEnabled(kind == "wkt")

    def _show_crs(self) -> None:
        self.crs_label.setText(crs_label(self._crs) if self._crs else "Unknown CRS")

    def _choose_crs(self) -> None:
        dialog = CrsDialog(self, "CRS of the CSV coordinates", current=self._crs or WGS84)
        if dialog.exec() == CrsDialog.DialogCode.Accepted:
            self._crs = dialog.chosen_crs
            self._show_crs()

    def set_crs(self, crs: CRS | None) -> None:
        self._crs = crs
        self._show_crs()

    def layout_choice(self) -> CsvLayout:
        """The detected layout with the user's changes."""
        kind = self.kind.currentData()
        return dataclasses.replace(
            self._detected,
            delimiter=self.delimiter.currentData(),
            kind=kind,
            x_field=self.x_field.currentText() if kind == "xy" else None,
            y_field=self.y_field.currentText() if kind == "xy" else None,
            wkt_field=self.wkt_field.currentText() if kind == "wkt" else None,
            crs=crs_text(self._crs),
        )


def crs_text(crs: CRS | None) -> str | None:
    """``EPSG:n`` when the CRS has a code, else its WKT; None when unknown."""
    if crs is None:
        return None
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code}" if code else crs.to_wkt()
