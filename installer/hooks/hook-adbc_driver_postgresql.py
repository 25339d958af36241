"""ADBC's PostgreSQL driver is a shared library the driver manager loads by path.

Nothing imports it, so PyInstaller's analysis would leave it out and every
PostGIS read would fall back to the slower psycopg path.
"""

from PyInstaller.utils.hooks import collect_dynamic_libs, collect_submodules

binaries = collect_dynamic_libs("adbc_driver_postgresql")
hiddenimports = collect_submodules("adbc_driver_postgresql") + collect_submodules(
    "adbc_driver_manager"
)
