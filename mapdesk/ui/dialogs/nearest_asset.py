"""Nearest Asset: pick the incidents, the asset layer and (optionally) an asset type."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.nearest import asset_types
from mapdesk.core.analysis.roles import PUNTAL
from mapdesk.core.layer import VectorLayer

ANY_TYPE = "(any type)"


@dataclass(frozen=True)
class NearestAssetRequest:
    """What the dialog asks for."""

    incidents: VectorLayer
    assets: VectorLayer
    asset_type: str | None


class NearestAssetDialog(QDialog):
    """Incidents layer, asset layer, asset type; OK runs the analysis."""

    def __init__(self, layers: list[VectorLayer], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nearestAssetDialog")
        self.setWindowTitle("Nearest Asset")
        self._layers = [layer for layer in layers if layer.feature_count > 0]
        self.incidents = self._layer_combo("nearestIncidents")
        self.assets = self._layer_combo("nearestAssets")
        self.asset_type = QComboBox(self)
        self.asset_type.setObjectName("nearestAssetType")
        self._choose_defaults()
        self.assets.currentIndexChanged.connect(self._fill_types)
        self._fill_types()
        self._build()

    def _layer_combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        for layer in self._layers:
            combo.addItem(layer.name, layer.id)
        return combo

    def _choose_defaults(self) -> None:
        """FixIt-like points as incidents, a layer with asset ids as assets, when present."""
        for combo, words in ((self.incidents, ("incident", "fixit")), (self.assets, ("node",))):
            for i, layer in enumerate(self._layers):
                if layer.geometry_type in PUNTAL and any(w in layer.name.lower() for w in words):
                    combo.setCurrentIndex(i)
                    break

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("Incidents:", self.incidents)
        form.addRow("Nearest of:", self.assets)
        form.addRow("Asset type:", self.asset_type)
        note = QLabel(
            "Adds a new layer: the incidents with the nearest asset's id and type "
            "and the distance in metres.",
            self,
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _fill_types(self) -> None:
        self.asset_type.clear()
        self.asset_type.addItem(ANY_TYPE)
        layer = self._layer(self.assets)
        if layer is not None:
            self.asset_type.addItems(asset_types(layer))

    def _layer(self, combo: QComboBox) -> VectorLayer | None:
        index = combo.currentIndex()
        return self._layers[index] if 0 <= index < len(self._layers) else None

    def request(self) -> NearestAssetRequest | None:
        """The choice made (None when a layer is missing)."""
        incidents, assets = self._layer(self.incidents), self._layer(self.assets)
        if incidents is None or assets is None:
            return None
        chosen = self.asset_type.currentText()
        return NearestAssetRequest(incidents, assets, None if chosen == ANY_TYPE else chosen)
