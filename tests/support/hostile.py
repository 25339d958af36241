"""Measuring what reading a hostile file costs, and catching what it touches.

Shared by tests/io/test_hostile_archives.py and tests/io/test_hostile_xml.py
(RELIABILITY.md rows 19 and 20): a refusal must come within 2 s and 100 MB
of memory, and must never open a local file or a web address.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The content the trap file gives whoever opens it.
SECRET = "TRAPPED-SECRET-7f3a"


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Cost:
    seconds: float
    rss_growth_mb: float


def measure(action: Callable[[], Any]) -> tuple[Cost, BaseException | None]:
    """Run ``action``; its wall time and peak RSS growth (Linux: VmHWM reset first)."""
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak RSS (VmHWM)
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    error: BaseException | None = None
    try:
        action()
    except Exception as exc:  # the caller asserts on it
        error = exc
    seconds = time.perf_counter() - start
    return Cost(seconds, (_status_kb("VmHWM") - before) / 1024), error


@dataclass
class Trap:
    """A FIFO that records being opened (by any code, C included) and a port that
    records connections: the targets of XXE payloads."""

    file: Path
    url: str
    opened: list[str] = field(default_factory=list)


@contextmanager
def access_trap(folder: Path) -> Iterator[Trap]:
    """A file and a web address that say whether anything opened them.

    Opening a FIFO for reading blocks until a writer comes; a watcher thread
    tries to open the writing end without blocking, which succeeds only once
    a reader is there, records it and hands the reader :data:`SECRET`.
    """
    fifo = folder / "trap-secret.txt"
    os.mkfifo(fifo)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.01)
    trap = Trap(fifo, f"http://127.0.0.1:{server.getsockname()[1]}/trap.dtd")
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                pass
            else:
                trap.opened.append(str(fifo))
                os.write(fd, SECRET.encode())
                os.close(fd)
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            trap.opened.append(trap.url)
            conn.close()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield trap
    finally:
        stop.set()
        thread.join(5)
        server.close()
