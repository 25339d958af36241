"""A heartbeat on the UI thread: the gaps between its ticks are how long the UI froze.

A 10 ms precise timer appends ``perf_counter()`` on every tick. Anything that
holds the UI thread (a read, a render, an O(n) Python loop, a lock a worker
holds) delays the next tick, so the largest gap is the longest freeze the user
would have felt, and the 99th percentile says whether the UI stutters.

When a gap passes ``watch_ms``, :class:`Heartbeat` can also say *what* held the
UI thread: a sampling thread reads the main thread's stack every 20 ms and
keeps the samples taken while no tick came (``blocked_stacks``), which is what
py-spy would have shown.

A gap also contains the time the UI thread was ready to run but the operating
system gave every CPU to other processes (a busy build machine, two test
runs at once). Linux counts that time per thread (``run_delay`` in
``/proc/thread-self/schedstat``); the gaps the app is judged on leave it out,
and ``raw_max_gap_ms`` keeps the wall-clock figure. Time spent waiting for
Python's GIL or a lock is *not* run delay (the thread sleeps, it is not
runnable), so a worker that holds the GIL still shows in full.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import traceback
import weakref
from collections import Counter
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer

#: RELIABILITY.md row 23: the largest gap and the 99th percentile, in ms.
MAX_GAP_MS = 200.0
MAX_P99_MS = 100.0
TICK_MS = 10
_SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _open_schedstat() -> int | None:
    """The calling thread's schedstat, kept open (None where Linux doesn't say)."""
    try:
        return os.open(_SCHEDSTAT, os.O_RDONLY)
    except OSError:
        return None


def _run_delay_s(schedstat: int | None) -> float:
    """Seconds the thread of ``schedstat`` has waited runnable for a CPU (0 if unknown).

    One pread on a file kept open: every system call lets go of the GIL, and a
    render thread inside a long C call keeps it until that call ends, so a
    tick that opened, read and closed the file waited for the GIL three times
    and measured its own waiting as the UI's.
    """
    if schedstat is None:
        return 0.0
    try:
        return int(os.pread(schedstat, 256, 0).split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class Heartbeat:
    """A 10 ms timer on the UI thread; the longest gap between ticks is the block.

    Parameters
    ----------
    watch_ms
        When set, a sampling thread records the UI thread's stack whenever no
        tick has come for this long (for finding what blocks; costs a little).
    """

    def __init__(self, watch_ms: float | None = None) -> None:
        self.ticks: list[float] = []
        #: Made on the UI thread, so this is the UI thread's own schedstat.
        self._schedstat = _open_schedstat()
        if self._schedstat is not None:
            weakref.finalize(self, os.close, self._schedstat)
        #: The UI thread's run delay at each tick (see the module docstring).
        self.delays: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._watch_s = None if watch_ms is None else watch_ms / 1000
        self._sampler: threading.Thread | None = None
        self._stop = threading.Event()
        self._stacks: Counter[str] = Counter()
        #: Durations (ms) of full garbage collections while beating: with a
        #: million Python geometries one takes ~0.5 s, whichever thread runs it.
        self.full_collections_ms: list[float] = []
        self._collecting_since = 0.0

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._collecting_since = time.perf_counter()
        else:
            self.full_collections_ms.append((time.perf_counter() - self._collecting_since) * 1000)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        self.delays.append(_run_delay_s(self._schedstat))

    def start(self) -> None:
        """Start (or restart) counting: earlier ticks are forgotten."""
        self.ticks = [time.perf_counter()]
        self.delays = [_run_delay_s(self._schedstat)]
        self._stacks.clear()
        self.full_collections_ms = []
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)
        self._timer.start(TICK_MS)
        if self._watch_s is not None and self._sampler is None:
            self._stop.clear()
            main_id = threading.main_thread().ident
            self._sampler = threading.Thread(
                target=self._sample, args=(main_id,), name="heartbeat-sampler", daemon=True
            )
            self._sampler.start()

    def stop(self) -> None:
        """Stop the timer; the time since the last tick counts as a gap too."""
        if self._timer.isActive():
            self._timer.stop()
            self._tick()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._sampler is not None:
            self._stop.set()
            self._sampler.join(2)
            self._sampler = None

    def _sample(self, main_id: int | None) -> None:
        assert self._watch_s is not None
        while not self._stop.wait(0.02):
            if not self.ticks or time.perf_counter() - self.ticks[-1] < self._watch_s:
                continue
            frame = sys._current_frames().get(main_id or 0)
            if frame is not None:
                self._stacks["".join(traceback.format_stack(frame, limit=12))] += 1

    @property
    def raw_gaps_ms(self) -> np.ndarray:
        """Wall-clock time between ticks."""
        return np.diff(np.asarray(self.ticks)) * 1000

    @property
    def gaps_ms(self) -> np.ndarray:
        """Time between ticks, less the time the UI thread waited for a CPU."""
        waited = np.diff(np.asarray(self.delays)) * 1000
        return np.maximum(self.raw_gaps_ms - waited, 0.0)

    @property
    def max_gap_ms(self) -> float:
        return float(self.gaps_ms.max()) if len(self.ticks) > 1 else 0.0

    @property
    def raw_max_gap_ms(self) -> float:
        return float(self.raw_gaps_ms.max()) if len(self.ticks) > 1 else 0.0

    @property
    def p99_ms(self) -> float:
        return float(np.percentile(self.gaps_ms, 99)) if len(self.ticks) > 1 else 0.0

    def blocked_stacks(self, top: int = 3) -> str:
        """The UI thread's most sampled stacks while a tick was overdue."""
        return "\n---\n".join(
            f"{count} samples:\n{stack}" for stack, count in self._stacks.most_common(top)
        )

    def summary(self) -> str:
        collections = ", ".join(f"{ms:.0f}" for ms in self.full_collections_ms) or "none"
        return (
            f"largest gap {self.max_gap_ms:.0f} ms (wall clock {self.raw_max_gap_ms:.0f} ms), "
            f"p99 {self.p99_ms:.0f} ms; "
            f"full garbage collections (ms): {collections}"
        )
