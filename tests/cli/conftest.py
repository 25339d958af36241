"""The CLI tests run commands in this process; some of them draw maps."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _widgets_app(qapp: Any) -> Any:
    """pytest-qt's QApplication, made before a command (``render``, ``self-check``)
    makes a bare QGuiApplication: a widget test later in the same run aborts
    the whole process ("Must construct a QApplication before a QWidget")
    when it finds only the latter."""
    return qapp
