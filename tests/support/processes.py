"""Helpers for tests that start and stop child processes."""

from __future__ import annotations

import os


def process_gone(pid: int) -> bool:
    """True when no process ``pid`` exists any more (killed and reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
