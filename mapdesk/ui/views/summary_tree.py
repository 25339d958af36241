"""A dock's body of one summary line over a two-column tree (Identify, Location Dossier)."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QLabel, QTreeWidget, QVBoxLayout, QWidget


def summary_and_tree(
    dock: QDockWidget, name: str, hint: str, headers: tuple[str, str], first_width: int
) -> tuple[QLabel, QTreeWidget]:
    """Give ``dock`` a wrapped summary label over a tree; objectNames ``{name}Summary/Tree``."""
    body = QWidget(dock)
    layout = QVBoxLayout(body)
    layout.setContentsMargins(2, 2, 2, 2)
    summary = QLabel(hint, body)
    summary.setObjectName(f"{name}Summary")
    summary.setWordWrap(True)
    tree = QTreeWidget(body)
    tree.setObjectName(f"{name}Tree")
    tree.setHeaderLabels(list(headers))
    tree.setColumnWidth(0, first_width)
    tree.setAlternatingRowColors(True)
    layout.addWidget(summary)
    layout.addWidget(tree)
    dock.setWidget(body)
    return summary, tree
