"""Save Conflicts: choose whose version of each feature to keep, field by field if need be.

Shown when a save to a shared (PostGIS) table found features that someone
else saved since they were loaded (nothing was written). One row per feature
with its fields underneath: the original value, mine and theirs. Each feature
keeps mine (my edits over their version; fields only they changed keep
theirs), takes theirs, or is decided per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.editing.conflicts import Decision, EditConflict, FieldConflict, Side
from mapdesk.core.editing.values import is_missing

KEEP_MINE, TAKE_THEIRS, PER_FIELD = "Keep mine", "Take theirs", "Per field"
_SIDES = {"Mine": Side.MINE, "Theirs": Side.THEIRS}


def shown_value(value: Any) -> str:
    """A value as the dialog lists it (geometries as short WKT, empty as NULL)."""
    if value is None or (not hasattr(value, "geom_type") and is_missing(value)):
        return "NULL"
    if hasattr(value, "wkt"):
        text = str(value.wkt)
        return text if len(text) <= 60 else text[:57] + "…"
    return str(value)


class SaveConflictsDialog(QDialog):
    """The conflicts of one save and the user's decisions (:meth:`decisions`)."""

    def __init__(
        self, layer_name: str, conflicts: Sequence[EditConflict], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("saveConflictsDialog")
        self.setWindowTitle(f"Save Conflicts — {layer_name}")
        self.conflicts = tuple(conflicts)
        noun = "feature was" if len(conflicts) == 1 else "features were"
        intro = QLabel(
            f"Nothing was saved: {len(conflicts)} {noun} changed or deleted by someone else "
            f'since you loaded "{layer_name}". Choose whose version to keep, then save again. '
            "Keep mine writes your edits over theirs; fields only they changed keep their values."
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("conflictTree")
        self.tree.setHeaderLabels(["Feature / field", "Original", "Mine", "Theirs", "Keep"])
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.feature_choices: dict[Any, QComboBox] = {}
        self.field_choices: dict[Any, dict[str, QComboBox]] = {}
        for conflict in self.conflicts:
            self._add_feature(conflict)
        self.tree.expandAll()
        all_mine = QPushButton("Keep All Mine", self)
        all_mine.setObjectName("keepAllMine")
        all_mine.clicked.connect(lambda: self.choose_all(KEEP_MINE))
        all_theirs = QPushButton("Take All Theirs", self)
        all_theirs.setObjectName("takeAllTheirs")
        all_theirs.clicked.connect(lambda: self.choose_all(TAKE_THEIRS))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Resolve and Save")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(all_mine)
        row.addWidget(all_theirs)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self.resize(900, 420)

    def _add_feature(self, conflict: EditConflict) -> None:
        what = (
            "deleted by them"
            if conflict.deleted_by_them
            else "deleted by you, changed by them"
            if conflict.deleted_by_me
            else "changed by both"
        )
        item = QTreeWidgetItem(self.tree, [f"Feature {conflict.fid}: {what}"])
        item.setToolTip(0, conflict.describe().capitalize())
        choice = QComboBox(self.tree)
        choice.setObjectName(f"feature{conflict.fid}")
        whole_only = conflict.deleted_by_them or conflict.deleted_by_me
        choice.addItems(
            [KEEP_MINE, TAKE_THEIRS] if whole_only else [KEEP_MINE, TAKE_THEIRS, PER_FIELD]
        )
        self.tree.setItemWidget(item, 4, choice)
        self.feature_choices[conflict.fid] = choice
        fields: dict[str, QComboBox] = {}
        for field in conflict.fields:
            fields[field.name] = self._add_field(item, conflict, field)
        self.field_choices[conflict.fid] = fields
        choice.currentTextChanged.connect(
            lambda text, fid=conflict.fid: self._feature_chosen(fid, text)
        )
        self._feature_chosen(conflict.fid, KEEP_MINE)

    def _add_field(
        self, parent: QTreeWidgetItem, conflict: EditConflict, field: FieldConflict
    ) -> QComboBox:
        mine = "(deleted)" if conflict.deleted_by_me else shown_value(field.mine)
        texts = [field.name, shown_value(field.original), mine, shown_value(field.theirs)]
        item = QTreeWidgetItem(parent, texts)
        changed = {"me": 2, "them": 3, "both": None}[field.changed_by]
        for column in (2, 3) if changed is None else (changed,):
            font = item.font(column)
            font.setBold(True)
            item.setFont(column, font)
        item.setToolTip(0, f"Changed by {field.changed_by} since it was loaded")
        side = QComboBox(self.tree)
        side.setObjectName(f"feature{conflict.fid}_{field.name}")
        side.addItems(list(_SIDES))
        side.setEnabled(not (conflict.deleted_by_me or conflict.deleted_by_them))
        self.tree.setItemWidget(item, 4, side)
        side.activated.connect(lambda _i, fid=conflict.fid: self._field_chosen(fid))
        return side

    def _feature_chosen(self, fid: Any, text: str) -> None:
        """Show on each field what the feature's choice takes."""
        if text == PER_FIELD:
            return
        conflict = next(c for c in self.conflicts if c.fid == fid)
        for field in conflict.fields:
            side = self.field_choices[fid][field.name]
            keep = field.default_side if text == KEEP_MINE else Side.THEIRS
            if conflict.deleted_by_me:
                keep = Side.MINE if text == KEEP_MINE else Side.THEIRS
            side.setCurrentText("Mine" if keep is Side.MINE else "Theirs")

    def _field_chosen(self, fid: Any) -> None:
        choice = self.feature_choices[fid]
        if choice.findText(PER_FIELD) >= 0:
            choice.setCurrentText(PER_FIELD)

    def choose_all(self, text: str) -> None:
        """Keep mine (or take theirs) for every feature."""
        for choice in self.feature_choices.values():
            choice.setCurrentText(text)

    def decisions(self) -> dict[Any, Decision]:
        """What was chosen, per feature: a side, or a side per field."""
        result: dict[Any, Decision] = {}
        for fid, choice in self.feature_choices.items():
            text = choice.currentText()
            if text == PER_FIELD:
                fields = self.field_choices[fid]
                result[fid] = {name: _SIDES[box.currentText()] for name, box in fields.items()}
            else:
                result[fid] = Side.MINE if text == KEEP_MINE else Side.THEIRS
        return result
