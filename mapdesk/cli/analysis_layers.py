"""The layers an analysis command works on: named by the user, or found by what they hold.

``radio-coverage`` and ``boundaries check`` read one or more data files and
pick the PSAP polygons, address points, roads... from them. A layer named
on the command line must be there (the message lists the layers there
are); otherwise :mod:`~mapdesk.core.analysis.roles` finds it by its content
(a ``ServiceURN``, an ``Add_Number`` field) or its name.
"""

from __future__ import annotations

from pathlib import Path

from mapdesk.cli.common import progress, project_for
from mapdesk.core.analysis.roles import LayerRole, find_layer
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.project import Project


def open_data(paths: list[str]) -> Project:
    """Every layer of the data files ``paths``.

    Raises
    ------
    MapdeskError
        When a file is missing or cannot be read (naming it).
    """
    for path in paths:
        if not Path(path).exists():
            raise MapdeskError(f"{path}: no such file")
    progress(f"reading {', '.join(Path(p).name for p in paths)}")
    return project_for(paths)


def pick_layer(
    project: Project, name: str | None, role: LayerRole, option: str
) -> VectorLayer | None:
    """The layer called ``name``, or (no name) the one that plays ``role``; None if none does.

    Raises
    ------
    MapdeskError
        When a layer is named and not there (the message lists the layers
        there are and the ``option`` that named it).
    """
    if name is None:
        return find_layer(list(project.layers), role)
    for layer in project.layers:
        if layer.name == name or layer.name.lower() == name.lower():
            return layer
    raise MapdeskError(f"No layer called {name!r} ({option}); the layers are {_names(project)}")


def require_layer(
    project: Project, name: str | None, role: LayerRole, option: str, what: str
) -> VectorLayer:
    """:func:`pick_layer`, for a layer the analysis cannot do without.

    Raises
    ------
    MapdeskError
        Also when no layer plays ``role``: the message says ``what`` was
        looked for ("radio towers"), the option that names one, and the
        layers there are.
    """
    found = pick_layer(project, name, role, option)
    if found is None:
        raise MapdeskError(
            f"No layer of {what} found: name it with {option} (the layers are {_names(project)})"
        )
    return found


def _names(project: Project) -> str:
    return ", ".join(layer.name for layer in project.layers) or "none"
