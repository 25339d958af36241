"""An analysis's result layers, written together into one new GeoPackage.

Radio coverage writes its coverage areas, uncovered addresses and uncovered
road pieces; boundary QA its findings and misrouting candidates. They are
one result, so they land together or not at all: GDAL writes them to a
hidden file beside the target, each layer is read back and counted, and the
file is fsynced and renamed over the target. A target that is one of the
inputs, or a GeoPackage holding layers other than the ones written, is
refused before any work: an analysis never overwrites a user's data.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from mapdesk.core.serialize import write_text_atomically
from mapdesk.export.formats import ExportError

_KEPT = "nothing was written and any earlier file of that name is unchanged"


@dataclass(frozen=True)
class ResultLayer:
    """One layer to write: its name, features and geometry type (kept when it is empty)."""

    name: str
    frame: gpd.GeoDataFrame
    geometry_type: str  # "Point", "MultiPolygon", "MultiLineString"...


def write_result_layers(
    path: Path, layers: Sequence[ResultLayer], inputs: Sequence[Path] = ()
) -> None:
    """Write ``layers`` into a new GeoPackage at ``path``, replacing any earlier result.

    Raises
    ------
    ExportError
        When ``path`` is not a ``.gpkg``, its folder is missing, it is one of
        ``inputs``, or it holds other layers; or the write fails (the message
        names the file; any earlier file is unchanged).
    """
    _check_target(path, [layer.name for layer in layers], inputs)
    temp = path.with_name(f".{path.stem}.mapdesk-result-{secrets.token_hex(4)}.gpkg")
    try:
        for layer in layers:
            pyogrio.write_dataframe(
                layer.frame,
                temp,
                layer=layer.name,
                driver="GPKG",
                geometry_type=layer.geometry_type,
                promote_to_multi=layer.geometry_type.startswith("Multi"),
            )
        _check_counts(temp, layers)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except ExportError as exc:
        raise ExportError(f"Cannot write {path}: {exc}; {_KEPT}") from exc
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}; {_KEPT}") from exc
    except Exception as exc:  # GDAL's errors: still one message naming the file
        raise ExportError(f"Cannot write {path}: {exc}; {_KEPT}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_report(path: Path | None, report: dict[str, Any]) -> None:
    """Write an analysis's figures as indented UTF-8 JSON to ``path`` (nothing when None)."""
    if path is None:
        return
    text = json.dumps(report, indent=2, ensure_ascii=False)
    try:
        write_text_atomically(path, text + "\n")
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}") from exc


def _check_target(path: Path, names: Sequence[str], inputs: Sequence[Path]) -> None:
    if path.suffix.lower() != ".gpkg":
        raise ExportError(f"The result is a GeoPackage: name it .gpkg, not {path.name}")
    if not path.parent.is_dir():
        raise ExportError(f"Cannot write {path}: the folder {path.parent} does not exist")
    if not path.exists():
        return
    if any(_same_file(path, source) for source in inputs):
        raise ExportError(f"{path.name} is an input of the analysis: choose another name")
    try:
        present = {str(row[0]) for row in pyogrio.list_layers(path)}
    except Exception as exc:
        raise ExportError(
            f"{path.name} exists and is not a GeoPackage mapdesk can read ({exc}): "
            "choose another name"
        ) from exc
    others = sorted(present - set(names))
    if others:
        raise ExportError(
            f"{path.name} holds other layers ({', '.join(others)}) that writing the result "
            "would lose: choose another name"
        )


def _check_counts(temp: Path, layers: Sequence[ResultLayer]) -> None:
    for layer in layers:
        written = pyogrio.read_info(temp, layer=layer.name)["features"]
        if written != len(layer.frame):
            raise ExportError(
                f"layer {layer.name} read back {written} features of the {len(layer.frame)} written"
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False
