"""render_to_png and ensure_gui_application: headless map images."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QImage
from shapely.geometry import Point, box

from mapdesk.core.errors import MapdeskError
from mapdesk.core.project import Project
from mapdesk.render import ensure_gui_application, render_to_png

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(make_layer) -> Project:
    project = Project(crs="EPSG:26984")
    project.add_layer(make_layer([box(0, 0, 100, 50)], name="parcels", fill_color="#00ff00"))
    project.add_layer(make_layer([Point(50, 25)], name="hydrants", fill_color="#ff0000"))
    return project


def test_writes_a_readable_png_of_the_requested_size(tmp_path, project, pixels):
    target = tmp_path / "map.png"
    written = render_to_png(project, target, width=320, height=200)
    assert written == target
    image = QImage(str(target))
    assert not image.isNull()
    assert (image.width(), image.height()) == (320, 200)
    assert pixels.rgb(image, 160, 100) == (255, 0, 0)  # the hydrant at the centre
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]  # no temp left


def test_extent_chooses_the_area_shown(tmp_path, project, pixels):
    target = render_to_png(project, tmp_path / "corner.png", 100, 100, extent=(0, 0, 10, 10))
    image = QImage(str(target))
    assert pixels.rgb(image, 50, 50) == (0, 255, 0)  # inside the parcel, far from the hydrant
    assert pixels.rgb(image, 1, 50) == (255, 255, 255)  # left of the parcel (x < 0)


def test_replaces_an_existing_file(tmp_path, project):
    target = tmp_path / "map.png"
    target.write_bytes(b"old")
    render_to_png(project, target, 50, 40)
    assert QImage(str(target)).width() == 50


def test_unwritable_path_names_the_path(tmp_path, project):
    target = tmp_path / "no such folder" / "map.png"
    with pytest.raises(MapdeskError, match="no such folder"):
        render_to_png(project, target)


def test_a_folder_in_the_way_names_the_path(tmp_path, project):
    target = tmp_path / "map.png"
    target.mkdir()
    with pytest.raises(MapdeskError, match=r"map\.png"):
        render_to_png(project, target, 20, 20)
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # temp file cleaned up


def test_empty_project_gives_a_background_image(tmp_path, pixels):
    target = render_to_png(Project(), tmp_path / "empty.png", 30, 20, background="#336699")
    assert pixels.rgb(QImage(str(target)), 10, 10) == (0x33, 0x66, 0x99)


def test_ensure_gui_application_reuses_the_running_app(qapp):
    assert ensure_gui_application() is QGuiApplication.instance()


def test_headless_export_works_in_a_fresh_process(tmp_path):
    # As the CLI runs it: no display, no QT_QPA_PLATFORM, no QtWidgets.
    script = textwrap.dedent(
        f"""
        import os, sys
        from shapely.geometry import Point
        import geopandas as gpd
        from mapdesk.core.layer import VectorLayer
        from mapdesk.core.project import Project
        from mapdesk.render import render_to_png
        project = Project(crs=26984)
        frame = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(10, 10)], crs=26984)
        project.add_layer(VectorLayer(frame, "points"))
        render_to_png(project, {str(tmp_path / "cli.png")!r}, 64, 48)
        assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
        assert "PySide6.QtWidgets" not in sys.modules, "render must not pull in QtWidgets"
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    if sys.platform.startswith("linux"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert QImage(str(tmp_path / "cli.png")).size().width() == 64
    else:
        pytest.skip("the offscreen default applies to Linux without a display")
