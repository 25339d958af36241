"""The Location Dossier panel: one section per question, its answer beside the title."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QDockWidget, QTreeWidgetItem, QWidget

from mapdesk.core.analysis.dossier_text import NO_LAYER, DossierSection
from mapdesk.ui.views.summary_tree import summary_and_tree

HINT = "Choose the Location Dossier tool and click the map."


class DossierPanel(QDockWidget):
    """Sections (municipality, PSAP, ..., radio coverage) as a two-column tree."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Location Dossier", parent)
        self.setObjectName("dossierPanel")
        self.summary, self.tree = summary_and_tree(
            self, "dossier", HINT, ("Section", "Finding"), 175
        )

    def show_busy(self, where: str) -> None:
        """A dossier for ``where`` is being put together."""
        self.summary.setText(f"Looking up {where}…")

    def show_problem(self, message: str) -> None:
        self.tree.clear()
        self.summary.setText(message)

    def show_sections(self, sections: Sequence[DossierSection], where: str) -> None:
        """Replace the tree with ``sections``; each section's rows are shown expanded."""
        self.tree.clear()
        self.summary.setText(f"Dossier for {where}")
        for section in sections:
            item = QTreeWidgetItem(self.tree, [section.title, section.summary])
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setToolTip(1, section.summary)
            if section.summary == NO_LAYER:
                item.setDisabled(True)  # greyed: the project has no such layer
            for label, value in section.rows:
                child = QTreeWidgetItem(item, [label, value])
                child.setToolTip(1, value)
        self.tree.expandAll()

    def section_summary(self, title: str) -> str | None:
        """The answer shown for the section called ``title`` (None when absent)."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.text(0) == title:
                return item.text(1)
        return None

    def texts(self) -> list[str]:
        """Every cell's text, depth first (for tests and automation)."""
        found: list[str] = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is None:
                continue
            found.extend(item.text(c) for c in range(2))
            for j in range(item.childCount()):
                child = item.child(j)
                if child is not None:
                    found.extend(child.text(c) for c in range(2))
        return found
