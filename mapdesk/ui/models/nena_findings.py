"""A tree model over a NENA validation: a row per rule (title, count), its errors below.

A model, not a QTreeWidget: the demo alone has 13,000 findings, and a view
asks only for the rows it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from mapdesk.core.analysis.nena import RULES, Finding, ValidationResult

Index = QModelIndex | QPersistentModelIndex
#: The finding of an error row (None on a rule row).
FINDING_ROLE = Qt.ItemDataRole.UserRole + 1
#: The rule id of a rule row or an error row.
RULE_ROLE = Qt.ItemDataRole.UserRole + 2
#: A rule row reads title, count, rule id; an error row its message (which names the
#: feature: "Road centrelines fid 25 (Allen Ave, Portland): ..."), fid, layer, NGUID.
COLUMNS = ("Rule / error", "Errors / fid", "Rule id / layer", "NGUID")
_NONE = QBrush(QColor("#9e9e9e"))
_FOUND = QBrush(QColor("#b42318"))


@dataclass(frozen=True)
class RuleRow:
    """One rule of the report and the errors it found."""

    rule: str
    findings: tuple[Finding, ...]

    @property
    def title(self) -> str:
        return RULES[self.rule]


class NenaFindingsModel(QAbstractItemModel):
    """Rules at the top level (every rule, or only those with errors), findings below."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: tuple[RuleRow, ...] = ()
        self._rows: tuple[RuleRow, ...] = ()
        self._hide_empty = False

    def set_result(self, result: ValidationResult | None) -> None:
        """Show ``result`` (None: nothing)."""
        grouped: dict[str, list[Finding]] = {rule: [] for rule in RULES}
        for finding in result.findings if result is not None else ():
            grouped[finding.rule].append(finding)
        rows = tuple(RuleRow(rule, tuple(found)) for rule, found in grouped.items())
        self._all = rows if result is not None else ()
        self._refilter()

    def set_hide_empty(self, hide: bool) -> None:
        """Leave out the rules that found nothing (they are greyed otherwise)."""
        self._hide_empty = hide
        self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._rows = tuple(r for r in self._all if r.findings or not self._hide_empty)
        self.endResetModel()

    def rule_rows(self) -> tuple[RuleRow, ...]:
        """The rule rows shown, top to bottom."""
        return self._rows

    def rule_index(self, rule: str) -> QModelIndex:
        """The index of ``rule``'s row (invalid when it is hidden)."""
        for row, entry in enumerate(self._rows):
            if entry.rule == rule:
                return self.index(row, 0)
        return QModelIndex()

    # --- QAbstractItemModel ------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        # internalId 0: a rule row; n > 0: an error of the rule at row n - 1.
        return self.createIndex(row, column, parent.row() + 1 if parent.isValid() else 0)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._rows)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._rows[parent.row()].findings)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._rule_data(self._rows[index.row()], index.column(), role)
        rule = self._rows[index.internalId() - 1]
        return self._finding_data(rule, rule.findings[index.row()], index.column(), role)

    def _rule_data(self, rule: RuleRow, column: int, role: int) -> object:
        count = len(rule.findings)
        if role == Qt.ItemDataRole.DisplayRole:
            return (rule.title, f"{count:,}", rule.rule, "")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{rule.rule}: {rule.title} ({count:,} error{'s' if count != 1 else ''})"
        if role == Qt.ItemDataRole.ForegroundRole:
            return _NONE if not count or column == 2 else _FOUND if column == 1 else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == RULE_ROLE:
            return rule.rule
        return None

    @staticmethod
    def _finding_data(rule: RuleRow, finding: Finding, column: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            fid = "" if finding.fid is None else str(finding.fid)
            return (_short_message(finding), fid, finding.layer, finding.nguid or "")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            where = "" if finding.x is not None else "\n(no place on the map)"
            return f"{finding.message}{where}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == FINDING_ROLE:
            return finding
        if role == RULE_ROLE:
            return rule.rule
        return None


def _short_message(finding: Finding) -> str:
    """The message without its "<layer> fid <fid> " opening: the row's other columns
    say that, and a narrow panel then shows what is wrong."""
    opening = f"{finding.layer} fid {finding.fid} "
    if finding.fid is None or not finding.message.startswith(opening):
        return finding.message
    rest = finding.message[len(opening) :]
    label, sep, what = rest.partition("): ")
    return f"{label[1:]}: {what}" if sep and label.startswith("(") else rest
