"""Field names a format would cut, merge or take for itself, renamed and announced."""

from __future__ import annotations

from mapdesk.export.fields import FieldKind
from mapdesk.export.formats import ExportFormat
from mapdesk.export.plan import ExportPlan, cut

#: KML takes these fields (any case) as each placemark's own name and description,
#: and readers list them under these names.
KML_PLACEMARK_FIELDS = {"name": "Name", "description": "description"}
#: Fields every KML placemark has (lower case): a layer field so named is lost.
KML_STRUCTURE = {
    "id",
    "name",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudemode",
    "tessellate",
    "extrude",
    "visibility",
    "draworder",
    "icon",
    "snippet",
}


def check_names(plan: ExportPlan, fields: list[str], kinds: dict[str, FieldKind]) -> None:
    """Rename what the format would cut, merge (names are not case-sensitive) or take."""
    target = plan.target
    limit = target.name_bytes
    reserved = _reserved_names(target)
    if target.suffix == ".kml":
        placemark = _note_placemark_fields(plan, fields, kinds)
        # Placemark fields keep their names (claimed first, below); any other
        # field named after a part of a placemark would be lost.
        reserved = KML_STRUCTURE - {name.lower() for name in placemark}
        fields = [*placemark, *(f for f in fields if f not in placemark)]
    # Names that fit as they are are claimed first: a long name cut short
    # never pushes aside a field that already had that short name.
    claimed: set[str] = set()
    kept = set()
    for name in fields:
        fits = limit is None or len(name.encode("utf-8")) <= limit
        if fits and name.lower() not in reserved and name.lower() not in claimed:
            claimed.add(name.lower())
            kept.add(name)
    for name in fields:
        if name in kept:
            continue
        new = _short_name(name, limit, claimed | reserved)
        claimed.add(new.lower())
        plan.renames[name] = new
        plan.note(name, f"'{name}' renamed '{new}': {_why_renamed(name, new, target, reserved)}")


def _why_renamed(name: str, new: str, target: ExportFormat, reserved: set[str]) -> str:
    if name.lower() in reserved:
        return f"{target.label} uses '{name}' for a field of its own"
    limit = target.name_bytes
    if limit is not None and len(name.encode("utf-8")) > limit:
        if cut(name, limit) == new:
            return f"{target.label} field names are at most {limit} bytes"
        return f"its first {limit} bytes clash with another field"
    return "its name would clash with another field's (field names are not case-sensitive)"


def _reserved_names(target: ExportFormat) -> set[str]:
    """Field names (lower case) a format keeps for itself: such a field would be lost."""
    if target.suffix == ".gpkg":
        return {"fid"}  # GDAL takes a field called fid as the feature id
    if target.suffix == ".csv":
        return {"wkt"}  # the geometry column
    return set()


def _note_placemark_fields(
    plan: ExportPlan, fields: list[str], kinds: dict[str, FieldKind]
) -> list[str]:
    """KML shows a text field ``name`` as each placemark's name (``description`` likewise)."""
    chosen_fields = []
    for role, read_back in KML_PLACEMARK_FIELDS.items():
        chosen = [name for name in fields if name == role and kinds[name] is FieldKind.TEXT]
        if not chosen:
            continue
        chosen_fields.append(chosen[0])
        plan.read_back_names[chosen[0]] = read_back
        plan.note(
            chosen[0],
            f"'{chosen[0]}' becomes each placemark's {role} (KML readers list it as '{read_back}')",
        )
    return chosen_fields


def _short_name(name: str, limit: int | None, taken: set[str]) -> str:
    """``name`` cut to ``limit`` bytes (None: whole), numbered ``_1``, ``_2`` ... to be unique."""
    short = str(cut(name, limit)) if limit is not None else name
    number = 0
    while short.lower() in taken:
        number += 1
        suffix = f"_{number}"
        stem = cut(name, limit - len(suffix)) if limit is not None else name
        short = str(stem) + suffix
    return short
