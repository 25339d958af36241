"""The reader sandbox: a crash, hang or out-of-memory in the reader names the file.

RELIABILITY.md row 24. Faults are injected in the child through
``MAPDESK_SANDBOX_TEST_FAULT`` (the child really segfaults, aborts, sleeps or
asks for more memory than its limit); the test process must survive each and
the next read must work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal

from mapdesk.core.errors import LayerNotFoundError, MapdeskError
from mapdesk.io import read_layer
from mapdesk.io.sandbox import (
    ENABLED_ENV,
    FAULT_ENV,
    TIME_LIMIT_ENV,
    ReaderCrashedError,
    ReaderOutOfMemoryError,
    ReaderSandbox,
    ReaderTimeoutError,
    SandboxLimits,
    read_user_layer,
)
from tests.support.processes import process_gone
from tests.support.reliability import record

pytestmark = pytest.mark.reliability

LIMITS = SandboxLimits(seconds=2.0, memory_mb=2048)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ReaderSandbox]:
    box = ReaderSandbox(LIMITS)
    box.warm()
    yield box
    box.shutdown()


@pytest.fixture
def roads_shp(tmp_path: Path, roads: gpd.GeoDataFrame) -> Path:
    path = tmp_path / "roads.shp"
    roads.to_file(path)
    return path


@pytest.mark.parametrize(
    ("fault", "signal_name"),
    [("segv", "SIGSEGV"), ("null-read", "SIGSEGV"), ("abort", "SIGABRT")],
)
def test_a_crashing_reader_names_the_file_and_the_signal(
    sandbox: ReaderSandbox,
    roads_shp: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    signal_name: str,
) -> None:
    monkeypatch.setenv(FAULT_ENV, f"{fault}:{roads_shp}")
    with pytest.raises(ReaderCrashedError) as caught:
        sandbox.read_layer(roads_shp)
    record(24, f"reader {fault} ({signal_name})", faults=1, contained=1, crashes=0)
    assert str(caught.value).startswith(
        f"roads.shp could not be read: the reader crashed (signal {signal_name})"
    )
    assert isinstance(caught.value, MapdeskError)
    # The sandbox carries on: the next file reads (with a fresh child).
    monkeypatch.delenv(FAULT_ENV)
    assert len(sandbox.read_layer(roads_shp).frame) == 2


def test_a_hanging_reader_is_stopped_at_the_time_limit(
    sandbox: ReaderSandbox, roads_shp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.warm()
    monkeypatch.setenv(FAULT_ENV, f"hang:{roads_shp}")
    started = time.monotonic()
    with pytest.raises(
        ReaderTimeoutError,
        match=r"^roads\.shp could not be read: the reader "
        r"took longer than 2 s",
    ):
        sandbox.read_layer(roads_shp)
    waited = time.monotonic() - started
    hung = int(waited >= 30)
    record(9, "a reader that hangs (limit 2 s)", faults=1, contained=1, hangs=hung, seconds=waited)
    # The child is warm, so the wait is the limit; a start-up on a busy CI may add to it.
    assert waited < 30
    assert sandbox.child_pids(), "a fresh child is started for the next read"


def test_a_reader_out_of_memory_names_the_limit(
    sandbox: ReaderSandbox, roads_shp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, f"memory:{roads_shp}")
    with pytest.raises(
        ReaderOutOfMemoryError,
        match=r"^roads\.shp could not be read: the reader ran out of memory \(limit 2048 MB",
    ):
        sandbox.read_layer(roads_shp)
    record(9, "a reader that runs out of memory (limit 2,048 MB)", faults=1, contained=1)
    monkeypatch.delenv(FAULT_ENV)
    assert len(sandbox.read_layer(roads_shp).frame) == 2


def test_cancel_kills_the_reading_child_within_a_second(
    sandbox: ReaderSandbox, roads_shp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = ReaderSandbox(SandboxLimits(seconds=60.0, memory_mb=2048))
    try:
        box.warm()
        monkeypatch.setenv(FAULT_ENV, f"hang:{roads_shp}")
        cancelled = threading.Event()
        pids: list[int] = []

        class Cancelled(Exception):
            pass

        def check() -> None:
            if not pids:
                pids.extend(box.child_pids())
            if cancelled.is_set():
                raise Cancelled

        outcome: list[BaseException] = []

        def read() -> None:
            try:
                box.read_layer(roads_shp, check=check)
            except BaseException as exc:
                outcome.append(exc)

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(3.0)  # the child is inside its (endless) read
        cancelled.set()
        pressed = time.monotonic()
        reader.join(5)
        assert isinstance(outcome[0], Cancelled)
        assert pids and process_gone(pids[0]), "the cancelled read's child was killed"
        assert time.monotonic() - pressed < 1.0
    finally:
        box.shutdown()


def test_an_error_of_the_reader_comes_back_as_the_same_error(
    sandbox: ReaderSandbox, two_layers: Path
) -> None:
    path = two_layers
    sandbox.read_layer(path, "fire")
    pids = sandbox.child_pids()
    with pytest.raises(LayerNotFoundError) as in_child:
        sandbox.read_layer(path, "ems")
    with pytest.raises(LayerNotFoundError) as in_process:
        read_layer(path, "ems")
    assert str(in_child.value) == str(in_process.value)
    assert sandbox.child_pids() == pids, "a plain read error keeps the warm child"
    sandbox.read_layer(path, "fire")
    assert sandbox.child_pids() == pids


@pytest.fixture
def two_layers(tmp_path: Path, stations: gpd.GeoDataFrame) -> Path:
    path = tmp_path / "stations.gpkg"
    stations.to_file(path, layer="fire")
    stations.to_file(path, layer="police")
    return path


def _write(kind: str, folder: Path, stations: gpd.GeoDataFrame) -> Path:
    frame = stations.assign(
        staffed=[True, False, True],
        opened=gpd.pd.to_datetime(["2001-05-01", "1999-12-31", None]),
        crew=[4, None, 2],
    )
    if kind == "csv":
        path = folder / "stations.csv"
        table = frame.to_crs(4326)
        table.assign(lon=table.geometry.x, lat=table.geometry.y).drop(columns="geometry").to_csv(
            path, index=False
        )
        return path
    suffix = {"gpkg": ".gpkg", "shapefile": ".shp", "geojson": ".geojson"}[kind]
    path = folder / f"stations{suffix}"
    frame.to_file(path)
    if kind == "shapefile":
        path.with_suffix(".prj").unlink()  # a warning to carry back too
    return path


@pytest.mark.parametrize("kind", ["gpkg", "shapefile", "geojson", "csv"])
def test_a_read_in_the_sandbox_equals_the_read_in_process(
    sandbox: ReaderSandbox, tmp_path: Path, stations: gpd.GeoDataFrame, kind: str
) -> None:
    path = _write(kind, tmp_path, stations)
    here = read_layer(path)
    there = sandbox.read_layer(path)
    assert_geodataframe_equal(there.frame, here.frame, check_index_type=True)
    assert list(there.frame.dtypes) == list(here.frame.dtypes)
    assert there.frame.crs == here.frame.crs
    assert there.frame.attrs == here.frame.attrs
    assert there.source == here.source
    assert there.warnings == here.warnings
    if kind == "shapefile":
        assert any("No CRS" in w for w in there.warnings)


def test_layer_lists_come_from_the_child(sandbox: ReaderSandbox, two_layers: Path) -> None:
    path = two_layers
    from mapdesk.io import describe, list_layers

    assert sandbox.list_layers(path) == list_layers(path)
    assert sandbox.describe(path) == describe(path)


def test_the_setting_turns_the_sandbox_off(
    roads_shp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the sandbox off the read is in process, where the test fault is not honoured.
    monkeypatch.setenv(FAULT_ENV, f"segv:{roads_shp}")
    monkeypatch.setenv(ENABLED_ENV, "0")
    assert len(read_user_layer(roads_shp).frame) == 2


def test_a_bad_limit_setting_is_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIME_LIMIT_ENV, "soon")
    with pytest.raises(MapdeskError, match="MAPDESK_READ_TIME_LIMIT=soon is not a positive"):
        SandboxLimits.from_environment()


def test_a_geopackage_keeps_its_field_rules_through_the_sandbox(sandbox: ReaderSandbox) -> None:
    from mapdesk.io.demo import demo_path

    here = read_layer(demo_path(), "fibre_spans")
    there = sandbox.read_layer(demo_path(), "fibre_spans")
    assert there.frame.attrs["field_rules"] == here.frame.attrs["field_rules"]
    assert_geodataframe_equal(there.frame, here.frame, check_index_type=True)


_KILLED_APP = """
import sys, threading, time
from mapdesk.io.sandbox import ReaderSandbox, SandboxLimits

if __name__ == "__main__":
    box = ReaderSandbox(SandboxLimits(seconds=600.0, memory_mb=2048))
    box.read_layer(sys.argv[1])  # the child is up and has read once
    threading.Thread(target=box.read_layer, args=(sys.argv[2],), daemon=True).start()
    time.sleep(1.0)  # the child is inside its endless read
    print(box.busy_pids()[0], flush=True)
    time.sleep(600)
"""


def _ended(pid: int) -> bool:
    """Gone, or a zombie waiting for an init that does not reap (containers)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_hanging_child_ends_when_the_app_is_killed(
    roads_shp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app is killed (Task Manager, a crash in Qt) while a reader hangs: nothing
    # enforces the time limit any more, so the child must notice and end itself.
    hanging = tmp_path / "hangs.shp"
    for suffix in (".shp", ".shx", ".dbf"):
        hanging.with_suffix(suffix).write_bytes(roads_shp.with_suffix(suffix).read_bytes())
    script = tmp_path / "app.py"
    script.write_text(_KILLED_APP)
    monkeypatch.setenv(FAULT_ENV, f"hang:{hanging}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))
    app = subprocess.Popen(
        [sys.executable, str(script), str(roads_shp), str(hanging)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert app.stdout is not None
        child = int(app.stdout.readline())
    finally:
        app.kill()
        app.wait()
    deadline = time.monotonic() + 10
    while not _ended(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = _ended(child)
    if not ended:
        os.kill(child, signal.SIGKILL)
    assert ended, "the reader child outlived the killed app"
