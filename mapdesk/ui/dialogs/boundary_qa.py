"""Analysis ▸ Boundary QA…: the service boundaries, municipalities and addresses to check.

The choices of ``mapdesk boundaries check``: the PSAP, police, fire and EMS
polygons (any of them), the municipal boundaries, the address points, the
sliver tolerance and an optional municipality → PSAP table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.analysis.boundaries import DEFAULT_SLIVER_M2
from mapdesk.core.analysis.roles import ADDRESS_ROLE, POLYGONAL, PUNTAL, ZONE_ROLES, LayerRole
from mapdesk.core.layer import VectorLayer
from mapdesk.ui.dialogs.layer_choice import FileChoice, LayerCombo
from mapdesk.ui.dialogs.parts import ok_cancel, problem_label

#: The service boundary roles checked, in the dialog's order.
SERVICE_KEYS = ("psap", "police", "fire", "ems")


@dataclass(frozen=True)
class BoundaryQaRequest:
    """What the dialog asks for."""

    services: dict[str, VectorLayer]
    municipalities: VectorLayer | None = None
    addresses: VectorLayer | None = None
    sliver_m2: float = DEFAULT_SLIVER_M2
    expected_table: Path | None = None


class BoundaryQaDialog(QDialog):
    """Service boundaries, municipalities, addresses and options; OK runs the check."""

    def __init__(self, layers: list[VectorLayer], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boundaryQaDialog")
        self.setWindowTitle("Boundary QA")
        roles = {role.key: role for role in ZONE_ROLES}
        self.services = {
            key: LayerCombo(layers, POLYGONAL, roles[key], f"boundary_{key}", self)
            for key in SERVICE_KEYS
        }
        self.municipalities = LayerCombo(
            layers, POLYGONAL, roles["municipality"], "boundaryMunicipalities", self
        )
        self.addresses = LayerCombo(layers, PUNTAL, ADDRESS_ROLE, "boundaryAddresses", self)
        self.sliver = QDoubleSpinBox(self)
        self.sliver.setObjectName("boundarySliver")
        self.sliver.setRange(0.0, 1e9)
        self.sliver.setDecimals(1)
        self.sliver.setSuffix(" m²")
        self.sliver.setValue(DEFAULT_SLIVER_M2)
        self.sliver.setToolTip("Pieces smaller than this are digitising noise: counted, not listed")
        self.table = FileChoice(
            "boundaryExpectedTable", "Expected PSAP per municipality", "CSV tables (*.csv *.txt)"
        )
        self.table.setToolTip("A municipality,psap CSV (none: each municipality's majority PSAP)")
        self.problem = problem_label(self, "boundaryProblem")
        self._buttons = ok_cancel(self)
        self._build(roles)
        for combo in (*self.services.values(), self.municipalities):
            combo.currentIndexChanged.connect(lambda _i: self._check())
        self.table.edit.textChanged.connect(lambda _t: self._check())
        self._check()

    def _build(self, roles: dict[str, LayerRole]) -> None:
        form = QFormLayout()
        for key, combo in self.services.items():
            form.addRow(f"{roles[key].title} polygons:", combo)
        form.addRow("Municipal boundaries:", self.municipalities)
        form.addRow("Address points:", self.addresses)
        form.addRow("Ignore slivers under:", self.sliver)
        form.addRow("Expected PSAP table:", self.table)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self._buttons)

    def _check(self) -> None:
        problem = self.problem_text()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        ok = self._buttons.button(self._buttons.StandardButton.Ok)
        if isinstance(ok, QPushButton):
            ok.setEnabled(not problem)

    def problem_text(self) -> str:
        """Why OK cannot run the check yet ("" when it can)."""
        chosen = {key for key, combo in self.services.items() if combo.layer() is not None}
        table = self.table.path()
        if not chosen:
            return "Choose a PSAP, police, fire or EMS layer to check."
        if table is not None and not table.is_file():
            return f"There is no file {table}."
        if table is not None and ("psap" not in chosen or self.municipalities.layer() is None):
            return "An expected-PSAP table needs a PSAP layer and municipal boundaries."
        return ""

    def request(self) -> BoundaryQaRequest:
        """The choices made."""
        services = {key: layer for key, combo in self.services.items() if (layer := combo.layer())}
        return BoundaryQaRequest(
            services,
            self.municipalities.layer(),
            self.addresses.layer(),
            self.sliver.value(),
            self.table.path(),
        )
