"""pyogrio: its Cython modules and the GDAL and PROJ data of the GDAL it carries.

pyinstaller-hooks-contrib has no hook for pyogrio; without this the bundle
opens files but has no GDAL_DATA (no CRS lookups in some drivers) and no
proj.db (no reprojection at all).
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = collect_submodules("pyogrio", filter=lambda name: ".tests" not in name)
datas = collect_data_files("pyogrio", subdir="gdal_data") + collect_data_files(
    "pyogrio", subdir="proj_data"
)
