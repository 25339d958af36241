"""The reader sandbox's child process: reads files on request, answers through a pipe.

Runs in a process started by :mod:`mapdesk.io.sandbox` (``spawn`` context, so
it shares no threads or Qt state with the app). It limits its own address
space first, imports the readers once, says it is ready, then serves
requests until the pipe closes. Whatever GDAL does to this process (a
segfault, an ``abort()``, a hang, running out of memory) only ends this
process; the parent names the file and carries on.

Requests are tuples ``(operation, path, layer, csv_layout, encoding, fault)``; answers
are ``("read",)`` followed by the Arrow IPC bytes of the
:class:`~mapdesk.io.sources.LayerRead`, ``("infos", [LayerInfo…])``, or
``("error", kind, payload)``.

A big whole-file save or export is written here too (GDAL holds the GIL for
the whole write, which would freeze the app's window): the request
``("write", temp_path, layer, driver, final_name, layer_options, fault)`` is
followed by the features as Arrow IPC bytes. The child writes the temporary
file and answers ``("written",)``; the parent adds what GDAL cannot (field
rules) and fsyncs, then sends ``("verify", returns_saved)`` (or ``("stop",)``).
The child reads the file back and compares it with what it wrote, and
answers ``("verified",)`` or ``("saved",)`` followed by the features read back.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from mapdesk.core.errors import DataSourceError, MapdeskError

#: Test faults the child honours (see ``sandbox.FAULT_ENV``): what real reader bugs do.
FAULTS = ("segv", "null-read", "abort", "hang", "memory")
#: How often the child checks that the app that started it is still there.
_PARENT_CHECK_SECONDS = 0.5


def serve(conn: Connection, memory_limit: int | None) -> None:
    """The child's main loop (the ``target`` of its Process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the parent's
    _exit_with_parent()
    if memory_limit is not None:
        _limit_memory(memory_limit)
    from mapdesk.io import registry  # the readers, imported once per child

    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe or went away
        operation, fault = request[0], request[-1]
        out_of_memory = False
        try:
            if operation == "write":
                _write(conn, request, memory_limit)
                continue
            _operation, path, layer, csv_layout, encoding, _fault = request
            if fault is not None:
                _inject(fault, memory_limit)
            if operation == "read":
                payload = _read(registry, path, layer, csv_layout, encoding)
                conn.send(("read",))
                conn.send_bytes(payload)
            else:
                reader = registry.describe if operation == "describe" else registry.list_layers
                conn.send(("infos", reader(path)))
        except BaseException as exc:  # every failure is an answer, never a dead pipe
            out_of_memory = _caused_by_memory(exc)
            conn.send(("error", "memory" if out_of_memory else "raised", _portable(exc)))
        if out_of_memory:
            return  # the heap may be in any state: the parent starts a fresh child


def _exit_with_parent() -> None:
    """End this process when the app that started it dies, even in the middle of a read.

    An idle child sees the pipe close, but a child stuck in a reader (a hang,
    an endless loop in a driver) would otherwise run on after the app was
    killed or crashed, with nobody left to enforce the time limit. (Not
    ``PR_SET_PDEATHSIG``: that fires when the *thread* that started the child
    ends, and the app starts children from worker threads.)
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="mapdesk-reader-parent-watch", daemon=True).start()


def _read(
    registry: Any, path: str, layer: str | None, csv_layout: Any, encoding: str | None
) -> Any:
    from mapdesk.io.read_transfer import read_to_ipc

    return read_to_ipc(registry.read_layer(path, layer, csv_layout=csv_layout, encoding=encoding))


def _write(conn: Connection, request: tuple[Any, ...], memory_limit: int | None) -> None:
    """Write (and on the parent's word, verify) a temporary file; see the module docstring."""
    from pathlib import Path

    from mapdesk.io.read_transfer import frame_from_ipc, frame_to_ipc
    from mapdesk.io.whole_file import verified_copy, write_temporary

    _operation, temp_path, layer, driver, final_name, options, fault = request
    frame = frame_from_ipc(conn.recv_bytes())  # always taken, so the pipe stays in step
    temp = Path(temp_path)
    write_temporary(frame, temp, driver, layer, final_name, options)
    if fault is not None:  # after the write: a crash leaves a temporary file to clean up
        _inject(fault, memory_limit)
    conn.send(("written",))
    step = conn.recv()
    if step[0] != "verify":
        return  # the parent could not finish the file: it removes it
    saved = verified_copy(temp, layer, frame, final_name)
    del frame
    if step[1]:
        payload = frame_to_ipc(saved)
        conn.send(("saved",))
        conn.send_bytes(payload)
    else:
        conn.send(("verified",))


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no address-space limit, the time limit still holds
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _caused_by_memory(exc: BaseException | None) -> bool:
    """True when ``exc`` or what it was raised from is a MemoryError."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _portable(exc: BaseException) -> bytes:
    """``exc`` pickled for the parent, or a DataSourceError with its text if it won't pickle."""
    if not isinstance(exc, MapdeskError):
        exc = DataSourceError(f"{type(exc).__name__}: {exc}")
    try:
        data = pickle.dumps(exc.with_traceback(None))
        pickle.loads(data)
    except Exception:
        data = pickle.dumps(DataSourceError(str(exc)))
    return data


def _inject(fault: str, memory_limit: int | None) -> None:
    """Behave as a broken reader would; only on request of the test hook."""
    if fault == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif fault == "null-read":
        ctypes.string_at(0)
    elif fault == "abort":
        os.abort()
    elif fault == "hang":
        time.sleep(3600)
    elif fault == "memory":
        # One block larger than the limit, as a reader trusting a huge declared size
        # would ask for: refused at once, no page is touched.
        hoard = bytearray((memory_limit or 2**46) + 1)
        del hoard
