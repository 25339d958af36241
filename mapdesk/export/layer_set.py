"""Several layers written together into one new GeoPackage (an analysis's output).

The file is written whole beside its final name and renamed over it, so a
failure leaves any earlier file of that name as it was; a file the analysis
read from is never replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pyogrio

from mapdesk.export.files import _replace_atomically
from mapdesk.export.formats import ExportError

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})


def write_layer_set(
    layers: dict[str, gpd.GeoDataFrame], path: Path, sources: Iterable[Path] = ()
) -> Path:
    """Write ``layers`` (name -> features) as the layers of the new GeoPackage ``path``.

    Polygon layers are declared MultiPolygon (an area may come in parts);
    an empty layer is declared as its ``attrs["geometry_type"]`` says.

    Raises
    ------
    ExportError
        When ``path`` is not a ``.gpkg``, is one of ``sources``, or cannot be
        written (naming the file and why).
    """
    check_layer_set_target(path)
    target = path.resolve()
    for source in sources:
        if source.resolve() == target:
            raise ExportError(f"{path} is an input of this run: choose another output file")
    _replace_atomically(path, lambda temp: _write_all(layers, temp))
    return path


def check_layer_set_target(path: Path) -> Path:
    """``path`` when it can take a layer set (a ``.gpkg`` in a folder that exists).

    Raises
    ------
    ExportError
        Saying what is wrong with it, before any work is done.
    """
    if path.suffix.lower() != ".gpkg":
        raise ExportError(f"The output must be a GeoPackage (.gpkg), not {path.name}")
    if not path.parent.resolve().is_dir():
        raise ExportError(f"Cannot write {path}: the folder {path.parent} does not exist")
    return path


def _write_all(layers: dict[str, gpd.GeoDataFrame], temp: Path) -> None:
    for name, frame in layers.items():
        kind = _geometry_type(frame)
        pyogrio.write_dataframe(
            frame,
            temp,
            layer=name,
            driver="GPKG",
            geometry_type=kind,
            promote_to_multi=kind == "MultiPolygon",
        )
        written = pyogrio.read_info(temp, layer=name)["features"]
        if written != len(frame):
            raise ExportError(f"layer {name} read back {written} features of {len(frame)}")


def _geometry_type(frame: gpd.GeoDataFrame) -> str:
    kinds = set(frame.geom_type.dropna())
    if not kinds:
        return str(frame.attrs.get("geometry_type", "Unknown"))
    if kinds <= _POLYGONAL:
        return "MultiPolygon"
    return str(kinds.pop()) if len(kinds) == 1 else "Unknown"
