"""The Cut Impact panel: what a cut span takes off the network, and what stays."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem, QWidget

from mapdesk.core.analysis.network import CutImpact, NetworkPlace

_LOST = QColor("#b00020")
_KEPT = QColor("#1b5e20")


class CutImpactPanel(QDockWidget):
    """A tree: the 9-1-1 centre's state, the sites and towers lost, the counts kept.

    Signals
    -------
    place_activated(str, str)
        A lost site or tower was double-clicked: its kind ("site"/"tower") and id.
    """

    place_activated = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Cut Impact", parent)
        self.setObjectName("cutImpactPanel")
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("cutImpactTree")
        self.tree.setHeaderHidden(True)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.setWidget(self.tree)

    def show_impact(self, impact: CutImpact) -> None:
        """List ``impact``: lost first, in red; what stays connected, in green."""
        self.tree.clear()
        self._line(f"Spans cut: {', '.join(impact.cut_spans)}")
        self._line(*_psap_line(impact))
        self._places("Sites lost", impact.lost_sites)
        self._places("Towers lost", impact.lost_towers)
        kept = (
            f"Still connected: {len(impact.kept_sites)} sites, {len(impact.kept_towers)} "
            f"towers, {len(impact.kept_nodes)} nodes"
        )
        self._line(kept, _KEPT)
        if impact.unserved_places:
            self._places("Not connected even before the cut", impact.unserved_places)
        self.tree.expandAll()

    def _line(self, text: str, color: QColor | None = None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [text])
        if color is not None:
            item.setForeground(0, QBrush(color))
        return item

    def _places(self, title: str, places: tuple[NetworkPlace, ...]) -> None:
        if not places:
            self._line(f"{title}: none", _KEPT)
            return
        group = self._line(f"{title} ({len(places)})", _LOST)
        for place in places:
            child = QTreeWidgetItem(group, [f"{place.place_id}  {place.name}"])
            child.setData(0, Qt.ItemDataRole.UserRole, (place.kind, place.place_id))
            child.setToolTip(0, "Double-click to zoom to it")

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        found = item.data(0, Qt.ItemDataRole.UserRole)
        if found:
            self.place_activated.emit(*found)


def _psap_line(impact: CutImpact) -> tuple[str, QColor | None]:
    if impact.psap is None:
        return "9-1-1 centre: not found in the network's sites", None
    name = f"9-1-1 centre ({impact.psap.name})"
    if impact.psap_connected:
        return f"{name}: still connected", _KEPT
    return f"{name}: CUT OFF from the core", _LOST
