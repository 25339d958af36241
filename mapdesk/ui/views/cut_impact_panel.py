"""The Network panel: what a cut span takes off the network, or what is wrong in its data."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem, QWidget

from mapdesk.core.analysis.network import CutImpact, NetworkPlace, NetworkProblem

_LOST = QColor("#b00020")
_KEPT = QColor("#1b5e20")


class CutImpactPanel(QDockWidget):
    """A tree: a cut's impact (the 9-1-1 centre's state, the sites and towers lost,
    the counts kept), or the connectivity problems of the network's data.

    Signals
    -------
    place_activated(str, str)
        A lost site or tower was double-clicked: its kind ("site"/"tower") and id.
    problem_activated(int)
        A problem was double-clicked: its position in the list shown.
    """

    place_activated = Signal(str, str)
    problem_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Network", parent)
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

    def show_problems(self, problems: tuple[NetworkProblem, ...]) -> None:
        """List the data's connectivity problems, grouped by kind."""
        self.tree.clear()
        if not problems:
            self._line("No connectivity problems: every span meets its nodes.", _KEPT)
            return
        self._line(f"{len(problems)} connectivity problems (double-click one to see it)", _LOST)
        groups: dict[str, QTreeWidgetItem] = {}
        for index, problem in enumerate(problems):
            kind = str(problem.kind)
            if kind not in groups:
                groups[kind] = self._line(kind.capitalize())
            child = QTreeWidgetItem(groups[kind], [problem.message])
            child.setToolTip(0, problem.message)
            child.setData(0, Qt.ItemDataRole.UserRole, ("problem", index))
        for kind, group in groups.items():
            group.setText(0, f"{kind.capitalize()} ({group.childCount()})")
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
        if not found:
            return
        if found[0] == "problem":
            self.problem_activated.emit(int(found[1]))
        else:
            self.place_activated.emit(*found)


def _psap_line(impact: CutImpact) -> tuple[str, QColor | None]:
    if impact.psap is None:
        return "9-1-1 centre: not found in the network's sites", None
    name = f"9-1-1 centre ({impact.psap.name})"
    if impact.psap_connected:
        return f"{name}: still connected", _KEPT
    return f"{name}: CUT OFF from the core", _LOST
