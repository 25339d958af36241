"""Read untrusted files in a child process, with a time and a memory limit.

GDAL says to sandbox untrusted files (gdal.org/user/security.html): a
segfault in a driver takes its whole process down, and in the app that
process holds the user's unsaved edits. Files the user adds are therefore
read by a child process (:mod:`mapdesk.io.sandbox_child`); the result comes
back as one Arrow IPC stream (:mod:`mapdesk.io.read_transfer`). When the
child crashes, runs past the time limit or out of memory, the read raises a
:class:`ReaderFailedError` that names the file, and the app carries on.

Children are started with ``spawn`` (never ``fork``: the app has Qt and
threads) and kept warm: a started child imports the readers once and serves
read after read, so adding a small file costs a pipe round trip, not a
Python start-up. A child that crashed, hung, ran out of memory or was
cancelled is killed and replaced.

Settings (environment variables, read at each read)
---------------------------------------------------
``MAPDESK_SANDBOX``
    ``0`` (or ``off``, ``no``, ``false``) reads in the app's own process.
``MAPDESK_READ_TIME_LIMIT``
    Seconds one read may take (default 600).
``MAPDESK_READ_MEMORY_MB``
    The child's address-space limit in MB (default: three quarters of the
    physical memory, at least 2048). Not enforced on Windows.

The app's own demo data and project files are read in process (they are
not untrusted), and so are PostGIS tables (not files).

Big whole-file writes (:mod:`mapdesk.io.whole_file`) use the same children
(:meth:`ReaderSandbox.write_whole_file`), for another reason: GDAL holds
Python's GIL for the whole write, seconds for a million features, and the
app's window would not repaint meanwhile. A write has no time limit (the
user has Cancel) and the same memory limit as a read.
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from mapdesk.core.errors import DataSourceError, MapdeskError
from mapdesk.io.csv_layout import CsvLayout
from mapdesk.io.postgis.uri import is_postgis_uri
from mapdesk.io.read_transfer import frame_from_ipc, frame_to_ipc, read_from_ipc
from mapdesk.io.sandbox_child import FAULTS, serve
from mapdesk.io.sources import LayerInfo, LayerRead

ENABLED_ENV = "MAPDESK_SANDBOX"
TIME_LIMIT_ENV = "MAPDESK_READ_TIME_LIMIT"
MEMORY_LIMIT_ENV = "MAPDESK_READ_MEMORY_MB"
#: Tests only: ``"<fault>:<path>"`` makes the child fail that way on that file
#: (faults: segv, null-read, abort, hang, memory; see sandbox_child.FAULTS);
#: ``"write-<fault>:<path>"`` on a write of that file, once its temporary file is written.
FAULT_ENV = "MAPDESK_SANDBOX_TEST_FAULT"

DEFAULT_TIME_LIMIT = 600.0
_MIN_MEMORY_MB = 2048
#: How often a waiting read checks for Cancel and for a dead child.
_POLL_SECONDS = 0.05
#: How long a new child may take to import the readers before it counts as broken.
_START_SECONDS = 120.0

#: Called while a read waits; raising (e.g. a cancelled worker's WorkCancelled)
#: kills the child and lets the exception through.
CheckCallback = Callable[[], None]


class ReaderFailedError(DataSourceError):
    """The reader process died or was stopped before it could answer."""


class ReaderCrashedError(ReaderFailedError):
    """The reader process was killed by a signal (a segfault or ``abort()`` in GDAL)."""


class ReaderTimeoutError(ReaderFailedError):
    """The reader took longer than the time limit and was stopped."""


class ReaderOutOfMemoryError(ReaderFailedError):
    """The reader needed more memory than its limit."""


class WriterFailedError(DataSourceError):
    """The writer process crashed, was killed or ran out of memory during a write."""


@dataclass(frozen=True)
class SandboxLimits:
    """How long a read may take and how much memory its process may use.

    Attributes
    ----------
    seconds : float
        Time limit of one read, from the request to the answer.
    memory_mb : int or None
        Address-space limit of the child in MB; None for none.
    """

    seconds: float = DEFAULT_TIME_LIMIT
    memory_mb: int | None = None

    @classmethod
    def from_environment(cls) -> SandboxLimits:
        """The limits the environment sets, with the defaults for the rest."""
        seconds = _number(TIME_LIMIT_ENV, DEFAULT_TIME_LIMIT)
        memory = _number(MEMORY_LIMIT_ENV, float(default_memory_mb()))
        return cls(seconds=seconds, memory_mb=int(memory))


def default_memory_mb() -> int:
    """Three quarters of the physical memory in MB, at least 2048."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        return 8192
    return max(_MIN_MEMORY_MB, int(total * 3 / 4) // 2**20)


def _number(variable: str, default: float) -> float:
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise MapdeskError(f"{variable}={text} is not a positive number; unset it or fix it")
    return value


def sandbox_enabled() -> bool:
    """False when ``MAPDESK_SANDBOX`` turns the sandbox off."""
    return os.environ.get(ENABLED_ENV, "1").strip().lower() not in {"0", "off", "no", "false"}


def needs_sandbox(path: str | os.PathLike[str]) -> bool:
    """True for a file to read in the child: enabled, and not a PostGIS table."""
    return sandbox_enabled() and not is_postgis_uri(path)


# ---------------------------------------------------------------- the child


class _Child:
    """One reader process and the parent's end of its pipe."""

    def __init__(self, memory_limit: int | None) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        self.process: SpawnProcess = context.Process(
            target=serve, args=(theirs, memory_limit), name="mapdesk-reader", daemon=True
        )
        self.process.start()
        theirs.close()  # so a dead child reads as EOF here
        self.conn: Connection = ours
        self.memory_limit = memory_limit
        self.ready = False
        #: False once the child said it will exit (after running out of memory).
        self.reusable = True

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """End the process at once (SIGKILL) and reap it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class ReaderSandbox:
    """Warm reader processes and the reads they serve (see the module docstring).

    Thread-safe: the app's workers read several files at once, each in its
    own child. One idle child is kept for the next read.
    """

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self._fixed_limits = limits
        self._lock = threading.Lock()
        self._idle: list[_Child] = []
        self._busy: set[_Child] = set()
        self._closed = False

    @property
    def limits(self) -> SandboxLimits:
        return self._fixed_limits or SandboxLimits.from_environment()

    def child_pids(self) -> list[int]:
        """The process ids of every child, idle or reading (tests, diagnostics)."""
        with self._lock:
            children = [*self._idle, *self._busy]
        return [c.pid for c in children if c.pid is not None]

    def busy_pids(self) -> list[int]:
        """The process ids of the children reading now."""
        with self._lock:
            return [c.pid for c in self._busy if c.pid is not None]

    def warm(self) -> None:
        """Start a child now, so the next read need not wait for one to start."""
        with self._lock:
            if self._idle or self._closed:
                return
            self._idle.append(_Child(_bytes(self.limits.memory_mb)))

    def shutdown(self) -> None:
        """Kill every child (at exit; reads still waiting raise ReaderFailedError)."""
        with self._lock:
            self._closed = True
            children = [*self._idle, *self._busy]
            self._idle.clear()
        for child in children:
            child.kill()

    # ------------------------------------------------------------ requests

    def read_layer(
        self,
        path: str | os.PathLike[str],
        layer: str | None = None,
        *,
        csv_layout: CsvLayout | None = None,
        encoding: str | None = None,
        check: CheckCallback | None = None,
    ) -> LayerRead:
        """:func:`mapdesk.io.read_layer` in a child process.

        Raises
        ------
        ReaderCrashedError, ReaderTimeoutError, ReaderOutOfMemoryError
            When the child dies, exceeds the time limit or its memory.
        MapdeskError
            Whatever :func:`~mapdesk.io.read_layer` raised in the child.
        """
        answer = self._ask(("read", str(path), layer, csv_layout, encoding), path, check)
        result: LayerRead = answer
        return result

    def list_layers(
        self, path: str | os.PathLike[str], *, check: CheckCallback | None = None
    ) -> list[LayerInfo]:
        """:func:`mapdesk.io.list_layers` in a child process (raises as :meth:`read_layer`)."""
        infos: list[LayerInfo] = self._ask(("list", str(path), None, None, None), path, check)
        return infos

    def describe(
        self, path: str | os.PathLike[str], *, check: CheckCallback | None = None
    ) -> list[LayerInfo]:
        """:func:`mapdesk.io.describe` in a child process (raises as :meth:`read_layer`)."""
        infos: list[LayerInfo] = self._ask(("describe", str(path), None, None, None), path, check)
        return infos

    def write_whole_file(
        self,
        frame: pd.DataFrame,
        temp: Path,
        *,
        target: Path,
        driver: str,
        layer: str | None,
        options: dict[str, str],
        settle: Callable[[], None],
        returns_saved: bool,
        check: CheckCallback | None = None,
    ) -> pd.DataFrame | None:
        """Write ``frame`` to ``temp`` and verify it, in a child; see :mod:`~mapdesk.io.whole_file`.

        ``settle`` runs here, between the child's write and its read-back
        (field rules, fsync). Returns the features read back when
        ``returns_saved``, else None. ``target`` is the file being saved, for
        messages and test faults. ``check`` is called while waiting; what it
        raises kills the child and goes through.

        Raises
        ------
        WriterFailedError
            When the child crashes, is killed or runs out of memory.
        MapdeskError
            What the write or the read-back check raised in the child.
        """
        name = target.name
        limits = self.limits
        child = self._take(limits)
        in_step = False  # True while the child waits for our next message, not busy
        try:
            self._wait_ready(child, name, check, writing=True)
            payload = frame_to_ipc(frame)
            fault = _test_fault(target, writing=True)
            request = ("write", str(temp), layer, driver, target.stem, options, fault)
            try:
                child.conn.send(request)
                child.conn.send_bytes(payload)
            except OSError:
                raise self._died(child, name, writing=True) from None
            del payload
            header = self._receive(child, name, math.inf, check, writing=True)
            in_step = True
            if header[0] != "written":
                self._raise_answer(child, name, limits, header, writing=True)
            try:
                settle()
            except BaseException:
                child.conn.send(("stop",))
                raise
            in_step = False
            child.conn.send(("verify", returns_saved))
            header = self._receive(child, name, math.inf, check, writing=True)
            in_step = True
            if header[0] == "saved":
                saved: pd.DataFrame = frame_from_ipc(self._payload(child, name, writing=True))
                return saved
            if header[0] != "verified":
                self._raise_answer(child, name, limits, header, writing=True)
            return None
        finally:
            self._give_back(child, in_step)

    def _ask(
        self, request: tuple[Any, ...], path: str | os.PathLike[str], check: CheckCallback | None
    ) -> Any:
        name = Path(path).name
        limits = self.limits
        child = self._take(limits)
        healthy = False
        try:
            self._wait_ready(child, name, check)
            child.conn.send((*request, _test_fault(path)))
            header = self._receive(child, name, limits.seconds, check)
            # The child answered, if only with the reader's error (a damaged or
            # refused file): it stays warm for the next read. Restarting it would
            # cost a Python start-up (seconds) per bad file.
            healthy = True
            answer = self._answer(child, name, limits, header)
        finally:
            self._give_back(child, healthy)
        return answer

    def _take(self, limits: SandboxLimits) -> _Child:
        memory = _bytes(limits.memory_mb)
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.alive() and child.memory_limit == memory:
                    self._busy.add(child)
                    return child
                child.kill()
            child = _Child(memory)
            self._busy.add(child)
            return child

    def _give_back(self, child: _Child, healthy: bool) -> None:
        with self._lock:
            self._busy.discard(child)
            keep = healthy and child.reusable and child.alive() and not self._idle
            if keep:
                self._idle.append(child)
        if not keep:
            child.kill()
            self.warm()  # the next read should not wait for a child to start either

    def _wait_ready(
        self, child: _Child, name: str, check: CheckCallback | None, writing: bool = False
    ) -> None:
        if child.ready:
            return
        header = self._receive(child, name, _START_SECONDS, check, starting=True, writing=writing)
        if header[0] != "ready":
            if writing:
                raise WriterFailedError(f"{name} could not be written: the writer did not start")
            raise ReaderFailedError(f"{name} could not be read: the reader did not start")
        child.ready = True

    def _answer(
        self, child: _Child, name: str, limits: SandboxLimits, header: tuple[Any, ...]
    ) -> Any:
        """The result the child's ``header`` (and payload) carry, or the error it reports."""
        if header[0] == "read":
            return read_from_ipc(self._payload(child, name))
        if header[0] == "infos":
            return header[1]
        self._raise_answer(child, name, limits, header)

    @staticmethod
    def _raise_answer(
        child: _Child,
        name: str,
        limits: SandboxLimits,
        header: tuple[Any, ...],
        writing: bool = False,
    ) -> NoReturn:
        """Raise the error the child's ``("error", cause, payload)`` answer reports."""
        _kind, cause, data = header
        if cause == "memory":
            child.reusable = False
            if writing:
                raise WriterFailedError(
                    f"{name} could not be written: the writer ran out of memory "
                    f"(limit {limits.memory_mb} MB; set {MEMORY_LIMIT_ENV} to allow more)"
                )
            raise _out_of_memory(name, limits)
        error = pickle.loads(data)
        raise error if isinstance(error, MapdeskError) else DataSourceError(str(error))

    def _receive(
        self,
        child: _Child,
        name: str,
        seconds: float,
        check: CheckCallback | None,
        starting: bool = False,
        writing: bool = False,
    ) -> tuple[Any, ...]:
        deadline = time.monotonic() + seconds
        while True:
            if check is not None:
                check()  # raises to cancel; the caller's finally kills the child
            try:
                if child.conn.poll(_POLL_SECONDS):
                    header: tuple[Any, ...] = child.conn.recv()
                    return header
            except (EOFError, OSError):
                raise self._died(child, name, writing) from None
            if not child.alive():
                raise self._died(child, name, writing)
            if time.monotonic() > deadline:
                if starting:
                    raise ReaderFailedError(f"{name} could not be read: the reader did not start")
                raise ReaderTimeoutError(
                    f"{name} could not be read: the reader took longer than {seconds:g} s "
                    f"and was stopped (set {TIME_LIMIT_ENV} to allow more)"
                )

    def _payload(self, child: _Child, name: str, writing: bool = False) -> bytes:
        try:
            return child.conn.recv_bytes()
        except (EOFError, OSError):
            raise self._died(child, name, writing) from None

    def _died(self, child: _Child, name: str, writing: bool = False) -> DataSourceError:
        child.process.join(5)
        code = child.process.exitcode
        signal_name = None
        if code is not None and code < 0:
            try:
                signal_name = signal.Signals(-code).name
            except ValueError:
                signal_name = str(-code)
        if writing:
            how = f"crashed (signal {signal_name})" if signal_name else f"stopped (code {code})"
            return WriterFailedError(f"{name} could not be written: the writer {how}")
        if signal_name is not None:
            if signal_name == "SIGKILL" and child.memory_limit is not None:
                # The kernel's OOM killer, or someone's kill -9: say both.
                return ReaderCrashedError(
                    f"{name} could not be read: the reader was killed (signal SIGKILL), "
                    "possibly for using too much memory"
                )
            return ReaderCrashedError(
                f"{name} could not be read: the reader crashed (signal {signal_name}). "
                "The file may be damaged or use a feature GDAL cannot read; "
                "mapdesk and your edits are not affected"
            )
        return ReaderCrashedError(
            f"{name} could not be read: the reader stopped unexpectedly (exit code {code})"
        )


def _out_of_memory(name: str, limits: SandboxLimits) -> ReaderOutOfMemoryError:
    return ReaderOutOfMemoryError(
        f"{name} could not be read: the reader ran out of memory (limit {limits.memory_mb} MB; "
        f"set {MEMORY_LIMIT_ENV} to allow more)"
    )


def _bytes(megabytes: int | None) -> int | None:
    return None if megabytes is None else megabytes * 2**20


def _test_fault(path: str | os.PathLike[str], writing: bool = False) -> str | None:
    """The fault ``MAPDESK_SANDBOX_TEST_FAULT`` asks for on ``path``'s read (write), if any."""
    setting = os.environ.get(FAULT_ENV)
    if not setting or ":" not in setting:
        return None
    fault, target = setting.split(":", 1)
    if fault.startswith("write-") != writing:
        return None
    fault = fault.removeprefix("write-")
    if fault not in FAULTS or os.path.abspath(target) != os.path.abspath(path):
        return None
    return fault


# ---------------------------------------------------------------- the app's sandbox

_shared: ReaderSandbox | None = None
_shared_lock = threading.Lock()


def shared_sandbox() -> ReaderSandbox:
    """The process's sandbox, created on first use and shut down at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ReaderSandbox()
            atexit.register(_shared.shutdown)
        return _shared


def warm_up() -> None:
    """Start the sandbox's first child now (app start), unless the sandbox is off."""
    if sandbox_enabled():
        shared_sandbox().warm()


def read_user_layer(
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    csv_layout: CsvLayout | None = None,
    encoding: str | None = None,
    check: CheckCallback | None = None,
) -> LayerRead:
    """Read a layer of a file the user chose: in the sandbox unless it is off or not a file."""
    if not needs_sandbox(path):
        from mapdesk.io.registry import read_layer

        return read_layer(path, layer, csv_layout=csv_layout, encoding=encoding)
    return shared_sandbox().read_layer(
        path, layer, csv_layout=csv_layout, encoding=encoding, check=check
    )


def list_user_layers(
    path: str | os.PathLike[str], *, check: CheckCallback | None = None
) -> list[LayerInfo]:
    """List the layers of a file the user chose, in the sandbox unless it is off."""
    if not needs_sandbox(path):
        from mapdesk.io.registry import list_layers

        return list_layers(path)
    return shared_sandbox().list_layers(path, check=check)


def describe_user_file(path: str | os.PathLike[str]) -> list[LayerInfo]:
    """Describe a file the user chose (``mapdesk info``), in the sandbox unless it is off."""
    if not needs_sandbox(path):
        from mapdesk.io.registry import describe

        return describe(path)
    return shared_sandbox().describe(path)
