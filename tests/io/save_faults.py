"""Fault injection for saves, run as its own process (no Qt in it, so forking is safe).

``python save_faults.py kill FORMAT FOLDER TRIALS SEED`` saves a batch of edits in
a forked child and kills the child (SIGKILL) at a random moment of the save,
TRIALS times; after each kill it recovers the file as mapdesk does on the next
open and prints, per trial, whether the file equals the state before the save,
after it, or neither (and SQLite's integrity_check for GeoPackage).

``python save_faults.py readonly FORMAT FOLDER`` saves into a read-only file.

``python save_faults.py full FORMAT FOLDER`` saves with RLIMIT_FSIZE just above
the file's size, so the disk "fills" during the save; it prints the message the
user saw, whether the edits were kept and whether the file is unchanged.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

import mapdesk  # noqa: F401  (registers io's edit writer)
from mapdesk.core.editing.saving import SaveError
from mapdesk.io.loader import load_layer
from mapdesk.io.recovery import recover_interrupted_save

FEATURES = 3000
SUFFIX = {"gpkg": ".gpkg", "shp": ".shp", "geojson": ".geojson", "fgb": ".fgb", "kml": ".kml"}


def make_layer(path: Path) -> None:
    rng = np.random.default_rng(11)
    frame = gpd.GeoDataFrame(
        {
            "asset_id": [f"A-{i:05d}" for i in range(FEATURES)],
            "status": rng.choice(["Open", "Closed", "Assigned"], FEATURES),
            "priority": rng.integers(1, 5, FEATURES),
        },
        geometry=shapely.points(rng.uniform(390000, 420000, (FEATURES, 2))),
        crs="EPSG:26919",
    )
    if path.suffix == ".kml":  # KML is longitude/latitude only
        frame.to_crs(4326).to_file(path, driver="LIBKML", engine="pyogrio")
        return
    frame.to_file(path, engine="pyogrio")


def edit(path: Path) -> Any:
    """A layer of ``path`` in edit mode with a few hundred edits pending."""
    layer = load_layer(str(path), None)
    layer.start_editing()
    fids = list(layer.data.index)
    for fid in fids[:300]:
        layer.change_attribute_value(fid, "status", "Closed")
    first = layer.data.geometry.iloc[0]  # in the file's CRS, whichever it is
    for fid in fids[300:350]:
        layer.change_geometry(fid, first)
    layer.delete_features(fids[-50:])
    for i in range(50):
        moved = shapely.Point(first.x + i * 1e-4, first.y)
        layer.add_feature(moved, {"asset_id": f"N-{i}", "priority": 2})
    return layer


def snapshot(path: Path) -> list[str]:
    """The file's features as sorted text rows (fids left out: rewrites renumber)."""
    frame = pyogrio.read_dataframe(path)
    geometry = frame.geometry.name
    fields = sorted(c for c in frame.columns if c != geometry)
    texts = ["|".join(map(str, row)) for row in frame[fields].itertuples(index=False)]
    shapes = shapely.to_wkt(frame[geometry].array, rounding_precision=6)
    return sorted(f"{t}|{g}" for t, g in zip(texts, shapes, strict=True))


def integrity(path: Path) -> str:
    if path.suffix != ".gpkg":
        return "ok"
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def members(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def aimed_at(layer: Any, path: Path) -> Any:
    """The edited layer, saving into ``path`` (a copy of the file it was read from)."""
    layer.origin = replace(layer.origin, path=str(path))
    return layer


def timed_save(layer: Any, path: Path) -> float:
    """Save once without interference (in a child); the seconds the save took."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        started = time.perf_counter()
        aimed_at(layer, path).commit_changes()
        os.write(write, f"{time.perf_counter() - started:.6f}".encode())
        os._exit(0)
    os.waitpid(pid, 0)
    return float(os.read(read, 64).decode())


def killed_save(layer: Any, path: Path, delay: float) -> None:
    """Start the save in a child and SIGKILL it after ``delay`` seconds."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, b"s")  # the save starts now
        aimed_at(layer, path).commit_changes()
        os._exit(0)
    os.read(read, 1)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def kill_trials(kind: str, folder: Path, trials: int, seed: int) -> dict[str, Any]:
    pristine = folder / "pristine"
    pristine.mkdir(parents=True)
    name = "incidents" + SUFFIX[kind]
    make_layer(pristine / name)
    before = snapshot(pristine / name)
    layer = edit(pristine / name)
    reference = folder / "reference"
    shutil.copytree(pristine, reference)
    seconds = timed_save(layer, reference / name)
    after = snapshot(reference / name)
    rng = random.Random(seed)
    outcomes = []
    for trial in range(trials):
        work = folder / f"trial{trial}"
        shutil.copytree(pristine, work)
        delay = rng.uniform(0.0, seconds * 1.5)  # a third land after the save ended
        killed_save(layer, work / name, delay)
        note = recover_interrupted_save(work / name)
        state = snapshot(work / name)
        outcomes.append(
            {
                "delay": delay,
                "state": "before" if state == before else "after" if state == after else "mixed",
                "integrity": integrity(work / name),
                "recovered": note,
                "left": [m for m in members(work) if "mapdesk" in m],
            }
        )
        shutil.rmtree(work)
    return {"save_seconds": seconds, "before_differs": before != after, "trials": outcomes}


def save_in_child(path: Path, prepare: Callable[[], None]) -> dict[str, Any]:
    """Edit, ``prepare``, then save in a forked child: its message, and whether edits were kept."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        layer = edit(path)
        prepare()
        try:
            layer.commit_changes()
            result = {"message": None, "kept": layer.is_modified}
        except SaveError as exc:
            result = {"message": str(exc), "kept": layer.is_modified}
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    answer: dict[str, Any] = json.loads(os.read(read, 65536).decode())
    return answer


def disk_full(kind: str, folder: Path) -> dict[str, Any]:
    name = "incidents" + SUFFIX[kind]
    path = folder / name
    make_layer(path)
    before = snapshot(path)
    size = sum(p.stat().st_size for p in folder.iterdir())

    def fill_up() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        # A GeoPackage grows in place: a little room is not enough. A rewrite
        # starts new files: half the old size is not enough.
        limit = path.stat().st_size + 4096 if kind == "gpkg" else path.stat().st_size // 2
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = save_in_child(path, fill_up)
    result["unchanged"] = snapshot(path) == before
    result["integrity"] = integrity(path)
    result["left"] = [m for m in members(folder) if "mapdesk" in m]
    result["size_before"] = size
    return result


def read_only(kind: str, folder: Path) -> dict[str, Any]:
    """Save into a file the user may not write (as another user when run as root)."""
    name = "incidents" + SUFFIX[kind]
    path = folder / name
    make_layer(path)
    for member in folder.iterdir():
        member.chmod(0o444)
    folder.chmod(0o555)
    before = snapshot(path)

    def become_nobody() -> None:
        if os.geteuid() == 0:
            os.setuid(65534)  # nobody: root would write anyway

    result = save_in_child(path, become_nobody)
    folder.chmod(0o755)
    result["unchanged"] = snapshot(path) == before
    result["left"] = [m for m in members(folder) if "mapdesk" in m]
    return result


def main(argv: list[str]) -> None:
    mode, kind, folder = argv[0], argv[1], Path(argv[2])
    if mode == "kill":
        print(json.dumps(kill_trials(kind, folder, int(argv[3]), int(argv[4]))))
    elif mode == "full":
        print(json.dumps(disk_full(kind, folder)))
    else:
        print(json.dumps(read_only(kind, folder)))


if __name__ == "__main__":
    main(sys.argv[1:])
