"""The attribute form of a new feature: one line per field, checked before OK.

A value that does not fit its field keeps the form open with the reason
under it (the field and the value named), as QGIS's form does; empty fields
are NULL. Fields with coded values are a list to choose from; defaults the
file declares are filled in. Fields filled by editor tracking and virtual
fields are not asked.

A layer with templates (network nodes and spans) gets a Template list at the
top: choosing one fills the fields it names, as QGIS's feature templates do;
values proposed for this feature (the next asset id, a span's end nodes)
start filled in. Every value can still be changed, and is checked on OK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.errors import MapdeskError
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label

#: Checks the typed values; raises MapdeskError with the reason when one does not fit.
Checker = Callable[[Mapping[str, Any]], dict[str, Any]]
#: A template: its name and the values it fills (None empties a field).
Template = tuple[str, Mapping[str, Any]]
#: The Template list's first entry: fill nothing.
NO_TEMPLATE = "(no template)"


class FeatureFormDialog(QDialog):
    """Ask the attributes of a new feature of ``layer_name``; ``values`` once accepted."""

    def __init__(
        self,
        layer_name: str,
        fields: list[tuple[str, str]],
        check: Checker,
        parent: QWidget | None = None,
        rules: Mapping[str, Mapping[str, Any]] | None = None,
        templates: Sequence[Template] = (),
        template: str | None = None,
        proposed: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("featureFormDialog")
        self.setWindowTitle(f"{layer_name} — Feature Attributes")
        self._check = check
        self.values: dict[str, Any] = {}
        self.edits: dict[str, QLineEdit] = {}
        #: Fields with coded values (a GeoPackage's enum constraint): a list to pick from.
        self.choices: dict[str, QComboBox] = {}
        self._templates = dict(templates)
        #: The Template list (None: the layer has no templates).
        self.template: QComboBox | None = None
        rules = rules or {}
        form = QFormLayout()
        if templates:
            self.template = self._template_list(form)
        for name, kind in fields:
            rule = rules.get(name, {})
            default = rule.get("default")
            if rule.get("codes"):
                box = QComboBox(self)
                box.setObjectName(f"field_{name}")
                box.addItem("NULL", None)
                for code, description in rule["codes"].items():
                    box.addItem(
                        description if description == code else f"{code} — {description}", code
                    )
                if default is not None:
                    box.setCurrentIndex(max(box.findData(str(default)), 0))
                self.choices[name] = box
                form.addRow(name, box)
                continue
            edit = QLineEdit(self)
            edit.setObjectName(f"field_{name}")
            edit.setPlaceholderText(f"NULL ({kind})")
            if default is not None:
                edit.setText(str(default))
            self.edits[name] = edit
            form.addRow(name, edit)
        self.problem = problem_label(self, "formProblem")
        buttons = ok_cancel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        if self.template is not None and template in self._templates:
            self.template.setCurrentText(template)  # fills its fields
        for name, value in (proposed or {}).items():
            self.set_value(name, value)

    def _template_list(self, form: QFormLayout) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName("featureTemplate")
        box.setToolTip("Fill the fields with the values of one kind of asset; change any after")
        box.addItems([NO_TEMPLATE, *self._templates])
        box.currentTextChanged.connect(self._apply_template)
        form.addRow("Template", box)
        return box

    def _apply_template(self, name: str) -> None:
        for field, value in self._templates.get(name, {}).items():
            self.set_value(field, value)

    @property
    def template_name(self) -> str | None:
        """The template chosen (None: none)."""
        if self.template is None or self.template.currentText() not in self._templates:
            return None
        return self.template.currentText()

    def set_value(self, name: str, value: Any) -> None:
        """Show ``value`` in field ``name`` (None: NULL); a field not in the form is skipped."""
        if name in self.choices:
            box = self.choices[name]
            index = 0 if value is None else box.findData(str(value))
            if index >= 0:
                box.setCurrentIndex(index)
        elif name in self.edits:
            self.edits[name].setText("" if value is None else str(value))

    def typed(self) -> dict[str, Any]:
        """What was typed, field by field (empty: NULL)."""
        typed: dict[str, Any] = {name: (edit.text() or None) for name, edit in self.edits.items()}
        typed.update({name: box.currentData() for name, box in self.choices.items()})
        return typed

    def accept(self) -> None:
        try:
            self.values = self._check(self.typed())
        except MapdeskError as error:
            self.problem.setText(str(error))
            return
        super().accept()
