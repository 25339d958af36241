"""The last step of every read: one shape of GeoDataFrame, and warnings about it.

Every reader hands its frame here, so the model always gets a geometry column
called ``"geometry"`` and the user always hears about a missing CRS or missing
geometries, whatever the format.
"""

from __future__ import annotations

import geopandas
import pandas as pd
import shapely

from mapdesk.io.degrees import check_degrees


def name_geometry(frame: pd.DataFrame) -> geopandas.GeoDataFrame:
    """The frame with its active geometry column named ``"geometry"``.

    A table without geometry (a GeoPackage attribute table, a lone .dbf)
    gets an all-empty geometry column, so the model has one shape of frame.
    """
    active = getattr(frame, "_geometry_column_name", None)
    if not isinstance(frame, geopandas.GeoDataFrame) or active is None:
        table = frame.rename(columns={"geometry": "geometry_attribute"})
        return geopandas.GeoDataFrame(table, geometry=[None] * len(table))
    spatial: geopandas.GeoDataFrame = frame
    if active == "geometry":
        return spatial
    if "geometry" in spatial.columns:
        # An attribute already called "geometry" keeps its values under a new name.
        spatial = spatial.rename(columns={"geometry": "geometry_attribute"})
    return spatial.rename_geometry("geometry")


def geometry_notes(
    frame: geopandas.GeoDataFrame, name: str, *, no_prj: bool, explained: bool = False
) -> list[str]:
    """Warnings about features without geometry and a missing CRS.

    ``explained`` says the reader has already named the features that lost
    their geometry, so they are not counted a second time.
    """
    total = len(frame)
    missing = int(shapely.is_missing(frame.geometry.array).sum()) if total else 0
    if total and missing == total:
        return [f"{name} has no geometries: it will not show on the map"]
    notes = []
    if missing and not explained:
        notes.append(
            f"{missing} of {total} features {'has' if missing == 1 else 'have'} no geometry"
        )
    if frame.crs is None and total:
        notes.append(
            f"No CRS: {name} has no .prj file; choose its coordinate reference system"
            if no_prj
            else f"No CRS: {name} does not say which coordinate reference system it uses; "
            "choose one"
        )
    return notes


def finish(
    frame: pd.DataFrame, name: str, notes: list[str], *, no_prj: bool = False
) -> tuple[geopandas.GeoDataFrame, tuple[str, ...]]:
    """Name the geometry column, make field names unique, check its degrees, add the warnings.

    Raises
    ------
    DataSourceError
        For latitudes beyond ±90° (see :func:`~mapdesk.io.degrees.check_degrees`).
    """
    frame, renamed = unique_fields(name_geometry(frame), name)
    frame, degree_notes = check_degrees(frame, name)
    notes = notes + renamed + degree_notes
    explained = any("no geometry" in note for note in notes)
    more = geometry_notes(frame, name, no_prj=no_prj, explained=explained)
    if degree_notes:  # the CRS was dropped, and the note already says why
        more = [note for note in more if not note.startswith("No CRS")]
    return frame, tuple(notes + more)


def unique_fields(
    frame: geopandas.GeoDataFrame, name: str
) -> tuple[geopandas.GeoDataFrame, list[str]]:
    """The frame with a field name that repeats renamed ``<name>_2``, and a note for each.

    A damaged .dbf (a field descriptor copied over another) or a hand-made CSV
    can name two fields alike; pandas then hands back a table where one name
    is two columns, which every later step (the attribute table, edits, the
    sandbox's Arrow transfer) would trip over. The first keeps its name.
    """
    names = [str(column) for column in frame.columns]
    if len(set(names)) == len(names):
        return frame, []
    taken: set[str] = set()
    unique: list[str] = []
    notes: list[str] = []
    for field in names:
        new = field
        number = 2
        while new in taken or (new != field and new in names):
            new, number = f"{field}_{number}", number + 1
        if new != field:
            notes.append(f"{name}: two fields are named {field!r}; the second is read as {new!r}")
        taken.add(new)
        unique.append(new)
    renamed = frame.copy(deep=False)
    renamed.columns = pd.Index(unique)
    return renamed, notes
