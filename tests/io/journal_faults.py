"""Kill the app while it edits: every edit journaled before the kill is restored.

``python journal_faults.py FOLDER OPS TRIALS SEED`` makes a GeoPackage, then
TRIALS times forks a child that opens it, follows the edit journal and makes
OPS random edits, undos and redos (the same sequence every time), reporting
each one done; the child is SIGKILLed at a random moment. The journal is then
restored into a fresh edit session and compared with the layer as it was
after the last edit reported (or the one after: it may have reached the disk
just before the kill). Prints one JSON line with the outcome of each trial.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

import mapdesk  # noqa: F401  (registers the reader)
from mapdesk.core.editing.journal import EditJournal
from mapdesk.core.editing.tracking import EditorIdentity
from mapdesk.io.loader import load_layer

FEATURES = 40
EDITOR = EditorIdentity("tester")


def make_layer(path: Path) -> None:
    rng = random.Random(5)
    gpd.GeoDataFrame(
        {"asset_id": [f"A-{i}" for i in range(FEATURES)], "pressure": [50] * FEATURES},
        geometry=[
            shapely.Point(rng.uniform(0, 1000), rng.uniform(0, 1000)) for _ in range(FEATURES)
        ],
        crs="EPSG:26919",
    ).to_file(path, layer="hydrants", engine="pyogrio")


def edit_op(layer: Any, rng: random.Random, number: int) -> None:
    """One random edit, undo or redo (the same for the same ``rng`` state and layer)."""
    stack = layer.edit_session.undo_stack
    fids = sorted(layer.data.index)
    kind = rng.choice(["value", "value", "move", "add", "delete", "undo", "redo"])
    if kind == "undo" and stack.can_undo:
        layer.undo()
    elif kind == "redo" and stack.can_redo:
        layer.redo()
    elif kind == "add" or not fids:
        layer.add_feature(
            shapely.Point(rng.uniform(0, 1000), 0), {"asset_id": f"N-{number}", "pressure": number}
        )
    elif kind == "delete" and len(fids) > 5:
        layer.delete_feature(rng.choice(fids))
    elif kind == "move":
        layer.change_geometry(rng.choice(fids), shapely.Point(number, rng.uniform(0, 1000)))
    else:
        layer.change_attribute_value(rng.choice(fids), "pressure", number)


def snapshot(layer: Any) -> list[list[Any]]:
    frame = layer.data
    return [
        [int(fid), str(row["asset_id"]), int(row["pressure"]), shapely.to_wkt(row.geometry)]
        for fid, row in frame.sort_index().iterrows()
    ]


def editing(path: Path, journal: EditJournal | None) -> Any:
    layer = load_layer(str(path), "hydrants")
    layer.start_editing(EDITOR)
    if journal is not None:
        journal.follow(layer)
    return layer


def edit_until_killed(path: Path, ops: int, seed: int, report: int) -> None:
    """In the child: edit, telling the parent the number of each edit once done."""
    layer = editing(path, EditJournal())
    rng = random.Random(seed)
    for number in range(ops):
        edit_op(layer, rng, number)
        os.write(report, f"{number + 1}\n".encode())
    os._exit(0)


def reference_states(path: Path, ops: int, seed: int, wanted: set[int]) -> dict[int, Any]:
    """The layer after each of the ``wanted`` numbers of edits (no journal)."""
    layer = editing(path, None)
    rng = random.Random(seed)
    states = {0: snapshot(layer)} if 0 in wanted else {}
    for number in range(ops):
        edit_op(layer, rng, number)
        if number + 1 in wanted:
            states[number + 1] = snapshot(layer)
    return states


def trial(path: Path, ops: int, seed: int, delay: float) -> int:
    """Kill the editing child after ``delay`` s; the number of edits it reported."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        edit_until_killed(path, ops, seed, write)
    os.close(write)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    reported = b""
    while chunk := os.read(read, 65536):
        reported += chunk
    os.close(read)
    lines = reported.decode().split()
    return int(lines[-1]) if lines else 0


def main(folder: Path, ops: int, trials: int, seed: int) -> dict[str, Any]:
    folder.mkdir(parents=True)
    pristine = folder / "hydrants.gpkg"
    make_layer(pristine)
    work = folder / "work.gpkg"
    rng = random.Random(seed)
    outcomes = []
    for number in range(trials):
        shutil.copy(pristine, work)
        os.environ["MAPDESK_DATA_DIR"] = str(folder / f"data{number}")  # a fresh journal
        reported = trial(work, ops, seed, rng.uniform(0.2, 4.0))
        journal = EditJournal()  # the next start of the app
        layer = editing(work, None)
        restored = journal.restore(layer)
        journal.close()
        outcomes.append({"reported": reported, "restored": restored, "state": snapshot(layer)})
    wanted = {o["reported"] for o in outcomes} | {min(o["reported"] + 1, ops) for o in outcomes}
    shutil.copy(pristine, work)
    states = reference_states(work, ops, seed, wanted)
    for outcome in outcomes:
        reported, state = outcome["reported"], outcome.pop("state")
        outcome["matches"] = (
            "reported"
            if state == states[reported]
            else "one more"
            if state == states.get(min(reported + 1, ops))
            else "neither"
        )
    return {"trials": outcomes}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
