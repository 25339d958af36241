"""Help ▸ About mapdesk and the application icon."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import pyogrio
import pyproj
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QImageReader

from mapdesk.ui.dialogs.about import AboutDialog
from mapdesk.ui.icons import APP_ICON_SIZES, app_icon

APP_ICONS = files("mapdesk") / "resources" / "icons" / "app"


def test_help_about_opens_the_dialog(window: Any, dialogs: Any) -> None:
    window.map_actions.about.trigger()
    assert dialogs.names() == ["AboutDialog"]


def test_about_shows_versions_and_data_folders(qtbot: Any) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.details.text()
    for library in ("mapdesk", "Python", "Qt", "PySide6", "GDAL", "PROJ", "GEOS", "pyarrow"):
        assert f"<b>{library}</b>" in text
    assert pyogrio.__gdal_version_string__ in text
    assert pyproj.datadir.get_data_dir() in text
    assert "proj.db found" in text


def test_copy_puts_the_report_on_the_clipboard(qtbot: Any) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("mapdesk support information\n")
    assert pyproj.proj_version_str in copied
    assert pyproj.datadir.get_data_dir() in copied
    assert "Copied" in dialog.copied.text()


def test_a_proj_folder_without_proj_db_is_shown_as_a_problem(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROJ_DATA", str(tmp_path))
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert "no proj.db there" in dialog.details.text()
    assert f"PROJ_DATA  {tmp_path}  [no proj.db there" in dialog.support_text()


def test_the_main_window_has_the_mapdesk_icon(window: Any) -> None:
    shown = window.windowIcon()
    assert not shown.isNull()
    assert shown.pixmap(QSize(16, 16)).cacheKey() == app_icon().pixmap(QSize(16, 16)).cacheKey()


def test_the_app_icon_has_every_bitmap_size() -> None:
    sizes = {size.width() for size in app_icon().availableSizes()}
    assert set(APP_ICON_SIZES) <= sizes
    for size in APP_ICON_SIZES:
        reader = QImageReader(str(APP_ICONS / f"mapdesk-{size}.png"))
        assert reader.size() == QSize(size, size)


def test_the_windows_icon_holds_every_size() -> None:
    reader = QImageReader(str(APP_ICONS / "mapdesk.ico"))
    widths = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        widths.append(reader.read().width())
    assert widths == list(APP_ICON_SIZES)
