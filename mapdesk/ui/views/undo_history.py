"""The Undo History panel: the current layer's edits, oldest first.

The highlighted row is where the layer stands; clicking a row undoes or redoes
to just after that edit (clicking "<original>" undoes everything), as QGIS's
Undo/Redo panel does.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDockWidget, QLabel, QListWidget, QVBoxLayout, QWidget

from mapdesk.core.editing.undo import UndoStack

ORIGINAL = "<original>"


class UndoHistoryPanel(QDockWidget):
    """Signals ``step_chosen(index)``: make ``index`` edits applied."""

    step_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Undo History", parent)
        self.setObjectName("undoHistoryPanel")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.caption = QLabel("No layer is being edited", body)
        self.caption.setObjectName("undoHistoryCaption")
        self.steps = QListWidget(body)
        self.steps.setObjectName("undoHistorySteps")
        layout.addWidget(self.caption)
        layout.addWidget(self.steps)
        self.setWidget(body)
        self._stack: UndoStack | None = None
        self.steps.itemClicked.connect(lambda item: self.step_chosen.emit(self.steps.row(item)))

    def show_stack(self, stack: UndoStack | None, layer_name: str = "") -> None:
        """List ``stack``'s edits (None: no layer in edit mode) and follow its changes."""
        if self._stack is not None:
            self._stack.changed.disconnect(self._refresh)
        self._stack = stack
        if stack is not None:
            stack.changed.connect(self._refresh)
        self.caption.setText(f"Edits of {layer_name}" if stack else "No layer is being edited")
        self._refresh()

    def close_panel(self) -> None:
        """Stop following the stack (the window is closing)."""
        self.show_stack(None)

    def _refresh(self) -> None:
        self.steps.clear()
        if self._stack is None:
            return
        self.steps.addItems([ORIGINAL, *self._stack.texts()])
        self.steps.setCurrentRow(self._stack.index)
