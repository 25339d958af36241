"""The Symbology dialog: single symbol, categories, graduated classes or a heatmap, live.

Every change is applied to the layer at once, so the map and the legend show
it while the dialog is open (QGIS's "live update"); Cancel puts back the style
the layer had when the dialog opened.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.errors import MapdeskError
from mapdesk.core.heatmap import Heatmap, heatmap_legend_text
from mapdesk.core.labels import LabelSettings
from mapdesk.core.layer import VectorLayer
from mapdesk.core.style import LayerStyle, geometry_kind
from mapdesk.core.style_library import fixit_status_symbology
from mapdesk.core.symbology import (
    METHODS,
    PALETTES,
    RAMPS,
    Categorized,
    Graduated,
    SingleSymbol,
    Symbology,
    categorize,
    graduate,
    restyle,
)
from mapdesk.ui.dialogs.heatmap_form import HeatmapControls
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label
from mapdesk.ui.models.legend import ramp_icon, style_icon

#: The palette entry that applies the city's FixIt status colours.
CITY_FIXIT = "city-fixit"
KINDS = (("Single symbol", "single"), ("Categorized", "categorized"), ("Graduated", "graduated"))
#: Only point layers offer a heatmap (as in QGIS).
HEATMAP_KIND = ("Heatmap", "heatmap")
SHAPES = ("circle", "square", "triangle", "diamond", "star", "cross")


class ColorButton(QPushButton):
    """A button showing a colour; clicking it opens the colour picker.

    Signals ``color_changed(str)`` with the ``#rrggbb`` chosen.
    """

    color_changed = Signal(str)

    def __init__(self, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(70)
        self.set_color(color)
        self.clicked.connect(self._pick)

    def set_color(self, color: str) -> None:
        self.color = color
        self.setStyleSheet(f"background-color: {color[:7]}; border: 1px solid #555;")
        self.setToolTip(color)

    def _pick(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color[:7]), self, "Choose a colour")
        if chosen.isValid():
            self.set_color(chosen.name())
            self.color_changed.emit(self.color)


class StyleDialog(QDialog):
    """Edit one layer's symbol and symbology; changes show on the map at once."""

    def __init__(self, layer: VectorLayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("styleDialog")
        self.setWindowTitle(f"Symbology — {layer.name}")
        self.layer = layer
        self._ready = False  # controls emit while being built: no preview until done
        self._classify = False  # set by a classification control, for the next preview
        self._original = (layer.style, layer.symbology)
        self._original_labels = layer.labels
        self._original_range = layer.scale_range
        self._kind = geometry_kind(layer.geometry_type)
        layout = QVBoxLayout(self)
        layout.addLayout(self._symbol_form(layer.style))
        layout.addLayout(self._classes_form(layer))
        self.classes = QListWidget(self)
        self.classes.setObjectName("styleClasses")
        layout.addWidget(self.classes, 1)
        layout.addLayout(self._labels_form(layer))
        layout.addLayout(self._visibility_form(layer))
        self.problem = problem_label(self, "styleProblem")
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self))
        self._show_kind_controls()
        self._show_classes()
        self._ready = True
        self._classify = False  # the controls were set from the layer, not changed
        self.resize(520, 560)

    # --- the base symbol ----------------------------------------------------------
    def _symbol_form(self, style: LayerStyle) -> QFormLayout:
        form = QFormLayout()
        self.fill = ColorButton(style.fill_color, self)
        self.fill.color_changed.connect(self.update_preview)
        self.stroke = ColorButton(style.stroke_color, self)
        self.stroke.color_changed.connect(self.update_preview)
        colours = QHBoxLayout()
        colours.addWidget(QLabel("Fill", self))
        colours.addWidget(self.fill)
        colours.addWidget(QLabel("Outline / line", self))
        colours.addWidget(self.stroke)
        colours.addStretch(1)
        form.addRow("Colours", colours)
        self.line_width = self._spin("strokeWidth", style.stroke_width, 0.0, 20.0, " px")
        form.addRow("Line width", self.line_width)
        self.point_size = self._spin("markerSize", style.marker_size, 1.0, 60.0, " px")
        form.addRow("Point size", self.point_size)
        self.shape = QComboBox(self)
        self.shape.setObjectName("markerShape")
        self.shape.addItems(list(SHAPES))
        self.shape.setCurrentText(style.marker_shape)
        self.shape.currentIndexChanged.connect(self.update_preview)
        form.addRow("Point shape", self.shape)
        self.opacity = self._spin("fillOpacity", style.fill_opacity * 100, 0.0, 100.0, " %")
        form.addRow("Fill opacity", self.opacity)
        self.dashed = QCheckBox("Dashed lines and outlines", self)
        self.dashed.setChecked(style.dashed)
        self.dashed.toggled.connect(self.update_preview)
        form.addRow("", self.dashed)
        return form

    def _spin(
        self, name: str, value: float, low: float, high: float, suffix: str
    ) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setDecimals(1)
        spin.setSingleStep(0.5)
        spin.setSuffix(suffix)
        spin.setValue(value)
        spin.valueChanged.connect(self.update_preview)
        return spin

    def base_style(self) -> LayerStyle:
        return LayerStyle(
            fill_color=self.fill.color,
            stroke_color=self.stroke.color,
            stroke_width=self.line_width.value(),
            marker_size=self.point_size.value(),
            marker_shape=self.shape.currentText(),  # type: ignore[arg-type]
            fill_opacity=self.opacity.value() / 100,
            dashed=self.dashed.isChecked(),
        )

    # --- categories and classes --------------------------------------------------------
    def _classes_form(self, layer: VectorLayer) -> QFormLayout:
        form = QFormLayout()
        kinds = [*KINDS, *((HEATMAP_KIND,) if self._kind == "point" else ())]
        self.kind = self._combo("symbologyKind", list(kinds))
        form.addRow("Style", self.kind)
        fields = [str(c) for c in layer.data.columns if c != layer.data.geometry.name]
        self.field = self._combo("classField", [(f, f) for f in fields])
        form.addRow("Field", self.field)
        palettes = [("City: FixIt statuses", CITY_FIXIT), *((p, p) for p in PALETTES)]
        self.palette_box = self._combo("palette", palettes)
        self.palette_box.setCurrentIndex(1)  # Set1
        form.addRow("Palette", self.palette_box)
        self.method = self._combo("method", [(t, m) for m, t in METHODS.items()])
        form.addRow("Classes by", self.method)
        self.count = QSpinBox(self)
        self.count.setObjectName("classCount")
        self.count.setRange(2, 12)
        self.count.setValue(5)
        self.count.valueChanged.connect(self.reclassify)
        form.addRow("Number of classes", self.count)
        self.ramp = self._combo("ramp", [(r, r) for r in RAMPS])
        form.addRow("Colour ramp", self.ramp)
        current = self._original[1]
        heatmap = current if isinstance(current, Heatmap) else None
        self.heat = HeatmapControls(form, layer.data, heatmap, self)
        self.heat.changed.connect(self.reclassify)
        self.kind.setCurrentIndex(max(0, self.kind.findData(current.kind)))
        if isinstance(current, Categorized | Graduated):
            self.field.setCurrentText(current.field)
        if isinstance(current, Graduated):
            self.method.setCurrentIndex(max(0, self.method.findData(current.method)))
            self.count.setValue(max(2, len(current.ranges)))
        self._rows = form
        return form

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        """A classification control: changing it classifies the layer again."""
        box = QComboBox(self)
        box.setObjectName(name)
        for text, data in items:
            box.addItem(text, data)
        box.currentIndexChanged.connect(self.reclassify)
        return box

    def _show_kind_controls(self) -> None:
        kind = self.kind.currentData()
        visible: dict[QWidget, bool] = {
            self.field: kind in ("categorized", "graduated"),
            self.palette_box: kind == "categorized",
            self.method: kind == "graduated",
            self.count: kind == "graduated",
            self.ramp: kind == "graduated",
        }
        for widget, shown in visible.items():
            self._rows.setRowVisible(widget, shown)
        self.heat.set_visible(kind == "heatmap")

    def symbology(self, base: LayerStyle) -> Symbology:
        """What the controls describe (raises MapdeskError when it cannot be built)."""
        kind = self.kind.currentData()
        if kind == "single":
            return SingleSymbol()
        if kind == "heatmap":
            return self.heat.heatmap()
        data, field = self.layer.data, self.field.currentData()
        if kind == "categorized":
            if self.palette_box.currentData() == CITY_FIXIT:
                return fixit_status_symbology(data, field, base)
            return categorize(data, field, base, palette=self.palette_box.currentData())
        method = self.method.currentData()
        return graduate(data, field, base, method, self.count.value(), self.ramp.currentData())

    # --- labels -------------------------------------------------------------------------
    def _labels_form(self, layer: VectorLayer) -> QFormLayout:
        form = QFormLayout()
        current = layer.labels
        self.label_on = QCheckBox("Label features with", self)
        self.label_on.setObjectName("labelsOn")
        self.label_on.setChecked(current is not None)
        self.label_text = QComboBox(self)
        self.label_text.setObjectName("labelText")
        self.label_text.setEditable(True)  # a field, or type an expression
        fields = [str(c) for c in layer.data.columns if c != layer.data.geometry.name]
        self.label_text.addItems(fields)
        if current is not None:
            self.label_text.setCurrentText(current.text)
        self.label_text.setToolTip('A field, or an expression such as upper("St_Name")')
        row = QHBoxLayout()
        row.addWidget(self.label_on)
        row.addWidget(self.label_text, 1)
        form.addRow("Labels", row)
        self.label_size = self._spin(
            "labelSize", current.size if current else 11.0, 4.0, 72.0, " px"
        )
        form.addRow("Label size", self.label_size)
        self.label_scale = QSpinBox(self)
        self.label_scale.setObjectName("labelMinScale")
        self.label_scale.setRange(0, 100_000_000)
        self.label_scale.setSingleStep(1000)
        self.label_scale.setPrefix("1:")
        self.label_scale.setSpecialValueText("at every scale")
        self.label_scale.setValue(round(current.min_scale) if current else 0)
        self.label_scale.setToolTip("Show labels only from this scale in (0: at every scale)")
        form.addRow("Show labels from", self.label_scale)
        self.label_on.toggled.connect(self.update_preview)
        self.label_text.currentTextChanged.connect(self.update_preview)
        self.label_scale.valueChanged.connect(self.update_preview)
        return form

    def _visibility_form(self, layer: VectorLayer) -> QFormLayout:
        form = QFormLayout()
        low, high = layer.scale_range
        self.min_scale = self._scale_box("layerMinScale", low, "at every scale")
        self.max_scale = self._scale_box("layerMaxScale", high, "no limit")
        row = QHBoxLayout()
        row.addWidget(self.min_scale)
        row.addWidget(QLabel("in to", self))
        row.addWidget(self.max_scale)
        form.addRow("Show the layer from", row)
        return form

    def _scale_box(self, name: str, value: float, none_text: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(0, 100_000_000)
        box.setSingleStep(1000)
        box.setPrefix("1:")
        box.setSpecialValueText(none_text)
        box.setValue(round(value))
        box.valueChanged.connect(self.update_preview)
        return box

    def label_settings(self) -> LabelSettings | None:
        if not self.label_on.isChecked():
            return None
        return LabelSettings(
            self.label_text.currentText(),
            size=self.label_size.value(),
            min_scale=float(self.label_scale.value()),
        )

    # --- live preview, OK and Cancel ------------------------------------------------------
    def reclassify(self, *_args: object) -> None:
        """A classification control changed: build the classes again from the data."""
        self._classify = True
        self.update_preview()

    def update_preview(self, *_args: object) -> None:
        """Apply what the controls say to the layer now (the map redraws).

        Symbol controls only restyle the current classes (cheap, and custom
        colours survive); classification controls classify again.
        """
        if not self._ready:
            return
        self._show_kind_controls()
        classify, self._classify = self._classify, False
        try:
            base = self.base_style()
            if classify:
                symbology = self.symbology(base)
            else:
                symbology = restyle(self.layer.symbology, base, lines=self._kind == "line")
            self.layer.style = base
            self.layer.symbology = symbology
            self.layer.labels = self.label_settings()
            self.layer.scale_range = (float(self.min_scale.value()), float(self.max_scale.value()))
        except MapdeskError as error:
            self.problem.setText(str(error))
            return
        self.problem.setText("")
        self._show_classes()

    def _show_classes(self) -> None:
        self.classes.clear()
        found = self.layer.symbol_classes()
        symbology = self.layer.symbology
        if isinstance(symbology, SingleSymbol):
            item = QListWidgetItem(style_icon(self.layer.style, self._kind), "All features")
            self.classes.addItem(item)
            return
        if isinstance(symbology, Heatmap):
            text = f"{heatmap_legend_text(symbology)}  ({self.layer.feature_count:,} points)"
            self.classes.addItem(QListWidgetItem(ramp_icon(symbology.ramp), text))
            return
        for symbol, rows in zip(found.classes, found.rows, strict=True):
            text = f"{symbol.label}  ({len(rows):,})"
            self.classes.addItem(QListWidgetItem(style_icon(symbol.style, self._kind), text))

    def reject(self) -> None:
        """Cancel (or Esc): the layer gets back the style it had."""
        style, symbology = self._original
        self.layer.style = style
        self.layer.symbology = symbology
        self.layer.labels = self._original_labels
        self.layer.scale_range = self._original_range
        super().reject()
