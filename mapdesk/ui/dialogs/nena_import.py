"""Layer ▸ Import into NENA Layer…: a project layer, the NENA layer it becomes, the field mapping.

The table lists the NENA layer's fields (required ones in bold) with the
source field that fills each, prefilled from the mapping saved last time for
this source and NENA layer, or else suggested by name and the known v2 and
legacy renames. A mapping can be saved to a JSON file (``--mapping`` of
``mapdesk nena import`` reads it) and loaded from one. DiscrpAgID and
DateUpdate are stamped by the import, so they are not in the table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.nena import candidate_from_frame, load_schema, resolve_roles
from mapdesk.core.analysis.nena.field_mapping import (
    STAMPED,
    FieldMapping,
    check_mapping,
    mapping_from_json,
    suggest_mapping,
)
from mapdesk.core.analysis.nena.nguid import agency_problem
from mapdesk.core.analysis.nena.schema import FieldSpec, LayerSpec
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.io.nena_gpkg import nena_layer_names
from mapdesk.io.nena_import import NenaImportRequest, read_mapping, write_mapping
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label
from mapdesk.ui.dialogs.target_widgets import GeoPackageChooser

#: The choice that leaves a NENA field empty.
EMPTY = "(leave empty)"
_AGENCY_KEY = "nena/agency"
_MAPPING_KEY = "nena/mappings"
MAPPING_FILTER = "Field mapping (*.json)"


@dataclass(frozen=True)
class NenaImportChoice:
    """The project layer to import and what to do with it."""

    source: VectorLayer
    request: NenaImportRequest


class NenaImportDialog(QDialog):
    """Choose source, NENA layer, mapping, agency and target; ``choice()`` once accepted."""

    def __init__(self, layers: list[VectorLayer], target: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("nenaImportDialog")
        self.setWindowTitle("Import into NENA Layer")
        self.resize(640, 680)
        self._schema = load_schema()
        self._layers = [layer for layer in layers if layer.geometry_type]
        self.source = QComboBox(self)
        self.source.setObjectName("nenaSource")
        self.source.addItems([layer.name for layer in self._layers])
        self.nena_layer = QComboBox(self)
        self.nena_layer.setObjectName("nenaLayer")
        self.nena_layer.addItems(nena_layer_names(self._schema))
        self.agency = QLineEdit(str(QSettings().value(_AGENCY_KEY, "") or ""), self)
        self.agency.setObjectName("nenaAgency")
        self.agency.setPlaceholderText("your agency's domain name, e.g. portlandmaine.gov")
        self.target = GeoPackageChooser(target, "GeoPackage to import into", "nenaTarget", self)
        self.replace = QCheckBox("Replace the NENA layer if the file has it (else add to it)")
        self.replace.setObjectName("nenaReplace")
        self.fix_codes = QCheckBox(
            "Write USPS street types ('Ave'), one-letter directionals and codes in another "
            "case as NENA's codes"
        )
        self.fix_codes.setObjectName("nenaFixCodes")
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("nenaMappingTable")
        self.table.setHorizontalHeaderLabels(["NENA field", "Source field"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.problem = problem_label(self, "nenaImportProblem")
        self._layout(self._mapping_buttons())
        self.source.currentIndexChanged.connect(self._source_changed)
        self.nena_layer.currentIndexChanged.connect(self._refill)
        self._guess_nena_layer()
        self._refill()

    # --- building ------------------------------------------------------------------------
    def _mapping_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for text, name, slot in (
            ("Suggest", "nenaSuggest", self._suggest),
            ("Load Mapping…", "nenaLoadMapping", self._load),
            ("Save Mapping…", "nenaSaveMapping", self._save),
        ):
            button = QPushButton(text, self)
            button.setObjectName(name)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _layout(self, buttons: QHBoxLayout) -> None:
        form = QFormLayout()
        form.addRow("Source layer", self.source)
        form.addRow("NENA layer", self.nena_layer)
        form.addRow("Agency (DiscrpAgID)", self.agency)
        form.addRow("GeoPackage", self.target)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.replace)
        layout.addWidget(self.fix_codes)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.problem)
        layout.addWidget(ok_cancel(self))

    def _guess_nena_layer(self) -> None:
        layer = self.source_layer()
        if layer is None:
            return
        roles = resolve_roles([candidate_from_frame(layer.name, layer.data)], None, self._schema)
        wanted = [name for name in roles if name in nena_layer_names(self._schema)]
        if wanted:
            self.nena_layer.setCurrentText(wanted[0])

    def _source_changed(self) -> None:
        self._guess_nena_layer()
        self._refill()

    # --- state ---------------------------------------------------------------------------
    def source_layer(self) -> VectorLayer | None:
        row = self.source.currentIndex()
        return self._layers[row] if 0 <= row < len(self._layers) else None

    def spec(self) -> LayerSpec:
        return self._schema.layer(self.nena_layer.currentText())

    def source_fields(self) -> list[str]:
        layer = self.source_layer()
        if layer is None:
            return []
        geometry = layer.data.geometry.name
        return [str(c) for c in layer.data.columns if c != geometry]

    def source_box(self, nena_field: str) -> QComboBox | None:
        """The list choosing the source field of ``nena_field`` (None: no such row)."""
        for row in range(self.table.rowCount()):
            item, box = self.table.item(row, 0), self.table.cellWidget(row, 1)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == nena_field:
                return box if isinstance(box, QComboBox) else None
        return None

    def mapping(self) -> FieldMapping:
        """The mapping the table shows now."""
        fields = {}
        for row in range(self.table.rowCount()):
            item, box = self.table.item(row, 0), self.table.cellWidget(row, 1)
            name = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
            if name and isinstance(box, QComboBox) and box.currentIndex() > 0:
                fields[str(name)] = box.currentText()
        return FieldMapping(self.spec().name, fields)

    def show_mapping(self, mapping: FieldMapping) -> None:
        """Fill the table: each NENA field with its source (those the source lacks stay empty)."""
        fields = self.source_fields()
        targets = [f for f in self.spec().fields_for("US") if f.name not in STAMPED]
        self.table.setRowCount(len(targets))
        for row, target in enumerate(targets):
            self.table.setItem(row, 0, _field_item(target))
            box = QComboBox(self.table)
            box.setObjectName(f"nenaSource_{target.name}")
            box.addItems([EMPTY, *fields])
            chosen = mapping.source_of(target.name)
            box.setCurrentIndex(fields.index(chosen) + 1 if chosen in fields else 0)
            self.table.setCellWidget(row, 1, box)
        self.table.resizeColumnToContents(0)

    def choice(self) -> NenaImportChoice | None:
        layer, path = self.source_layer(), self.target.path()
        if layer is None or path is None:
            return None
        request = NenaImportRequest(
            target=path,
            layer=self.spec().name,
            mapping=self.mapping(),
            agency=self.agency.text().strip(),
            replace=self.replace.isChecked(),
            crs=layer.crs,
            fix_codes=self.fix_codes.isChecked(),
        )
        return NenaImportChoice(layer, request)

    def accept(self) -> None:
        choice = self.choice()
        if choice is None:
            self.problem.setText("Choose a source layer and the GeoPackage to import into")
            return
        problems = check_mapping(choice.request.mapping, self.spec(), self.source_fields())
        problems.append(agency_problem(choice.request.agency) or "")
        problems = [p for p in problems if p]
        if not choice.request.target.parent.is_dir():
            problems.append(f"The folder {choice.request.target.parent} does not exist")
        if problems:
            self.problem.setText("; ".join(problems))
            return
        QSettings().setValue(_AGENCY_KEY, choice.request.agency)
        remember_mapping(_source_key(choice.source), choice.request.mapping)
        super().accept()

    # --- mapping sources -----------------------------------------------------------------
    def _refill(self) -> None:
        layer = self.source_layer()
        saved = saved_mapping(_source_key(layer), self.spec()) if layer is not None else None
        self.show_mapping(saved or suggest_mapping(self.source_fields(), self.spec()))
        self.problem.clear()

    def _suggest(self) -> None:
        self.show_mapping(suggest_mapping(self.source_fields(), self.spec()))

    def _load(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Load Field Mapping", "", MAPPING_FILTER)
        if not name:
            return
        try:
            self.show_mapping(read_mapping(Path(name), self.spec().name))
        except MapdeskError as exc:
            self.problem.setText(str(exc))

    def _save(self) -> None:
        suggested = f"{self.source.currentText()}_{self.spec().name}.json"
        name, _ = QFileDialog.getSaveFileName(self, "Save Field Mapping", suggested, MAPPING_FILTER)
        if not name:
            return
        try:
            write_mapping(Path(name), self.mapping())
        except MapdeskError as exc:
            self.problem.setText(str(exc))


def _field_item(spec: FieldSpec) -> QTableWidgetItem:
    item = QTableWidgetItem(spec.name + (" *" if spec.required else ""))
    item.setData(Qt.ItemDataRole.UserRole, spec.name)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    kind = spec.field_type.lower() + (f"({spec.length})" if spec.length else "")
    domain = f", domain {spec.domain}" if spec.domain else ""
    required = ", required" if spec.required else ""
    item.setToolTip(f"{spec.alias}: {kind}{domain}{required}")
    if spec.required:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
    return item


def _source_key(layer: VectorLayer) -> str:
    """Whose mapping: the source's file and layer (its name, for a layer not from a file)."""
    origin = layer.origin
    where = f"{origin.path}|{origin.layer or ''}" if origin is not None else layer.name
    # QSettings reads '/' and '\\' in a key as group separators: a digest has neither.
    return hashlib.sha256(where.encode("utf-8")).hexdigest()[:20]


def saved_mapping(key: str, spec: LayerSpec) -> FieldMapping | None:
    """The mapping remembered for source ``key`` and ``spec``'s layer; None: none (or stale)."""
    text = QSettings().value(f"{_MAPPING_KEY}/{spec.name}/{key}", "")
    if not text:
        return None
    try:
        return mapping_from_json(str(text), spec)
    except ValueError:
        return None  # written by another version: the suggestion will do


def remember_mapping(key: str, mapping: FieldMapping) -> None:
    QSettings().setValue(f"{_MAPPING_KEY}/{mapping.layer}/{key}", mapping.to_json())
