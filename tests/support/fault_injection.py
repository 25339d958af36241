"""Raise an exception at the entry of the code Qt runs for a signal (RELIABILITY.md row 22).

An action's handlers are Python callables connected to ``triggered`` or
``toggled`` somewhere in the controllers; patching them one by one would only
test the patches. :class:`SlotFaults` instead arms a trace function while the
test fires a signal (``action.trigger()``, a key press, a menu's
``aboutToShow``): every Python function that Qt calls *directly* from that
moment (its frame's caller is the test's own frame, C++ in between) raises
``RuntimeError`` on its first line (Qt's layout and paint queries, such as a
model's ``rowCount``, excepted: see :func:`_qt_query`). A :func:`~mapdesk.ui.workers.guarded_slot`
(or ``guarded_event``) wrapper is the guard, not the handler: the fault goes
into the function it wraps, so a guarded handler reports the fault and an unguarded one lets it
escape, exactly as a bug on the handler's first line would.

CPython unsets a trace function that raises, so only the first handler of a
signal would get its fault; the test re-arms the trace from wherever a fault
ends up (the message box that reports it, or ``sys.excepthook``) with
:meth:`SlotFaults.rearm`, so every handler of the signal gets one.
"""

from __future__ import annotations

import inspect
import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import mapdesk
from mapdesk.ui.workers import guarded_event, guarded_slot

#: The code of the guards' wrappers: faults go into the function they call.
GUARD_CODES = (
    guarded_slot(lambda: None).__code__,  # type: ignore[attr-defined]
    guarded_event(lambda _owner, _event: None).__code__,  # type: ignore[attr-defined]
)
MAPDESK_DIR = str(Path(mapdesk.__file__).parent)
#: Numbers every fault of the test run: no two are the same error.
_serial = itertools.count(1)

FAULT_TEXT = "fault injected by the test into"


def _qt_query(frame: FrameType) -> bool:
    """An override of a Qt virtual that is not an event handler: a model's
    ``rowCount``/``data`` or a widget's ``sizeHint``, which Qt asks while it lays
    out and paints. Those are not actions or slots (row 22), and a fault there
    is a display error of its own, so they get no fault."""
    owner = frame.f_locals.get("self")
    name = frame.f_code.co_name
    if owner is None or name.endswith("Event") or name == "eventFilter":
        return False
    return any(
        cls.__module__.startswith("PySide6") and name in vars(cls) for cls in type(owner).__mro__
    )


class InjectedFault(RuntimeError):
    """The exception the test raises inside a handler."""


class SlotFaults:
    """Injects :class:`InjectedFault` into the handlers Qt calls while :meth:`armed`."""

    def __init__(self, dispatchers: tuple[Callable[..., Any], ...] = ()) -> None:
        #: "module:function" of every handler a fault was injected into.
        self.injected: list[str] = []
        #: Functions whose callees get a fault too, whoever called them (a worker's
        #: delivery of its result, run by Qt's event loop).
        self._dispatchers = {inspect.unwrap(f).__code__ for f in dispatchers}
        self._caller: FrameType | None = None
        self._previous: Any = None

    @contextmanager
    def armed(self) -> Iterator[None]:
        """Faults for every handler Qt calls from the ``with`` block's frame."""
        caller = sys._getframe(2)  # the frame of the test's ``with`` statement
        self._caller, self._previous = caller, sys.gettrace()
        sys.settrace(self._trace)
        try:
            yield
        finally:
            sys.settrace(self._previous)
            self._caller = None

    def rearm(self) -> None:
        """Arm again after a fault (CPython dropped the trace function that raised)."""
        if self._caller is not None:
            sys.settrace(self._trace)

    def _trace(self, frame: FrameType, event: str, _arg: Any) -> Callable[..., Any] | None:
        if event == "call" and self._is_handler(frame):
            name = f"{Path(frame.f_code.co_filename).stem}:{frame.f_code.co_qualname}"
            self.injected.append(name)
            raise InjectedFault(f"{FAULT_TEXT} {name} (#{next(_serial)})")
        return None

    def _is_handler(self, frame: FrameType) -> bool:
        back = frame.f_back
        if back is None:
            return False
        if back.f_code in self._dispatchers:  # the callback, not the dispatcher's helpers
            return frame.f_code.co_filename != back.f_code.co_filename
        if frame.f_code in GUARD_CODES:
            return False  # the guard itself: the fault goes one level in
        if back is self._caller:  # called by Qt from the test's frame
            mapdesk_code = frame.f_code.co_filename.startswith(MAPDESK_DIR)
            return mapdesk_code and not _qt_query(frame)
        # the function a guard wraps, the guard called by Qt
        return back.f_code in GUARD_CODES and back.f_back is self._caller
