"""Faults during a save (RELIABILITY.md rows 10 and 11): before or after, never a mix.

The saves run in ``save_faults.py``, a process of its own without Qt, which
forks one child per save and kills it at a random moment of the save.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability import record

pytestmark = pytest.mark.reliability

SCRIPT = Path(__file__).with_name("save_faults.py")
FORMATS = ["gpkg", "shp", "geojson", "fgb", "kml"]


def _run(*args: str) -> Any:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", FORMATS)
def test_a_save_killed_at_50_random_moments_leaves_the_file_before_or_after(
    kind: str, tmp_path: Path
) -> None:
    result = _run("kill", kind, str(tmp_path / "run"), "50", "20261126")
    assert result["before_differs"]  # the save does change the file
    trials = result["trials"]
    assert len(trials) == 50
    states = Counter(trial["state"] for trial in trials)
    mixed = sum(
        trial["state"] not in ("before", "after") or trial["integrity"] != "ok" for trial in trials
    )
    record(
        11,
        f"{kind}: save killed at a random moment",
        faults=len(trials),
        lost_edits=mixed,
        left_as_before=states["before"],
        left_as_after=states["after"],
        temporary_files_left=sum(len(trial["left"]) for trial in trials),
    )
    assert mixed == 0
    assert set(states) <= {"before", "after"}, states
    assert states["before"] and states["after"], states  # kills landed on both sides
    assert all(trial["integrity"] == "ok" for trial in trials)
    assert all(trial["left"] == [] for trial in trials)  # recovery left no temporary file


@pytest.mark.parametrize("kind", FORMATS)
def test_a_disk_that_fills_during_the_save_keeps_the_file_and_the_edits(
    kind: str, tmp_path: Path
) -> None:
    folder = tmp_path / "full"
    folder.mkdir()
    result = _run("full", kind, str(folder))
    record(
        10,
        f"{kind}: the disk fills during the save",
        faults=1,
        lost_edits=int(not result["kept"]),
        source_changes=int(not result["unchanged"]),
        temporary_files_left=len(result["left"]),
    )
    assert result["message"] is not None
    assert "your edits are kept and the file is unchanged" in result["message"]
    assert "incidents" in result["message"]
    if kind != "gpkg":  # SQLite reports a size limit as an I/O error
        assert result["message"].startswith("Not enough disk space")
    assert result["kept"] and result["unchanged"]
    assert result["integrity"] == "ok"
    assert result["left"] == []


@pytest.mark.parametrize("kind", FORMATS)
def test_a_read_only_file_says_save_as_and_keeps_the_edits(kind: str) -> None:
    # Not under tmp_path: run as root, the save is made as "nobody", who must
    # be able to reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="mapdesk-read-only-"))
    folder.chmod(0o755)
    try:
        result = _run("readonly", kind, str(folder))
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)
    assert result["message"] is not None
    assert "incidents" in result["message"] and "Save As" in result["message"]
    assert "read-only" in result["message"] or "cannot be written" in result["message"]
    assert result["kept"] and result["unchanged"]
    assert result["left"] == []
