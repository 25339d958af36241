"""What a support ticket needs: library versions and the data folders they use.

``mapdesk self-check`` and Help ▸ About show the same report. The
geospatial wheels carry native libraries with their own data (GDAL_DATA,
PROJ's ``proj.db``); an installed or frozen mapdesk that cannot find that data
opens files but reprojects nothing, so the folders are part of the report.

Qt's version is passed in by the caller (the UI or the render layer): this
module stays Qt-free like the rest of ``mapdesk.io``.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mapdesk import __version__
from mapdesk.core.errors import MapdeskError

#: The environment variables through which PROJ finds ``proj.db`` (PROJ 9.1+, older).
PROJ_ENV_VARIABLES = ("PROJ_DATA", "PROJ_LIB")


@dataclass(frozen=True)
class DataPath:
    """A data folder (or file) a library needs, and whether it is usable.

    Attributes
    ----------
    name
        What the path is for, as a support person says it ("PROJ data").
    path
        The folder or file; ``None`` when the library found none.
    problem
        Why it is not usable, or ``""`` when it is.
    note
        What was verified there when usable ("proj.db found").
    """

    name: str
    path: str | None
    problem: str = ""
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class SoftwareReport:
    """Versions (name → version, in reading order) and data paths."""

    versions: tuple[tuple[str, str], ...]
    data_paths: tuple[DataPath, ...]

    def as_text(self) -> str:
        """Plain text for a support ticket (the About dialog's Copy button)."""
        width = max(len(name) for name, _ in (*self.versions, *self._path_rows()))
        lines = [f"{name:<{width}}  {value}" for name, value in self.versions]
        lines += [f"{name:<{width}}  {value}" for name, value in self._path_rows()]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, object]:
        """The report for ``--json`` output."""
        return {
            "versions": dict(self.versions),
            "data_paths": [
                {
                    "name": p.name,
                    "path": p.path,
                    "ok": p.ok,
                    "problem": p.problem or None,
                    "note": p.note or None,
                }
                for p in self.data_paths
            ],
        }

    def _path_rows(self) -> list[tuple[str, str]]:
        return [(p.name, _path_text(p)) for p in self.data_paths]


def _path_text(path: DataPath) -> str:
    shown = path.path or "(not found)"
    if path.problem:
        return f"{shown}  [{path.problem}]"
    return f"{shown}  ({path.note})" if path.note else shown


def software_report(qt_versions: Mapping[str, str]) -> SoftwareReport:
    """Collect the report; ``qt_versions`` is e.g. ``{"Qt": "6.11.3", "PySide6": "6.11.3"}``.

    A library that fails to import shows why in place of its version: a
    broken installation must still be reportable.
    """
    versions = [("mapdesk", __version__), ("Python", platform.python_version())]
    versions += list(qt_versions.items())
    versions += [(name, _version_or_problem(read)) for name, read in _LIBRARIES]
    versions.append(("Platform", platform.platform()))
    paths = (gdal_data_path(), proj_data_path(), *proj_environment_paths(), demo_data_path())
    return SoftwareReport(tuple(versions), paths)


def _gdal_version() -> str:
    import pyogrio

    return f"{pyogrio.__gdal_version_string__} (pyogrio {pyogrio.__version__})"


def _proj_version() -> str:
    import pyproj

    return f"{pyproj.proj_version_str} (pyproj {pyproj.__version__})"


def _geos_version() -> str:
    import shapely

    return f"{shapely.geos_version_string} (shapely {shapely.__version__})"


def _pyarrow_version() -> str:
    import pyarrow

    return str(pyarrow.__version__)


_LIBRARIES: tuple[tuple[str, Callable[[], str]], ...] = (
    ("GDAL", _gdal_version),
    ("PROJ", _proj_version),
    ("GEOS", _geos_version),
    ("pyarrow", _pyarrow_version),
)


def _version_or_problem(read: Callable[[], str]) -> str:
    try:
        return read()
    except Exception as exc:  # a support report names what is broken, never raises
        return f"not available ({type(exc).__name__}: {exc})"


def gdal_data_path() -> DataPath:
    """GDAL's data folder as GDAL (pyogrio's) sees it."""
    try:
        import pyogrio

        found = pyogrio.get_gdal_data_path()
    except Exception as exc:
        return DataPath("GDAL data", None, f"{type(exc).__name__}: {exc}")
    if not found:
        return DataPath("GDAL data", None, "GDAL found no data folder; set GDAL_DATA")
    if not Path(found).is_dir():
        return DataPath("GDAL data", str(found), "the folder does not exist")
    return DataPath("GDAL data", str(found))


def proj_data_path() -> DataPath:
    """PROJ's data folder as pyproj sees it, which must hold ``proj.db``."""
    try:
        from pyproj.datadir import get_data_dir

        found = get_data_dir()
    except Exception as exc:
        return DataPath("PROJ data", None, f"{type(exc).__name__}: {exc}")
    return _proj_db_path("PROJ data", found)


def proj_environment_paths() -> tuple[DataPath, ...]:
    """``PROJ_DATA``/``PROJ_LIB`` when set: each must hold ``proj.db``.

    pyproj prefers its own copy, but GDAL in fiona (the fallback reader) and
    spawned reader processes use these variables first: a wrong one breaks
    reprojection there even when pyproj works.
    """
    return tuple(
        _proj_db_path(variable, os.environ[variable])
        for variable in PROJ_ENV_VARIABLES
        if os.environ.get(variable)
    )


def _proj_db_path(name: str, folders: str) -> DataPath:
    """``folders`` (os.pathsep-separated) as PROJ data: one must hold proj.db."""
    if any((Path(folder) / "proj.db").is_file() for folder in folders.split(os.pathsep)):
        return DataPath(name, folders, note="proj.db found")
    return DataPath(name, folders, "no proj.db there: PROJ cannot look up any CRS")


def demo_data_path() -> DataPath:
    """The Greater Portland demo GeoPackage the app opens by default."""
    from mapdesk.io.demo import demo_path

    try:
        return DataPath("Demo data", str(demo_path()))
    except MapdeskError as exc:
        return DataPath("Demo data", None, str(exc))
