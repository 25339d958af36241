"""An exception in any action or slot is a message; the app and its edits carry on.

RELIABILITY.md row 22 and issue 10: the demo window with Parcels in edit mode
(a changed attribute and a moved vertex, both in the edit journal); every
QAction the app creates (menu bar, toolbars, context menus, the recent
projects menu, dock toggles, controllers' own actions) is fired with a fault
injected into each handler it runs (see tests/support/fault_injection.py).
Each fault must be reported in a message box, never escape to
``sys.excepthook``; the window stays up and answers; the edit buffer and the
journal are unchanged. Run once as the app runs (its own excepthook, pytest-qt's
capture off) and once under pytest-qt's ``captureExceptions``.

Worker failures: the work of each background job the actions start raises,
and then the job's error callback itself raises; both are messages.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
import shiboken6
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMenu, QMessageBox, QToolBar
from pytestqt.exceptions import TimeoutError as WaitTimeout

from mapdesk.core.layer import VectorLayer
from mapdesk.ui.app import guarded_excepthook
from mapdesk.ui.recent_projects import remember_project
from mapdesk.ui.workers import WorkerPool, _Delivery
from tests.support.fault_injection import FAULT_TEXT, SlotFaults
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

ROW = 22


# --- the window with unsaved, journaled edits -----------------------------------------
def _edit_parcels(window: Any) -> VectorLayer:
    """Parcels in edit mode: one parcel's first vertex moved 5 m, another's owner changed."""
    parcels = window.project.layers.by_name("Parcels")
    window.layer_panel.select_layer(parcels)
    window.map_actions.toggle_editing.trigger()  # as the user does: Layer ▸ Toggle Editing
    moved, renamed = parcels.data.index[:2]
    parcels.change_geometry(moved, _moved_first_vertex(parcels.data.geometry.loc[moved]))
    parcels.change_attribute_value(renamed, "owner_type", "Portland Housing Authority")
    assert parcels.is_editing and parcels.is_modified
    return parcels


def _moved_first_vertex(polygon: Any) -> Any:
    shell = shapely.get_coordinates(polygon.exterior).copy()
    shell[0, 0] += 5.0
    shell[-1] = shell[0]
    return shapely.Polygon(shell, [ring.coords for ring in polygon.interiors])


def _buffer_hash(layer: VectorLayer) -> str:
    """The edit buffer: base and edited features, and the undo stack's place."""
    session = layer.edit_session
    assert session is not None
    digest = hashlib.sha256()
    for frame in (session.base, session.current, layer.data):
        digest.update(pd.util.hash_pandas_object(frame.drop(columns="geometry")).to_numpy())
        digest.update(b"".join(shapely.to_wkb(frame.geometry.array)))
        digest.update(str(list(frame.index)).encode())
    digest.update(repr((layer.is_editing, session.undo_stack.index)).encode())
    return digest.hexdigest()


def _buffer_objects(layer: VectorLayer) -> tuple[Any, ...]:
    """The edit buffer's frames (never modified in place: an edit swaps in a new frame)
    and the undo stack's place; compared by identity after every action, cheaply."""
    session = layer.edit_session
    assert session is not None
    return (session.base, session.current, layer.data, session.undo_stack.index)


def _journal_dump(path: Path) -> str:
    """Everything the edit journal holds, read through a second, read-only connection."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


# --- what the user sees, what escapes ---------------------------------------------
class Outcomes:
    """Message boxes shown and exceptions that reached ``sys.excepthook``."""

    def __init__(self, faults: SlotFaults) -> None:
        self.faults = faults
        self.reported: list[str] = []
        self.escaped: list[BaseException] = []

    def message_box(self, kind: str) -> Callable[..., Any]:
        def show(_parent: Any, _title: str, text: str, *_args: Any, **_kwargs: Any) -> Any:
            self.reported.append(f"{kind}: {text}")
            self.faults.rearm()
            if kind == "question":
                return QMessageBox.StandardButton.Cancel
            return QMessageBox.StandardButton.Ok

        return show

    def excepthook(self, handler: Callable[..., None]) -> Callable[..., None]:
        def hook(exc_type: Any, exc: BaseException, tb: Any) -> None:
            self.escaped.append(exc)
            handler(exc_type, exc, tb)
            self.faults.rearm()

        return hook

    def fault_reports(self) -> int:
        return sum(FAULT_TEXT in text for text in self.reported)


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch, dialogs: Any) -> Outcomes:
    """Message boxes recorded (never modal), file dialogs cancelled, dialogs rejected."""
    result = Outcomes(SlotFaults())
    for kind in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, result.message_box(kind))
    for name in ("getOpenFileName", "getSaveFileName", "getOpenFileNames"):
        monkeypatch.setattr(QFileDialog, name, lambda *_a, **_k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: "")
    monkeypatch.setattr(QMenu, "popup", _record_popup)
    monkeypatch.setattr(QMenu, "exec", lambda self, *_a: None)
    return result


_popups: list[QMenu] = []


def _record_popup(menu: QMenu, *_args: Any) -> None:
    """A context menu the app would show: kept for the test to fire its actions."""
    _popups.append(menu)


@contextmanager
def _hook_mode(mode: str, qtbot: Any, outcomes: Outcomes) -> Iterator[list[Any]]:
    """sys.excepthook as the app installs it, or pytest-qt's capture; yields what pytest-qt
    captured (empty in the app's mode, where ``outcomes.escaped`` counts)."""
    previous = sys.excepthook
    if mode == "app excepthook":
        sys.excepthook = outcomes.excepthook(guarded_excepthook)
        try:
            yield []
        finally:
            sys.excepthook = previous
        return
    with qtbot.captureExceptions() as captured:
        sys.excepthook = outcomes.excepthook(sys.excepthook)
        try:
            yield captured
        finally:
            sys.excepthook = previous


# --- every action the app creates --------------------------------------------------
def _menu_actions(menu: QMenu) -> Iterator[QAction]:
    for action in menu.actions():
        if action.isSeparator():
            continue
        if (sub := action.menu()) is not None:
            yield from _menu_actions(sub)
        else:
            yield action


def _context_menus(window: Any, parcels: VectorLayer, project_file: Path) -> list[QMenu]:
    """The right-click menus: layer panel (a layer, the empty part), attribute table header,
    bookmarks, and Project ▸ Open Recent with a remembered project."""
    window.bookmarks.add("City Hall")
    window.map_actions.open_attribute_table.trigger()
    _popups.clear()
    lp = window.layer_panel_controller
    menus = [lp.build_menu(parcels), lp.build_menu(None)]
    window.attribute_table._header_menu(QPoint(5, 5))
    list_widget = window.bookmarks_panel.list
    window.bookmarks_panel._menu(list_widget.visualItemRect(list_widget.item(0)).center())
    remember_project(project_file)
    recent = window.menuBar().findChild(QMenu, "recentProjectsMenu")
    recent.aboutToShow.emit()
    menus += [*_popups, recent]
    assert len(menus) == 5, "a context menu was not built"
    return menus


def every_action(window: Any, parcels: VectorLayer, project_file: Path) -> list[QAction]:
    """Menu bar, toolbars, context menus and every QAction the window owns, once each."""
    found: dict[int, QAction] = {}
    sources: list[QAction] = list(window.map_actions.all())
    for top in window.menuBar().actions():
        sources += list(_menu_actions(top.menu()))
    for toolbar in window.findChildren(QToolBar):
        sources += [a for a in toolbar.actions() if not a.isSeparator()]
    for menu in _context_menus(window, parcels, project_file):
        sources += list(_menu_actions(menu))
    sources += [a for a in window.findChildren(QAction) if a.text() and not a.isSeparator()]
    for action in sources:
        found.setdefault(id(action), action)
    return list(found.values())


def qt_own_actions(window: Any) -> set[int]:
    """Actions Qt runs without any mapdesk code: submenus' menu actions and the
    View ▸ Panels / toolbar toggles of docks and toolbars."""
    own = {id(a) for a in window.findChildren(QAction) if a.menu() is not None}
    for widget in [*window.findChildren(QDockWidget), *window.findChildren(QToolBar)]:
        own.add(id(widget.toggleViewAction()))
    return own


def _label(action: QAction) -> str:
    return action.objectName() or action.text().replace("&", "")


def _responsive(qtbot: Any) -> bool:
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    try:
        qtbot.waitUntil(lambda: bool(ticked), timeout=1000)
    except AssertionError:
        return False
    return True


class Sweep:
    """Fire actions with faults, checking the window and the edits after each."""

    def __init__(self, qtbot: Any, window: Any, layer: VectorLayer, outcomes: Outcomes) -> None:
        self.qtbot, self.window, self.layer, self.outcomes = qtbot, window, layer, outcomes
        self.journal = window.editing.journal.path
        self.buffer, self.journal_text = _buffer_hash(layer), _journal_dump(self.journal)
        self.buffer_objects = _buffer_objects(layer)
        self.faults = 0
        #: Actions whose handlers got no fault (mapdesk code Qt never called).
        self.untouched: list[QAction] = []
        self.unreported: list[str] = []
        self.lost_edits: list[str] = []
        self.dead: list[str] = []

    def fire(self, action: QAction) -> None:
        faults, outcomes = self.outcomes.faults, self.outcomes
        injected, reports = len(faults.injected), outcomes.fault_reports()
        enabled, checked = action.isEnabled(), action.isChecked()
        checks = {a: a.isChecked() for a in self.window.map_actions.all() if a.isCheckable()}
        action.setEnabled(True)  # a disabled action's handler must be guarded too
        with faults.armed():
            action.trigger()
        self.restore(action, enabled, checked, checks)
        if len(faults.injected) == injected:
            self.untouched.append(action)
        self.check(_label(action), len(faults.injected) - injected, reports)

    def restore(
        self, action: QAction, enabled: bool, checked: bool, checks: dict[QAction, bool]
    ) -> None:
        for each, was in [*checks.items(), (action, checked)]:
            if shiboken6.isValid(each) and each.isChecked() != was:
                blocked = each.blockSignals(True)
                each.setChecked(was)
                each.blockSignals(blocked)
        if shiboken6.isValid(action):
            action.setEnabled(enabled)

    def check(self, name: str, injected: int, reports_before: int) -> None:
        self.faults += injected
        if self.outcomes.fault_reports() - reports_before < injected:
            self.unreported.append(name)
        alive = shiboken6.isValid(self.window) and self.window.isVisible()
        if not (alive and _responsive(self.qtbot)):
            self.dead.append(name)
        now = _buffer_objects(self.layer)
        same_objects = all(
            a is b if isinstance(a, pd.DataFrame) else a == b
            for a, b in zip(now, self.buffer_objects, strict=True)
        )
        if not same_objects or _journal_dump(self.journal) != self.journal_text:
            self.lost_edits.append(name)

    def final_check(self) -> None:
        """The buffer's content, hashed in full once all actions have run."""
        if _buffer_hash(self.layer) != self.buffer:
            self.lost_edits.append("the edit buffer's content")


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("app excepthook", marks=pytest.mark.qt_no_exception_capture),
        "pytest-qt capture",
    ],
)
def test_a_fault_in_any_action_is_a_message_and_the_edits_stay(
    qtbot: Any, demo_window: Any, outcomes: Outcomes, mode: str, tmp_path: Path
) -> None:
    window = demo_window
    parcels = _edit_parcels(window)
    project_file = tmp_path / "fire stations.mapdesk"
    project_file.write_text("{}", encoding="utf-8")
    actions = every_action(window, parcels, project_file)
    window.layer_panel.select_layer(parcels)
    sweep = Sweep(qtbot, window, parcels, outcomes)
    with _hook_mode(mode, qtbot, outcomes) as captured:
        for action in actions:
            sweep.fire(action)
    sweep.final_check()
    escaped = len(outcomes.escaped) + len(captured)
    record(
        ROW,
        f"exception in every action ({mode})",
        inputs=len(actions),
        faults=sweep.faults,
        contained=sweep.faults - len(sweep.unreported),
        crashes=len(sweep.dead),
        unhandled=escaped,
        lost_edits=len(sweep.lost_edits),
    )
    qt_only = qt_own_actions(window)
    assert len(actions) > 100
    assert [_label(a) for a in sweep.untouched if id(a) not in qt_only] == []
    assert sweep.unreported == [], f"faults not shown to the user: {sweep.unreported}"
    assert escaped == 0, f"escaped the guards: {outcomes.escaped + list(captured)}"
    assert sweep.dead == [] and sweep.lost_edits == []
    assert parcels.is_editing and parcels.is_modified


# --- worker failures ----------------------------------------------------------------
class FailingWork:
    """Every job started in the window's worker pool raises instead of doing its work."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[str] = []
        real_start = WorkerPool.start

        def start(pool: WorkerPool, work: Any, finished: Any, failed: Any, **kw: Any) -> Any:
            description = kw.get("description", "")
            self.started.append(description)

            def fail(_progress: Any) -> None:
                raise RuntimeError(f"{FAULT_TEXT} the work of {description!r}")

            return real_start(pool, fail, finished, failed, **kw)

        monkeypatch.setattr(WorkerPool, "start", start)


def _background_jobs(window: Any, parcels: VectorLayer) -> dict[str, Callable[[], Any]]:
    """User actions that start a background job at once (no dialog to fill in)."""
    actions, layers = window.map_actions, window.project.layers

    def on(layer: VectorLayer, action: QAction) -> Callable[[], None]:
        return lambda: (window.layer_panel.select_layer(layer), action.trigger())

    return {
        "save layer edits": on(parcels, actions.save_edits),
        "refresh layer (F5)": on(layers.by_name("Radio towers"), actions.refresh_layer),
        "check network": on(parcels, actions.check_network),
        "incident analysis": lambda: (
            window.incident_panel.hide(),
            window.incident_panel.toggleViewAction().trigger(),  # Analysis ▸ Incident Analysis
        ),
    }


def _run_jobs(qtbot: Any, window: Any, jobs: dict[str, Callable[[], Any]], sweep: Sweep) -> None:
    """Each job's failure must come back as a message; the edits stay as they were."""
    outcomes = sweep.outcomes
    for name, start in jobs.items():
        reports = outcomes.fault_reports()
        start()
        window.workers.wait()
        try:
            qtbot.waitUntil(lambda r=reports: outcomes.fault_reports() > r, timeout=5000)
        except (AssertionError, WaitTimeout):
            sweep.unreported.append(name)
        sweep.faults += 1
        sweep.check(name, 0, reports)
        window.layer_panel.select_layer(sweep.layer)


@pytest.mark.qt_no_exception_capture
def test_a_failing_background_job_is_a_message_and_the_edits_stay(
    qtbot: Any, demo_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = demo_window
    parcels = _edit_parcels(window)
    outcomes = Outcomes(SlotFaults(dispatchers=(_Delivery.on_failed,)))
    for kind in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, outcomes.message_box(kind))
    failing = FailingWork(monkeypatch)
    sweep = Sweep(qtbot, window, parcels, outcomes)
    jobs = _background_jobs(window, parcels)
    with _hook_mode("app excepthook", qtbot, outcomes):
        _run_jobs(qtbot, window, jobs, sweep)  # the work raises
        injected = len(outcomes.faults.injected)
        # ... and then the job's error callback raises too. Not for the save: its
        # callback is what ends the save, and a save that never ends keeps the
        # layer locked for editing (its edits intact) until mapdesk restarts.
        # Not for the incident analysis either: it keeps its last result and
        # starts no new job for the same reports.
        del jobs["save layer edits"], jobs["incident analysis"]
        with outcomes.faults.armed():
            _run_jobs(qtbot, window, jobs, sweep)
    sweep.final_check()
    callback_faults = len(outcomes.faults.injected) - injected
    faults = sweep.faults + callback_faults
    record(
        ROW,
        "worker failures",
        inputs=len(failing.started),
        faults=faults,
        contained=faults - len(sweep.unreported),
        crashes=len(sweep.dead),
        unhandled=len(outcomes.escaped),
        lost_edits=len(sweep.lost_edits),
    )
    assert len(failing.started) == 4 + len(jobs), failing.started
    assert callback_faults == len(jobs), outcomes.faults.injected
    assert sweep.unreported == [], f"failures not shown to the user: {sweep.unreported}"
    assert outcomes.escaped == []
    assert sweep.dead == [] and sweep.lost_edits == []
    assert parcels.is_editing and parcels.is_modified


# --- keyboard shortcuts ------------------------------------------------------------------
KEY_HANDLERS = ("keyPressEvent", "keyReleaseEvent", "focusOutEvent")


@pytest.mark.qt_no_exception_capture
def test_a_fault_behind_a_keyboard_shortcut_is_a_message(
    qtbot: Any, demo_window: Any, outcomes: Outcomes
) -> None:
    """PySide6 6.8 lost exceptions raised from shortcuts (pytest-qt#573): every action
    shortcut of the main window, pressed on the map, reports its fault."""
    window = demo_window
    parcels = _edit_parcels(window)
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus, timeout=5000)
    sweep = Sweep(qtbot, window, parcels, outcomes)
    with_keys = [a for a in window.map_actions.all() if not a.shortcut().isEmpty()]
    missed: list[str] = []
    with _hook_mode("app excepthook", qtbot, outcomes):
        for action in with_keys:
            enabled, checked = action.isEnabled(), action.isChecked()
            injected, reports = len(outcomes.faults.injected), outcomes.fault_reports()
            action.setEnabled(True)
            with outcomes.faults.armed():
                QTest.keySequence(window.canvas, action.shortcut())
            sweep.restore(action, enabled, checked, {})
            # The action's own handler, not only the map's key handlers, got a fault.
            if all(n.endswith(KEY_HANDLERS) for n in outcomes.faults.injected[injected:]):
                missed.append(_label(action))
            sweep.check(_label(action), len(outcomes.faults.injected) - injected, reports)
    sweep.final_check()
    record(
        ROW,
        "exception behind a keyboard shortcut",
        inputs=len(with_keys),
        faults=sweep.faults,
        contained=sweep.faults - len(sweep.unreported),
        crashes=len(sweep.dead),
        unhandled=len(outcomes.escaped),
        lost_edits=len(sweep.lost_edits),
    )
    assert len(with_keys) > 20 and missed == []
    assert sweep.unreported == [] and outcomes.escaped == []
    assert sweep.dead == [] and sweep.lost_edits == []
