"""Field rules an export carries: a GeoPackage's coded values and ranges, or a note.

A layer read from a GeoPackage keeps the file's rules (``frame.attrs
["field_rules"]``, io.gpkg_rules). A GeoPackage export writes them again,
under the names the fields have in the new file. A rule the exported values
break is left out, and said (the field and a value): the new file never
declares codes its own data does not follow, which a reader that trusts the
file's domains (a QGIS value map, a validation) would misread; the analyst
can correct the values and export again. Defaults are not
written (they belong to the table's definition, and the frame writer,
pyogrio's ``write_dataframe``, has no way to declare one), and the other
formats have no rules at all: either is said, once, naming the fields.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from mapdesk.core.editing.rules import check_rule
from mapdesk.core.editing.values import AttributeValueError
from mapdesk.export.plan import ExportPlan


def check_field_rules(
    plan: ExportPlan, frame: gpd.GeoDataFrame, rules: Mapping[str, Mapping[str, Any]]
) -> None:
    """Record in ``plan`` the rules the file gets, and note those it does not."""
    fields = [
        name
        for name in frame.columns
        if name != frame.geometry.name and _known(rules.get(name, {})) and name not in plan.dropped
    ]
    checked = [name for name in fields if rules[name].get("codes") or rules[name].get("range")]
    if plan.target.suffix != ".gpkg":
        if fields:
            plan.note(
                None,
                f"{plan.target.label} has no coded values, ranges or defaults: the rules of "
                f"{_listed(fields)} are not carried (the values themselves are)",
            )
        return
    for name in checked:
        broken = _breaking(frame[name], rules[name])
        if broken:
            count, example = broken
            plan.note(
                name,
                f"'{name}': {count} value{'s' if count != 1 else ''} outside its "
                f"{_kind(rules[name])} (e.g. {example!r}): that rule is left out of the file",
            )
        else:
            plan.field_rules[plan.renames.get(name, name)] = dict(rules[name])
    defaulted = [name for name in fields if "default" in rules[name]]
    if defaulted:
        plan.note(
            None,
            f"the defaults of {_listed(defaulted)} are not written to the new GeoPackage "
            "(its coded values and ranges are)",
        )


def _known(rule: Mapping[str, Any]) -> bool:
    """True for a rule mapdesk follows (codes, a range or a default)."""
    return bool(rule.get("codes") or rule.get("range") or "default" in rule)


def _kind(rule: Mapping[str, Any]) -> str:
    return "coded values" if rule.get("codes") else "range"


def _breaking(values: pd.Series[Any], rule: Mapping[str, Any]) -> tuple[int, Any] | None:
    """How many values break ``rule``, and the first of them (None: all keep it)."""
    verdicts: dict[Any, bool] = {}  # each distinct value checked once
    count, first = 0, None
    for value in values.dropna():
        key = value if isinstance(value, Hashable) else repr(value)
        if key not in verdicts:
            verdicts[key] = _breaks(value, rule)
        if verdicts[key]:
            first = value if count == 0 else first
            count += 1
    return (count, first) if count else None


def _breaks(value: Any, rule: Mapping[str, Any]) -> bool:
    try:
        check_rule("", "", value, rule)
    except AttributeValueError:
        return True
    return False


def _listed(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)
