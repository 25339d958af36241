"""A combo box of the project's layers of one geometry, preset to the one that plays a role."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from mapdesk.core.analysis.roles import LayerRole, find_layer
from mapdesk.core.layer import VectorLayer

#: The entry that leaves an optional layer out.
NO_LAYER = "(none)"


class LayerCombo(QComboBox):
    """The layers of ``geometry`` with features; preset to the one that plays ``role``.

    An optional choice starts with :data:`NO_LAYER` (chosen when no layer
    plays the role).
    """

    def __init__(
        self,
        layers: Sequence[VectorLayer],
        geometry: frozenset[str],
        role: LayerRole | None,
        name: str,
        parent: QWidget | None = None,
        optional: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._layers = [x for x in layers if x.feature_count > 0 and x.geometry_type in geometry]
        self._optional = optional
        if optional:
            self.addItem(NO_LAYER)
        for layer in self._layers:
            self.addItem(layer.name, layer.id)
        self.set_layer(find_layer(self._layers, role) if role is not None else None)

    def layer(self) -> VectorLayer | None:
        """The layer chosen (None: none)."""
        index = self.currentIndex() - (1 if self._optional else 0)
        return self._layers[index] if 0 <= index < len(self._layers) else None

    def set_layer(self, layer: VectorLayer | None) -> None:
        """Choose ``layer`` (None, or a layer not offered: none, or the first layer)."""
        offset = 1 if self._optional else 0
        index = self._layers.index(layer) + offset if layer in self._layers else 0
        self.setCurrentIndex(index if self.count() else -1)


class FileChoice(QWidget):
    """A path field with Browse…, for an optional input file."""

    def __init__(self, name: str, caption: str, filters: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setObjectName(name)
        self.edit.setClearButtonEnabled(True)
        self.edit.setPlaceholderText("none")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self._caption, self._filters = caption, filters
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text) if text else None

    def _browse(self) -> None:
        start = str(self.path() or Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, self._caption, start, self._filters)
        if chosen:
            self.edit.setText(chosen)
