"""LayerPropertiesDialog: where a layer came from, its CRS, features and fields."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.layer import VectorLayer
from mapdesk.core.view import Extent


def format_extent(extent: Extent | None) -> str:
    if extent is None:
        return "empty"
    xmin, ymin, xmax, ymax = extent
    return f"{xmin:,.4f}, {ymin:,.4f} : {xmax:,.4f}, {ymax:,.4f}"


class LayerPropertiesDialog(QDialog):
    """Information about one layer (QGIS's Information tab), and whether it
    holds personal data."""

    def __init__(self, layer: VectorLayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPropertiesDialog")
        self.setWindowTitle(f"Layer Properties — {layer.name}")
        self.resize(640, 640)
        self.layer = layer
        layout = QVBoxLayout(self)
        layout.addLayout(self._information_form(layer))
        self.sensitive = QCheckBox(
            "Holds personal data: leave it out of web maps unless I include personal data", self
        )
        self.sensitive.setObjectName("layerSensitive")
        self.sensitive.setChecked(layer.sensitive)
        self.sensitive.toggled.connect(lambda on: setattr(layer, "sensitive", on))
        layout.addWidget(self.sensitive)
        layout.addWidget(self._crs_wkt_box(layer))
        layout.addWidget(QLabel("<b>Fields</b>", self))
        layout.addWidget(self._fields_table(layer), 1)
        if layer.warnings:
            layout.addWidget(QLabel("<b>Warnings from reading the file</b>", self))
            warnings = QListWidget(self)
            warnings.setObjectName("warningsList")
            warnings.addItems(list(layer.warnings))
            warnings.setMaximumHeight(100)
            layout.addWidget(warnings)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _value(self, name: str, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _information_form(self, layer: VectorLayer) -> QFormLayout:
        origin = layer.origin
        crs_text = layer.crs_description
        if layer.crs_missing:
            crs_text += " — the file declares none (Layer ▸ Set Layer CRS…)"
        form = QFormLayout()
        rows = [
            ("Name", "nameLabel", layer.name),
            ("Source", "sourceLabel", origin.path if origin else "in memory (not saved)"),
            ("Sub-layer", "subLayerLabel", (origin.layer if origin else None) or "—"),
            ("Driver", "driverLabel", (origin.driver if origin else "") or "—"),
            ("Reader", "readerLabel", (origin.reader if origin else "") or "—"),
            ("CRS", "crsLabel", crs_text),
            ("Features", "featureCountLabel", f"{layer.feature_count:,}"),
            ("Geometry", "geometryTypeLabel", layer.geometry_type or "no geometry"),
            ("Extent", "extentLabel", format_extent(layer.extent)),
        ]
        for title, name, text in rows:
            form.addRow(title, self._value(name, text))
        return form

    def _crs_wkt_box(self, layer: VectorLayer) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        toggle = QToolButton(box)
        toggle.setObjectName("crsWktToggle")
        toggle.setText("CRS definition (WKT)")
        toggle.setCheckable(True)
        toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.crs_wkt = QPlainTextEdit(box)
        self.crs_wkt.setObjectName("crsWkt")
        self.crs_wkt.setReadOnly(True)
        self.crs_wkt.setPlainText(layer.crs.to_wkt(pretty=True) if layer.crs else "Unknown CRS")
        self.crs_wkt.setVisible(False)

        def show(checked: bool) -> None:
            self.crs_wkt.setVisible(checked)
            toggle.setArrowType(Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow)

        toggle.toggled.connect(show)
        layout.addWidget(toggle)
        layout.addWidget(self.crs_wkt)
        return box

    def _fields_table(self, layer: VectorLayer) -> QTableWidget:
        fields = layer.fields
        table = QTableWidget(len(fields), 2, self)
        table.setObjectName("fieldsTable")
        table.setHorizontalHeaderLabels(["Name", "Type"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (name, dtype) in enumerate(fields):
            table.setItem(row, 0, QTableWidgetItem(name))
            table.setItem(row, 1, QTableWidgetItem(dtype))
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnToContents(0)
        return table
