"""CrsDialog: pick a CRS by EPSG code or name search, or paste EPSG/WKT/PROJ text.

Used for "Set Project CRS", "Set Layer CRS" and, with "Leave unknown",
when a layer whose file declares no CRS is added.
"""

from __future__ import annotations

from pyproj import CRS
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mapdesk.core.crs import crs_label, parse_crs, search_crs
from mapdesk.core.errors import CrsError

#: Wait this long after the last keystroke before searching (ms).
SEARCH_DELAY_MS = 200


class CrsDialog(QDialog):
    """Choose a coordinate reference system.

    When the dialog was accepted, :attr:`chosen_crs` is the CRS, or None
    when the user pressed "Leave Unknown" (only offered with ``allow_unknown``).
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        title: str = "Coordinate Reference System",
        current: CRS | None = None,
        message: str = "",
        allow_unknown: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("crsDialog")
        self.setWindowTitle(title)
        self.resize(620, 520)
        self.chosen_crs: CRS | None = current
        self.left_unknown = False
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self._build(message, current, allow_unknown)

    def _build(self, message: str, current: CRS | None, allow_unknown: bool) -> None:
        layout = QVBoxLayout(self)
        if message:
            intro = QLabel(message, self)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        self._build_search()
        self._build_text()
        for widget in (self.search, self.results, QLabel("Or define it:", self), self.text):
            layout.addWidget(widget)
        layout.addWidget(self.summary)
        layout.addWidget(self._build_buttons(allow_unknown))
        if current is not None:
            self.text.setPlainText(_short_definition(current))

    def _build_search(self) -> None:
        self.search = QLineEdit(self)
        self.search.setObjectName("crsSearch")
        self.search.setPlaceholderText("Filter: EPSG code or words of the name, e.g. 'maine west'")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.results = QTreeWidget(self)
        self.results.setObjectName("crsResults")
        self.results.setHeaderLabels(["Code", "Coordinate reference system"])
        self.results.setRootIsDecorated(False)
        self.results.setColumnWidth(0, 110)
        self.results.currentItemChanged.connect(self._on_result_chosen)
        self.results.itemDoubleClicked.connect(lambda *_: self.accept())

    def _build_text(self) -> None:
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("crsText")
        self.text.setPlaceholderText(
            "…or enter an EPSG code (26984), 'EPSG:26919', WKT or PROJ string"
        )
        self.text.setMaximumHeight(90)
        self.text.textChanged.connect(self._on_text_changed)
        self.summary = QLabel(self)
        self.summary.setObjectName("crsSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _build_buttons(self, allow_unknown: bool) -> QDialogButtonBox:
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.unknown_button: QPushButton | None = None
        if allow_unknown:
            self.unknown_button = buttons.addButton(
                "Leave Unknown", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.unknown_button.setObjectName("crsLeaveUnknown")
            self.unknown_button.clicked.connect(self.leave_unknown)
        return buttons

    # --- search --------------------------------------------------------------
    def run_search(self) -> None:
        """Fill the result list from the search box (also called by the timer)."""
        self._timer.stop()
        self.results.clear()
        for info in search_crs(self.search.text()):
            item = QTreeWidgetItem(self.results, [info.srs_id, info.name])
            item.setData(0, Qt.ItemDataRole.UserRole, info.srs_id)
        # Select only what the user already means: the CRS in the text box, or
        # a code typed exactly. Selecting the first hit would silently swap the
        # current CRS for a look-alike (NAD27 for NAD83 / Maine West).
        wanted = {self.text.toPlainText().strip().upper(), f"EPSG:{self.search.text().strip()}"}
        for i in range(self.results.topLevelItemCount()):
            row = self.results.topLevelItem(i)
            if row is not None and row.text(0).upper() in wanted:
                self.results.setCurrentItem(row)
                break

    def result_codes(self) -> list[str]:
        """The ``AUTH:code`` of every row in the result list."""
        items = (self.results.topLevelItem(i) for i in range(self.results.topLevelItemCount()))
        return [item.text(0) for item in items if item is not None]

    def _on_result_chosen(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.text.setPlainText(str(item.data(0, Qt.ItemDataRole.UserRole)))

    def _on_text_changed(self) -> None:
        try:
            crs = self._parse()
        except CrsError as exc:
            self.summary.setText(f"⚠ {exc}")
            return
        self.summary.setText(crs_label(crs) if crs is not None else "No CRS chosen")

    def _parse(self) -> CRS | None:
        text = self.text.toPlainText().strip()
        return parse_crs(text) if text else None

    # --- closing ---------------------------------------------------------------
    def leave_unknown(self) -> None:
        self.chosen_crs = None
        self.left_unknown = True
        super().accept()

    def accept(self) -> None:
        try:
            crs = self._parse()
        except CrsError as exc:
            self.summary.setText(f"⚠ {exc}")
            return
        if crs is None:
            self.summary.setText("⚠ Choose a CRS from the list or enter one.")
            return
        self.chosen_crs = crs
        self.left_unknown = False
        super().accept()


def _short_definition(crs: CRS) -> str:
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code}" if code else crs.to_wkt(pretty=True)
