"""Saving formats that are rewritten whole: the atomic recipe of RELIABILITY.md.

Shapefile sets, GeoJSON, FlatGeobuf and KML are never edited in place (GDAL
repacks shapefiles on close; that is where QGIS users lose geometries). A save

1. writes a complete new file (set) to hidden temporary names in the same folder,
2. fsyncs every member, and verifies it by reading it back,
3. writes a commit manifest (members and their SHA-256), atomically,
4. keeps a copy of the old files in the user's backup folder (rotating),
5. renames each member over the old one, fsyncs the folder, drops the manifest.

Step 1 and the read-back of step 2 run in the reader sandbox's child process
(:meth:`mapdesk.io.sandbox.ReaderSandbox.write_whole_file`) for a frame of
:data:`WRITE_CHILD_MIN_FEATURES` features or more: GDAL holds Python's GIL
for the whole write, so in the app's process the window would freeze for
seconds. The other steps stay here. A writer that crashes is a failed save.

A shapefile set cannot be renamed as one: if the process dies between the
renames, ``recover_rewrite`` (called before any read of the file)
finishes them from the manifest, or, when the manifest is not there, removes
the temporary files: the file is always the one before or the one after.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import json
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from mapdesk.core.backups import back_up
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.errors import MapdeskError
from mapdesk.io.sandbox import CheckCallback, WriterFailedError, sandbox_enabled, shared_sandbox

log = logging.getLogger(__name__)

#: Drivers whose files mapdesk rewrites whole to save edits.
WHOLE_FILE_DRIVERS = ("ESRI Shapefile", "GeoJSON", "FlatGeobuf", "LIBKML", "KML")
#: Shapefile members rewritten together; spatial indexes of the old geometry go.
SHAPEFILE_MEMBERS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
STALE_SHAPEFILE_MEMBERS = (".qix", ".sbn", ".sbx")
_TEMP_TAG = ".mapdesk-save-"
_MANIFEST = ".commit.json"
#: Frames this big are written by the sandbox's child process. Writing 20,000
#: points holds the GIL for about 150 ms (1M: 8-22 s), the limit of a frame the
#: window may miss; below, the pipe round trip costs more than it saves.
WRITE_CHILD_MIN_FEATURES = 20_000
#: Overrides :data:`WRITE_CHILD_MIN_FEATURES` (0: every write in the child; tests).
WRITE_CHILD_ENV = "MAPDESK_WRITE_CHILD_MIN_FEATURES"


def save_whole_file(
    path: Path,
    driver: str,
    layer: str | None,
    frame: gpd.GeoDataFrame,
    *,
    new_file: bool = False,
    at_commit_point: Callable[[], None] = lambda: None,
    layer_options: dict[str, str] | None = None,
    kept: str = "your edits are kept and the file is unchanged",
    finish: Callable[[Path], None] = lambda temp: None,
    check: CheckCallback | None = None,
) -> gpd.GeoDataFrame:
    """Replace the file at ``path`` with ``frame``; the features as saved (read back).

    ``new_file``: the user chose ``path`` in a Save As dialog (and agreed to
    replace any file there): no other layers to keep, no backup to take.
    ``layer_options``: GDAL layer creation options. ``kept``: what a failure
    message says is safe (an export has no edits to keep). ``finish``: given
    the temporary file once GDAL has written it, to add what GDAL cannot (a
    GeoPackage's field rules) before it is synced, read back and renamed.
    ``check``: called while the file is written (Cancel: what it raises stops
    the write, removes the temporary files and goes through unchanged; it is
    not called after the commit point).

    Raises
    ------
    SaveError
        With the file unchanged and no temporary file left behind.
    """
    saved = _rewrite(
        path,
        driver,
        layer,
        frame,
        new_file=new_file,
        at_commit_point=at_commit_point,
        layer_options=layer_options,
        kept=kept,
        finish=finish,
        check=check,
        returns_saved=True,
    )
    assert saved is not None  # returns_saved
    return saved


def replace_whole_file(
    path: Path,
    driver: str,
    layer: str | None,
    frame: gpd.GeoDataFrame,
    *,
    layer_options: dict[str, str] | None = None,
    kept: str = "the file is unchanged",
    finish: Callable[[Path], None] = lambda temp: None,
    check: CheckCallback | None = None,
) -> None:
    """:func:`save_whole_file` of a file the user chose to replace (an export),
    without handing back the features read back (a write in the child then
    does not send them back)."""
    _rewrite(
        path,
        driver,
        layer,
        frame,
        new_file=True,
        at_commit_point=lambda: None,
        layer_options=layer_options,
        kept=kept,
        finish=finish,
        check=check,
        returns_saved=False,
    )


def _rewrite(
    path: Path,
    driver: str,
    layer: str | None,
    frame: gpd.GeoDataFrame,
    *,
    new_file: bool,
    at_commit_point: Callable[[], None],
    layer_options: dict[str, str] | None,
    kept: str,
    finish: Callable[[Path], None],
    check: CheckCallback | None,
    returns_saved: bool,
) -> gpd.GeoDataFrame | None:
    if not new_file:
        _refuse_other_layers(path, layer)
    # The process id in the name: recovery (any read of the file) leaves the
    # temporary files of a save that is still running alone.
    tag = f"{_TEMP_TAG}{os.getpid()}-{_boot_tag()}-{secrets.token_hex(4)}"
    temp = path.with_name(f".{path.stem}{tag}{path.suffix}")
    stops: list[BaseException] = []

    def checked() -> None:
        """``check``, remembering what it raised: a Cancel goes through as it is."""
        if check is not None:
            try:
                check()
            except BaseException as exc:
                stops.append(exc)
                raise

    try:
        saved, pairs = _write_verified(
            frame, temp, path, driver, layer, layer_options or {}, finish, returns_saved, checked
        )
        checked()
        manifest = _write_manifest(path, pairs, temp)
    except BaseException as exc:
        _remove_quietly(list(temp.parent.glob(glob.escape(temp.stem) + ".*")))
        if isinstance(exc, SaveError) or any(exc is stop for stop in stops):
            raise
        if isinstance(exc, WriterFailedError):
            raise SaveError(f"{exc}; {kept}") from exc
        raise _save_error(path, exc, kept) from exc
    # The manifest is written: from here the save completes, even after a crash.
    _tell_commit_point(at_commit_point)
    if not new_file:
        _back_up(path, driver)
    _commit(pairs, manifest, _stale_members(path, driver))
    return saved


def _write_verified(
    frame: gpd.GeoDataFrame,
    temp: Path,
    path: Path,
    driver: str,
    layer: str | None,
    options: dict[str, str],
    finish: Callable[[Path], None],
    returns_saved: bool,
    check: Callable[[], None],
) -> tuple[gpd.GeoDataFrame | None, list[tuple[Path, Path]]]:
    """Steps 1 and 2 of the recipe, in the writer child for a big frame; the
    features read back and the (temporary, final) pairs of files to rename."""
    pairs: list[tuple[Path, Path]] = []

    def settle() -> None:
        finish(temp)
        pairs.extend(_member_pairs(temp, path, driver))
        for written, _ in pairs:
            _fsync_file(written)

    if _writes_in_child(len(frame)):
        saved = shared_sandbox().write_whole_file(
            frame,
            temp,
            target=path,
            driver=driver,
            layer=layer,
            options=options,
            settle=settle,
            returns_saved=returns_saved,
            check=check,
        )
        return cast(gpd.GeoDataFrame | None, saved), pairs
    check()
    write_temporary(frame, temp, driver, layer, path.stem, options)
    check()
    settle()
    return verified_copy(temp, layer, frame, path.name), pairs


def _writes_in_child(features: int) -> bool:
    """True for a write big enough to freeze the window, unless the sandbox is off."""
    if not sandbox_enabled():
        return False
    text = os.environ.get(WRITE_CHILD_ENV, "").strip()
    least = WRITE_CHILD_MIN_FEATURES
    if text:
        if not text.isdigit():
            raise MapdeskError(f"{WRITE_CHILD_ENV}={text} is not a whole number; unset or fix it")
        least = int(text)
    return features >= least


_INTEGER_TYPES = {"OFTInteger": "Int32", "OFTInteger64": "Int64"}


def with_declared_integers(
    frame: gpd.GeoDataFrame, field_types: dict[str, str]
) -> gpd.GeoDataFrame:
    """``frame`` with integer fields that pandas read as float (for their NULLs) as
    nullable integers again, so the rewritten file still declares them INTEGER."""
    columns = {}
    for name, declared in field_types.items():
        wanted = _INTEGER_TYPES.get(declared)
        if wanted and name in frame.columns and frame[name].dtype.kind == "f":
            values = frame[name]
            present = values.dropna()
            if not (present == present.round()).all():
                continue
            if wanted == "Int32" and len(present) and present.abs().max() >= 2**31:
                wanted = "Int64"
            columns[name] = values.astype(wanted)
    return frame.assign(**columns) if columns else frame


def recover_rewrite(path: Path) -> str | None:
    """Finish or undo a save of ``path`` that a crash interrupted; what was done.

    With a manifest, every rename it lists is completed (roll forward). Temporary
    files without one are from a save that never reached its commit point:
    they are removed (roll back).
    """
    folder = path.parent
    prefix = f".{path.stem}{_TEMP_TAG}"
    if not folder.is_dir():
        return None
    leftovers = [
        p for p in folder.iterdir() if p.name.startswith(prefix) and _of_dead_save(p, prefix)
    ]
    if not leftovers:
        return None
    manifests = [p for p in leftovers if p.name.endswith(_MANIFEST)]
    for manifest in manifests:
        plan = json.loads(manifest.read_text(encoding="utf-8"))
        pairs = [(folder / a, folder / b) for a, b in plan["pairs"]]
        _commit(pairs, manifest, [folder / s for s in plan.get("stale", [])])
    rest = [p for p in folder.iterdir() if p.name.startswith(prefix) and _of_dead_save(p, prefix)]
    _remove_quietly(rest)
    _fsync_dir(folder)
    if manifests:
        return f"{path.name}: an interrupted save was completed"
    return f"{path.name}: an interrupted save was undone (the file is as it was before it)"


def _tell_commit_point(at_commit_point: Callable[[], None]) -> None:
    """Tell the caller the save will land; its failure must not make the save look failed."""
    try:
        at_commit_point()
    except Exception:  # the journal could not forget: its entries are redone harmlessly
        log.warning("After the commit point of a save", exc_info=True)


def _boot_tag() -> str:
    """Eight characters of this boot's id: a process id means nothing across reboots."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return "noboot"


def _of_dead_save(member: Path, prefix: str) -> bool:
    """True unless ``member`` belongs to a save whose process is still running."""
    pid_text, _, rest = member.name[len(prefix) :].partition("-")
    boot = rest.partition("-")[0]
    if not pid_text.isdigit():
        return True  # not a name mapdesk makes: a leftover
    if boot != _boot_tag():
        return True  # written before the machine restarted
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # this process is saving it right now (another thread)
    if os.name == "nt":
        return False  # os.kill would end the process there: never probe, never delete
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# --- the steps ---------------------------------------------------------------------
def write_temporary(
    frame: gpd.GeoDataFrame,
    temp: Path,
    driver: str,
    layer: str | None,
    final_name: str,
    options: dict[str, str],
) -> None:
    """Write the new file. Single-file formats are made in memory and written by
    Python, whose OSError says exactly why a write failed (disk full, quota...);
    GDAL only says "cannot write feature". A shapefile set is written by GDAL."""
    if driver == "ESRI Shapefile":
        pyogrio.write_dataframe(
            frame, temp, driver=driver, layer=layer, use_arrow=True, layer_options=options
        )
        return
    buffer = io.BytesIO()
    # Through Arrow: list fields (GeoJSON arrays) are written as lists, not as their text.
    pyogrio.write_dataframe(
        frame,
        buffer,
        driver=driver,
        layer=layer or final_name,
        use_arrow=_arrow_writes_it_right(frame),
        layer_options=options,
    )
    with open(temp, "wb") as handle:
        handle.write(buffer.getbuffer())


def _arrow_writes_it_right(frame: gpd.GeoDataFrame) -> bool:
    """False when GDAL's Arrow writer would change a value: it rounds a date-time
    before 1970 with a fraction of a second up to the next whole second
    (1969-01-01 00:00:59.001 is written 00:01:00). The classic writer keeps
    them; it writes list fields as text, so a frame with lists keeps Arrow."""
    early = False
    for name in frame.columns:
        column = frame[name]
        if name == frame.geometry.name or not pd.api.types.is_datetime64_any_dtype(column):
            continue
        stamps = column.dropna()
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        # In microseconds, whatever the column's unit: nanoseconds cannot
        # hold dates before 1677 (a deed's), and GDAL keeps only milliseconds.
        micros = stamps.to_numpy().astype("datetime64[us]").view(np.int64)
        early |= bool(((micros < 0) & (micros % 1_000_000 != 0)).any())
    if not early:
        return True
    return any(
        frame[name].map(lambda value: isinstance(value, (list, tuple, np.ndarray))).any()
        for name in frame.columns
        if name != frame.geometry.name and frame[name].dtype == object
    )


def _refuse_other_layers(path: Path, layer: str | None) -> None:
    try:
        names = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:
        raise _save_error(path, exc) from exc
    if len(names) > 1:
        raise SaveError(
            f"{path.name} holds {len(names)} layers and mapdesk saves by rewriting the whole "
            "file, which would lose the others: your edits are kept; use Save As"
        )


def _member_pairs(temp: Path, final: Path, driver: str) -> list[tuple[Path, Path]]:
    if driver != "ESRI Shapefile":
        return [(temp, final)]
    pairs = []
    for suffix in SHAPEFILE_MEMBERS:
        written = temp.with_suffix(suffix)
        if written.exists():
            pairs.append((written, final.with_suffix(suffix)))
    return pairs


def _stale_members(final: Path, driver: str) -> list[Path]:
    if driver != "ESRI Shapefile":
        return []
    return [final.with_suffix(s) for s in STALE_SHAPEFILE_MEMBERS if final.with_suffix(s).exists()]


def verified_copy(
    temp: Path, layer: str | None, frame: gpd.GeoDataFrame, final_name: str
) -> gpd.GeoDataFrame:
    """The written file read back; a SaveError unless it holds what was written."""
    from mapdesk.io.frames import name_geometry
    from mapdesk.io.ogr import read

    saved = name_geometry(read(str(temp), layer, final_name).frame)
    if len(saved) != len(frame):
        raise SaveError(
            f"{final_name}: the new file read back {len(saved)} features of the {len(frame)} "
            "written, so it was not used"
        )
    if not _same_geometries(frame.geometry.array, saved.geometry.array):
        raise SaveError(
            f"{final_name}: the new file's geometries read back differently from those "
            "written, so it was not used"
        )
    return saved


def _same_geometries(written: Any, back: Any) -> bool:
    """The same geometries, in any order (FlatGeobuf sorts features along its index).

    Normalised, because writers may reorient rings (shapefiles store exteriors
    clockwise); the tolerance covers text formats' decimal rounding (1e-6
    degrees is 11 cm).
    """
    written = shapely.normalize(np.asarray(written, dtype=object))
    back = shapely.normalize(np.asarray(back, dtype=object))
    if shapely.is_missing(written).sum() != shapely.is_missing(back).sum():
        return False
    written, back = _by_bounds(written), _by_bounds(back)
    return bool(shapely.equals_exact(back, written, tolerance=1e-6).all())


def _by_bounds(geometries: Any) -> Any:
    """Present geometries in a fixed order: by bounds, then by their WKB.

    Bounds alone leave ties (a road drawn twice, two segments that share their
    ends' box) in file order, which FlatGeobuf's spatial sort changes: such a
    file would read back "different" and the export be refused.
    """
    present = geometries[~shapely.is_missing(geometries)]
    bounds = np.nan_to_num(shapely.bounds(present), nan=0.0)
    wkb = np.asarray(shapely.to_wkb(present), dtype=object)
    return present[np.lexsort((wkb, *bounds.T[::-1]))]


def _write_manifest(final: Path, pairs: list[tuple[Path, Path]], temp: Path) -> Path:
    plan = {
        "pairs": [(a.name, b.name) for a, b in pairs],
        "sha256": {a.name: _sha256(a) for a, _ in pairs},
        "stale": [
            p.name for p in _stale_members(final, "ESRI Shapefile" if len(pairs) > 1 else "")
        ],
    }
    manifest = temp.with_name(temp.stem + _MANIFEST)
    draft = manifest.with_name(manifest.name + ".part")
    draft.write_text(json.dumps(plan), encoding="utf-8")
    _fsync_file(draft)
    os.replace(draft, manifest)  # the commit point: from here on the save completes
    _fsync_dir(manifest.parent)
    return manifest


def _commit(pairs: list[tuple[Path, Path]], manifest: Path, stale: list[Path]) -> None:
    for written, final in pairs:
        if written.exists():
            os.replace(written, final)
    _fsync_dir(manifest.parent)
    _remove_quietly(stale)
    manifest.unlink(missing_ok=True)
    _fsync_dir(manifest.parent)


def _back_up(path: Path, driver: str) -> None:
    """Copy the current file (set) into the rotating backup folder, newest kept."""
    members = (
        [path] if driver != "ESRI Shapefile" else [path.with_suffix(s) for s in SHAPEFILE_MEMBERS]
    )
    back_up(path, members)


# --- small file helpers ----------------------------------------------------------------
def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_quietly(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _save_error(
    path: Path, exc: BaseException, kept: str = "your edits are kept and the file is unchanged"
) -> SaveError:
    if isinstance(exc, OSError) and exc.errno in (28, 27):  # ENOSPC, EFBIG
        return SaveError(f"Not enough disk space on the volume of {path}: {kept}")
    if isinstance(exc, PermissionError) or "permission denied" in str(exc).lower():
        return SaveError(f"{path.name} cannot be written (read-only?): {kept}. Use Save As")
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "no space" in text.lower() or "file too large" in text.lower():
        return SaveError(f"Not enough disk space on the volume of {path}: {kept}")
    return SaveError(f"{path.name}: the save failed ({text}); {kept}")
