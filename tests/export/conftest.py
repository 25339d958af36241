"""Fixtures for the export tests: the demo project and its map settings."""

from __future__ import annotations

from typing import Any

import pytest

from mapdesk.core.project import Project


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
