"""Before new layers are written into a GeoPackage: which are taken, open, or to be replaced.

Shared by the controllers that create layers (network, NENA): a layer of the
same name in the file is replaced only when the user says so, and never
while the project shows it (the project would keep features the file lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.io.gpkg_layers import layer_names

Button = QMessageBox.StandardButton


def ask_to_replace(
    project: Project, parent: QWidget, title: str, path: Path, tables: Sequence[str]
) -> bool | None:
    """Whether layers ``tables`` of ``path`` are to be replaced; None: the user said no.

    Raises
    ------
    MapdeskError
        When a layer to be replaced is open in the project.
    """
    if not path.exists():
        return False
    existing = {name.lower(): name for name in layer_names(path)}
    taken = [existing[n.lower()] for n in tables if n.lower() in existing]
    if not taken:
        return False
    refuse_if_open(project, path, taken)
    answer = QMessageBox.question(
        parent,
        title,
        f"{path.name} already has {' and '.join(taken)}. Replace "
        f"{'it' if len(taken) == 1 else 'them'}? Its features are deleted from the file.",
        Button.Yes | Button.No,
        Button.No,
    )
    return True if answer == Button.Yes else None


def refuse_if_open(project: Project, path: Path, tables: Sequence[str]) -> None:
    """Raise when the project shows one of ``tables`` of ``path`` (it would go stale)."""
    shown = open_in_project(project, path, tables)
    if shown:
        raise MapdeskError(
            f"{path.name} already has {', '.join(tables)}, open in this project as "
            f"{', '.join(shown)}: remove that layer first, or choose other names"
        )


def open_in_project(project: Project, path: Path, tables: Sequence[str]) -> list[str]:
    """The names of the project's layers read from ``tables`` of the file ``path``."""
    wanted = {table.lower() for table in tables}
    return [
        layer.name
        for layer in project.layers
        if layer.origin is not None
        and (layer.origin.layer or "").lower() in wanted
        and same_file(Path(layer.origin.path), path)
    ]


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
