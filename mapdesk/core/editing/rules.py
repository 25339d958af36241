"""A GeoPackage's field rules: coded values and ranges a value must respect.

The reader records them (``frame.attrs["field_rules"]``, see io.gpkg_rules);
every edit of a field checks its value here, in the form, the table and
scripts alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mapdesk.core.editing.values import AttributeValueError


def is_code(value: Any, codes: Mapping[str, Any]) -> bool:
    """True when ``value`` is one of ``codes`` (text codes; numbers compared as numbers,
    since an INTEGER column with NULLs holds 1.0 for the code "1")."""
    if str(value) in codes:
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        numbers = set()
        for code in codes:
            try:
                numbers.add(float(code))
            except ValueError:
                continue
        return float(value) in numbers
    return False


def check_rule(layer: str, name: str, value: Any, rule: Mapping[str, Any]) -> None:
    """Refuse a value outside the field's coded values or range (the file's rules)."""
    codes = rule.get("codes")
    if codes and not is_code(value, codes):
        shown = ", ".join(list(codes)[:12]) + (" …" if len(codes) > 12 else "")
        raise AttributeValueError(f'Field "{name}" takes one of {shown}: {value!r} is not one')
    bounds = rule.get("range")
    if bounds:
        low, high, *inclusive = bounds
        low_in, high_in = [*inclusive, True, True][:2]
        try:
            below = low is not None and (value < low if low_in else value <= low)
            above = high is not None and (value > high if high_in else value >= high)
            outside = below or above
        except TypeError:
            outside = True
        if outside:
            raise AttributeValueError(
                f'Field "{name}" of layer "{layer}" takes values from {low} to {high}: '
                f"{value!r} is outside"
            )
