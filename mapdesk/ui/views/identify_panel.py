"""The Identify Results panel: layer → feature (fid) → field/value rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMenu, QTreeWidgetItem, QWidget

from mapdesk.core.identify import IdentifyHit
from mapdesk.core.table import shortened
from mapdesk.ui.dialogs.full_value import FullValueDialog
from mapdesk.ui.views.summary_tree import summary_and_tree

#: Fields whose value labels a feature in the tree, most telling first (with
#: NENA's display name, full street name and address, and municipality A3).
_LABEL_FIELDS = (
    "name",
    "dsplayname",
    "display_name",
    "fullname",
    "fulladdr",
    "label",
    "title",
    "address",
    "a3",
    "id",
)


def feature_label(attributes: dict[str, Any]) -> str:
    """A short label for a feature: its name-like field, else its first text value."""
    lowered = {key.lower(): value for key, value in attributes.items()}
    for field in _LABEL_FIELDS:
        value = lowered.get(field)
        if value not in (None, ""):
            return str(value)
    for value in attributes.values():
        if isinstance(value, str) and value.strip():
            return value
    return ""


def format_value(value: Any) -> str:
    """A value as the panel shows it, whole (NULL for None, floats to 10 digits)."""
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


#: Where a field row keeps its whole text when the row shows it shortened.
_FULL_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1


IDENTIFY_HINT = "Click the map with the Identify tool (Ctrl+Shift+I)."


class IdentifyPanel(QDockWidget):
    """A tree of the features found by the identify tool, grouped by layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Identify Results", parent)
        self.setObjectName("identifyPanel")
        self.summary, self.tree = summary_and_tree(
            self, "identify", IDENTIFY_HINT, ("Feature", "Value"), 170
        )
        # A long value shows its first characters; the whole of it is a
        # right-click (any value) or a double-click (a shortened one) away.
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._row_menu)
        self.tree.itemDoubleClicked.connect(self._double_clicked)

    def show_hits(
        self,
        hits: Sequence[IdentifyHit],
        where: str = "",
        totals: Mapping[str, int] | None = None,
    ) -> None:
        """Replace the tree with ``hits`` (top layer first, as found).

        ``totals`` maps a layer id to how many features were under the cursor
        when only some of them are listed ("50 of 812 shown").
        """
        self.tree.clear()
        totals = totals or {}
        shown_per_layer = Counter(hit.layer_id for hit in hits)
        count = sum(max(n, totals.get(layer_id, n)) for layer_id, n in shown_per_layer.items())
        noun = "feature" if count == 1 else "features"
        self.summary.setText(f"{count} {noun} at {where}" if where else f"{count} {noun}")
        layer_items: dict[str, QTreeWidgetItem] = {}
        for hit in hits:
            parent = layer_items.get(hit.layer_id)
            if parent is None:
                parent = QTreeWidgetItem(self.tree, [hit.layer_name, ""])
                layer_items[hit.layer_id] = parent
            label = shortened(feature_label(hit.attributes))
            feature = QTreeWidgetItem(parent, [f"fid {hit.fid}", label])
            for field, value in hit.attributes.items():
                text = format_value(value)
                row = QTreeWidgetItem(feature, [field, shortened(text)])
                row.setData(1, _FULL_TEXT_ROLE, text)
                row.setData(0, _FULL_TEXT_ROLE, f"{field} — {hit.layer_name}, fid {hit.fid}")
        for layer_id, parent in layer_items.items():
            shown = parent.childCount()
            total = totals.get(layer_id, shown)
            parent.setText(1, f"{shown} of {total} shown" if total > shown else f"{shown} found")
        self.tree.expandAll()
        if len(hits) > 3:  # many hits: keep the list readable, show fields of the first
            for parent in layer_items.values():
                for i in range(parent.childCount()):
                    _set_expanded(parent.child(i), False)
            first = self.tree.topLevelItem(0)
            if first is not None:
                _set_expanded(first.child(0), True)

    def show_full_value(self, item: QTreeWidgetItem | None) -> FullValueDialog | None:
        """Open View Full Value… for a field row: its whole text, read-only (non-modal)."""
        if item is None or item.data(1, _FULL_TEXT_ROLE) is None:
            return None
        title = str(item.data(0, _FULL_TEXT_ROLE))
        dialog = FullValueDialog(title, str(item.data(1, _FULL_TEXT_ROLE)), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        full = item.data(1, _FULL_TEXT_ROLE)
        if full is not None and item.text(1) != full:
            self.show_full_value(item)

    def _row_menu(self, point: QPoint) -> None:
        item = self.tree.itemAt(point)
        if item is None or item.data(1, _FULL_TEXT_ROLE) is None:
            return
        menu = QMenu(self)
        menu.setObjectName("identifyRowMenu")
        menu.addAction("View Full Value…", lambda: self.show_full_value(item))
        menu.addAction("Copy Value", lambda: _copy(str(item.data(1, _FULL_TEXT_ROLE))))
        menu.popup(self.tree.viewport().mapToGlobal(point))

    def texts(self) -> list[str]:
        """Every cell's text, depth first (for tests and automation)."""
        found: list[str] = []

        def walk(item: QTreeWidgetItem | None) -> None:
            if item is None:
                return
            found.extend(item.text(c) for c in range(2))
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return found


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def _set_expanded(item: QTreeWidgetItem | None, expanded: bool) -> None:
    if item is not None:
        item.setExpanded(expanded)
