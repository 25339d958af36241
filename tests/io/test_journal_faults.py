"""RELIABILITY.md row 11, the edit journal: a killed app loses no journaled edit.

The editing runs in ``journal_faults.py``, a process of its own without Qt,
which forks the "app" and kills it at random moments of a 1,000-edit session.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.support.reliability import record

pytestmark = pytest.mark.reliability

SCRIPT = Path(__file__).with_name("journal_faults.py")


def test_edits_journaled_before_a_kill_are_all_restored(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "run"), "1000", "8", "20261126"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    trials = json.loads(done.stdout.strip().splitlines()[-1])["trials"]
    assert len(trials) == 8
    matches = Counter(trial["matches"] for trial in trials)
    record(
        11,
        "app killed during a 1,000-edit session",
        faults=len(trials),
        lost_edits=sum(trial["matches"] not in ("reported", "one more") for trial in trials),
        edits_restored=sum(int(trial["restored"]) for trial in trials),
    )
    # The restored layer is the layer after the last edit the app finished, or
    # after the one it was making (journaled, not yet reported), never another.
    assert set(matches) <= {"reported", "one more"}, trials
    assert all(trial["reported"] > 0 for trial in trials)  # killed mid-session, not before
    assert any(trial["restored"] > 0 for trial in trials)
