"""Fixtures for the export tests: the demo project and its map settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mapdesk.core.project import Project

DEMO_GPKG = Path(__file__).resolve().parents[2] / "data" / "greater_portland_demo.gpkg"


@pytest.fixture(autouse=True)
def _widgets_app(qapp: Any) -> Any:
    """pytest-qt's QApplication, made before any export makes a bare
    QGuiApplication: widget tests later in the same run need the former."""
    return qapp


@pytest.fixture
def demo_project() -> Project:
    from mapdesk.io.demo import open_demo_project

    return open_demo_project()


@pytest.fixture
def demo_settings(demo_project: Project) -> object:
    from mapdesk.core.view import ViewState
    from mapdesk.render.settings import MapSettings

    extent = demo_project.full_extent(visible_only=True)
    assert extent is not None
    return MapSettings.from_project(demo_project, ViewState(width=800, height=600).fitted(extent))


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The demo project on a copy of its data in tmp_path/data, with a graduated
    layer and a zoomed-in view (the demo has neither); tmp_path/maps exists."""
    import shutil

    from mapdesk.core.symbology import graduate
    from mapdesk.core.view import ViewState
    from mapdesk.io.demo import open_demo_project

    (tmp_path / "data").mkdir()
    copy = tmp_path / "data" / "demo.gpkg"
    shutil.copy(DEMO_GPKG, copy)
    monkeypatch.setenv("MAPDESK_DEMO_DATA", str(copy))
    project = open_demo_project()
    parcels = project.layers.by_name("Parcels")
    parcels.symbology = graduate(parcels.data, "assessed_value", parcels.style, ramp="Greens")
    parcels.opacity = 0.8
    project.view = ViewState(890_000.5, 90_000.25, 2.5, 1000, 700)
    (tmp_path / "maps").mkdir()
    return project
