"""The Network panel: what a cut span takes off the network, what a node reaches (a
trace), or what is wrong in the network's data."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem, QWidget

from mapdesk.core.analysis.network import CutImpact, NetworkPlace, NetworkProblem, Trace
from mapdesk.core.measure import format_length

_LOST = QColor("#b00020")
_KEPT = QColor("#1b5e20")


class CutImpactPanel(QDockWidget):
    """A tree: a cut's impact (the 9-1-1 centre's state, the sites and towers lost,
    the counts kept), a trace from a node, or the connectivity problems of the
    network's data.

    Signals
    -------
    place_activated(str, str)
        A site, tower or node was double-clicked: its kind ("site", "tower" or
        "node") and id.
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

    def show_trace(self, trace: Trace, start_label: str) -> None:
        """List what ``trace`` reaches: counts, the core, the 9-1-1 centre, sites, towers.

        ``start_label`` names the node traced from (``NN-0045 (site, CS-016 ...)``).
        """
        self.tree.clear()
        self._zoomable(self._line(f"Traced from {start_label}"), "node", trace.start)
        if trace.cut_spans:
            self._line(f"Spans cut: {', '.join(trace.cut_spans)}")
        spans = len(trace.span_ids)
        self._line(
            f"Reached: {_count(len(trace.node_ids), 'node')}, {_count(spans, 'span')} "
            f"({format_length(trace.length_m, 'km')} of span)"
        )
        self._reach_line(
            "Core", "City Hall", trace.core_reached, "node", min(trace.core, default="")
        )
        psap = trace.psap
        self._reach_line(
            "9-1-1 centre",
            psap.name if psap else "",
            trace.psap_reached,
            "site",
            psap.place_id if psap else "",
        )
        self._places("Sites reached", trace.sites, colour=None)
        self._places("Towers reached", trace.towers, colour=None)
        self.tree.expandAll()

    def _reach_line(
        self, what: str, name: str, reached: bool | None, kind: str, place_id: str
    ) -> None:
        # The verdict comes first: a narrow panel cuts the name, never "NOT reached".
        if reached is None:
            self._line(f"{what}: not found in the network's data")
            return
        text = f"{what} {'reached' if reached else 'NOT reached'}: {name}"
        item = self._line(text, _KEPT if reached else _LOST)
        self._zoomable(item, kind, place_id)
        item.setToolTip(0, f"{text} (double-click to zoom to it)")

    def show_problems(self, problems: tuple[NetworkProblem, ...]) -> None:
        """List the data's connectivity problems, grouped by kind."""
        self.tree.clear()
        if not problems:
            self._line(
                "No problems: every span meets its nodes, every type and status is a known code.",
                _KEPT,
            )
            return
        self._line(f"{len(problems)} problems in the data (double-click one to see it)", _LOST)
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

    def texts(self) -> list[str]:
        """Every row's text, depth first, children indented by two spaces (tests, automation)."""
        found: list[str] = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is None:
                continue
            found.append(item.text(0))
            children = (item.child(j) for j in range(item.childCount()))
            found += [f"  {child.text(0)}" for child in children if child is not None]
        return found

    def _line(self, text: str, color: QColor | None = None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [text])
        if color is not None:
            item.setForeground(0, QBrush(color))
        return item

    def _places(
        self, title: str, places: tuple[NetworkPlace, ...], colour: QColor | None = _LOST
    ) -> None:
        if not places:
            self._line(f"{title}: none", _KEPT if colour is not None else None)
            return
        group = self._line(f"{title} ({len(places)})", colour)
        for place in places:
            child = QTreeWidgetItem(group, [f"{place.place_id}  {place.name}"])
            self._zoomable(child, place.kind, place.place_id)

    @staticmethod
    def _zoomable(item: QTreeWidgetItem, kind: str, place_id: str) -> None:
        if place_id:
            item.setData(0, Qt.ItemDataRole.UserRole, (kind, place_id))
            item.setToolTip(0, "Double-click to zoom to it")

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


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'s' if number != 1 else ''}"
