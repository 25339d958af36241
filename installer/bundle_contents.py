"""What the bundle leaves out, kept apart from the spec so a test can read it.

Each exclusion says why mapdesk can do without it. The bundle must stay under
400 MB unpacked (issue 11); the wheels mapdesk needs carry much it never uses.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable

#: Python packages and modules never imported by mapdesk at run time, which
#: PyInstaller would otherwise follow from optional imports in dependencies.
EXCLUDED_MODULES = [
    # Development and test tools installed beside mapdesk in the build venv.
    "pytest",
    "_pytest",
    "hypothesis",
    "mypy",
    "playwright",
    "IPython",
    "jedi",
    "tkinter",
    "_tkinter",
    # Plotting: mapdesk draws with Qt; geopandas and mapclassify import it lazily.
    "matplotlib",
    # Graduated styles compute their own breaks (mapdesk.core.classify);
    # geopandas' explore() would pull mapclassify and with it scikit-learn.
    "mapclassify",
    "sklearn",
    # SciPy parts mapdesk never reaches: it uses sparse graphs (Dijkstra,
    # components) and KD-trees, which need only linalg, sparse, spatial and
    # special; networkx and pandas import the rest lazily in functions mapdesk
    # does not call. tests/installer runs drive-time coverage in the bundle.
    "scipy.optimize",
    "scipy.stats",
    "scipy.integrate",
    "scipy.interpolate",
    "scipy.ndimage",
    "scipy.cluster",
    "scipy.signal",
    "scipy.io",
    "scipy.odr",
    "scipy.datasets",
    "scipy.misc",
    # The raster extra (radio-coverage --signal): a third GDAL of ~60 MB. The
    # bundle reports the missing extra as the CLI does without it.
    "rasterio",
    # Arrow's RPC, query-plan, GPU and cloud-storage parts: mapdesk reads local
    # files and PostGIS (ADBC), and uses Arrow only for tables and Parquet.
    "pyarrow.flight",
    "pyarrow._flight",
    "pyarrow.substrait",
    "pyarrow._substrait",
    "pyarrow.gandiva",
    "pyarrow.cuda",
    "pyarrow._cuda",
    "pyarrow.orc",
    "pyarrow._orc",
    "pyarrow._s3fs",
    "pyarrow._gcsfs",
    "pyarrow._azurefs",
    "pyarrow._hdfs",
    "pyarrow.interchange",
    # Qt modules mapdesk does not use (it uses QtCore, QtGui, QtWidgets and QtSvg).
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtNetwork",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtDBus",
    "PySide6.QtConcurrent",
]

#: Shared libraries (by file name or bundle path) of the parts left out above.
UNUSED_BINARIES = [
    # Arrow Flight (RPC) and S3: only their own Python modules load them.
    "libarrow_flight.so*",
    "libarrow_python_flight.so*",
    "libarrow_s3.so*",
    "libgandiva.so*",
    "libQt6Quick*.so*",
    "libQt6Qml*.so*",
    "libQt6Pdf*.so*",
    "libQt6VirtualKeyboard*.so*",
    # Qt plugins for what a desktop workstation does not have: framebuffer,
    # VNC, KMS/EGL full-screen devices, touch panels, Vulkan displays.
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "PySide6/Qt/plugins/egldeviceintegrations/*",
    "PySide6/Qt/plugins/generic/*",
    # The GTK theme plugin pulls in GTK 3, Cairo, Pango and ATK from the build
    # machine (~20 MB) only to draw Qt widgets like GTK ones; Qt's own Fusion
    # style is used instead, and file dialogs still follow the desktop through
    # the XDG portal plugin.
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
]

#: Data files (by path inside the bundle) nothing reads at run time.
UNUSED_DATA = [
    # C/C++ headers and Cython sources for building against these packages.
    "pyarrow/include/*",
    "pyarrow/*.pxd",
    "pyarrow/*.pyx",
    "pyarrow/*.pxi",
    "pyarrow/*.h",
    "pyarrow/*.cc",
    "pyarrow/src/*",
    "pyarrow/vendored/*",
    "numpy/_core/include/*",
    "numpy/core/include/*",
    "*/tests/*",
    "*/__pycache__/*",
    # Qt's own translations: mapdesk's interface is English only.
    "PySide6/Qt/translations/*",
    # fiona's GDAL and PROJ data duplicate pyogrio's, which the runtime hook
    # (runtime/geodata_environment.py) gives to every GDAL and PROJ in the app.
    "fiona/gdal_data/*",
    "fiona/proj_data/*",
]


def _matches(path: str, patterns: list[str]) -> bool:
    path = path.replace(os.sep, "/")
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)


def is_unused_binary(destination: str) -> bool:
    """True for a shared library of a part the bundle leaves out."""
    return _matches(destination, UNUSED_BINARIES)


def is_unused_data(destination: str) -> bool:
    """True for a data file nothing in the bundle reads."""
    return _matches(destination, UNUSED_DATA)


def _is_top_level_library(destination: str) -> bool:
    name = destination.replace(os.sep, "/")
    return "/" not in name and name.startswith("lib") and not name.startswith("libpython")


def prune_orphan_libraries(
    binaries: list[tuple[str, str, str]],
    imports_of: Callable[[str], set[str]],
) -> list[tuple[str, str, str]]:
    """Drop system libraries at the bundle's top level that nothing kept links to.

    PyInstaller collects the libraries every binary needs before the spec
    filters binaries out, so leaving out a plugin (the GTK theme) leaves its
    libraries behind. Everything inside a package folder is kept (Python
    extensions, Qt plugins, drivers loaded by path); a top-level library stays
    only while some kept binary names it (``imports_of`` gives the names).
    ``binaries`` are PyInstaller TOC entries ``(destination, source, kind)``.
    """
    candidates = {
        os.path.basename(dest): (dest, src, kind)
        for dest, src, kind in binaries
        if kind == "BINARY" and _is_top_level_library(dest)
    }
    kept = [entry for entry in binaries if os.path.basename(entry[0]) not in candidates]
    # Python's own extension modules (_ssl, _sqlite3, _bz2...) are EXTENSION
    # entries: what they link to stays too.
    pending = [src for _, src, kind in kept if kind in ("BINARY", "EXTENSION")]
    needed: set[str] = set()
    while pending:
        for name in imports_of(pending.pop()):
            if name in candidates and name not in needed:
                needed.add(name)
                pending.append(candidates[name][1])
    kept_names = {os.path.basename(dest) for dest, _, _ in kept} | needed
    result = [entry for entry in binaries if os.path.basename(entry[0]) in kept_names]
    # A symbolic link to a library that was dropped would dangle.
    dropped = set(candidates) - needed
    return [
        entry
        for entry in result
        if not (entry[2] == "SYMLINK" and os.path.basename(entry[1]) in dropped)
    ]
