"""What every controller shares: the window it belongs to."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget


class WindowController(QObject):
    """A controller owned by a window.

    :func:`~mapdesk.ui.workers.guarded_slot` asks :meth:`parent_widget` where
    to show an error, and dialogs opened by the controller use it as parent.
    """

    def __init__(self, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._parent = parent_widget

    def parent_widget(self) -> QWidget:
        return self._parent

    def make_action(self, text: str, name: str, tip: str, slot: Callable[[], None]) -> QAction:
        """An action of this controller's own (menus place it): ``slot`` runs guarded."""
        from mapdesk.ui.workers import guarded_slot

        action = QAction(text, self.parent_widget())
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(guarded_slot(lambda _checked=False: slot()))
        return action
