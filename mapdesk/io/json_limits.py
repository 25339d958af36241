"""GDAL's size and depth limits on GeoJSON, said in words a GIS analyst can act on.

GDAL's GeoJSON reader streams the file and refuses three things outright
(RELIABILITY.md, row 9): one feature (or the whole file, when it is a single
object) larger than ``OGR_GEOJSON_MAX_OBJ_SIZE`` MB (200 by default), one
text value of 10,000,000 characters or more, and objects or arrays nested
more than 1,024 deep. Its own messages are terse, and for the long text
misleading ("Too many characters in number"); :func:`explain_json_limit`
turns each into a message that names the file, the limit and what to do.
"""

from __future__ import annotations

import json
import os
import re

import pandas as pd

from mapdesk.core.errors import DataSourceError

#: GDAL's configuration option (an environment variable) for the largest object, in MB.
MAX_OBJECT_ENV = "OGR_GEOJSON_MAX_OBJ_SIZE"
#: Its default in GDAL 3.x.
DEFAULT_MAX_OBJECT_MB = 200
#: The longest text value GDAL's streaming JSON parser accepts, fixed in GDAL.
MAX_TEXT_CHARS = 10_000_000

_WHERE = re.compile(r"at line (\d+), character (\d+)")


def max_object_mb() -> str:
    """The object-size limit GDAL applies now, as the user would set it."""
    setting = os.environ.get(MAX_OBJECT_ENV, "").strip()
    return setting or str(DEFAULT_MAX_OBJECT_MB)


def explain_json_limit(text: str, name: str) -> DataSourceError | None:
    """The error for GDAL's message ``text`` when it is a GeoJSON limit, else None.

    Parameters
    ----------
    text : str
        GDAL's message, as pyogrio raised it.
    name : str
        The file name to start the message with.
    """
    lower = text.lower()
    found = _WHERE.search(lower)
    where = f" (at character {int(found.group(2)):,})" if found else ""
    if "geojson object too complex/large" in lower:
        return DataSourceError(
            f"{name}: a feature in this GeoJSON file is larger than the {max_object_mb()} MB "
            f"GDAL reads as one object{where}. Split the file, or set the environment "
            f"variable {MAX_OBJECT_ENV} to a larger size in MB and start mapdesk again"
        )
    if "too many characters in number" in lower or "too many characters in string" in lower:
        return DataSourceError(
            f"{name}: a value in this file is {MAX_TEXT_CHARS:,} characters long or "
            f"longer{where}, more than GDAL reads as one value. Shorten that value "
            "(or move it to a separate file) and open the file again"
        )
    if "too many nested objects" in lower:
        return DataSourceError(
            f"{name}: a property holds objects or arrays nested deeper than GDAL reads "
            f"(1,024 levels){where}. Flatten that property and open the file again"
        )
    return None


#: Deepest nesting a JSON property is turned into Python dicts and lists for.
#: Deeper values stay JSON text: Python's json and pickle recurse once per
#: level and fail near 1,000 (pickle, which carries a layer out of the reader
#: process, already near 500), and no attribute a person reads is nested 100 deep.
MAX_PROPERTY_DEPTH = 100


def parse_property(text: str) -> object:
    """A JSON property value as Python objects, refusing values nested too deeply.

    Raises
    ------
    ValueError
        When ``text`` is not JSON, or nests objects and arrays deeper than
        :data:`MAX_PROPERTY_DEPTH` (the caller then keeps the column as text).
    """
    if text.count("{") + text.count("[") > MAX_PROPERTY_DEPTH and _depth(text) > MAX_PROPERTY_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_PROPERTY_DEPTH} levels")
    return json.loads(text)


def _depth(text: str) -> int:
    """How deep objects and arrays nest in JSON ``text`` (brackets in strings ignored)."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "}]":
            depth -= 1
    return deepest


def deep_values_as_text(frame: pd.DataFrame) -> None:
    """Turn dict and list values nested deeper than :data:`MAX_PROPERTY_DEPTH` into JSON text.

    For readers that parse JSON properties themselves (pyogrio's
    ``read_dataframe``): a value 500 levels deep parses, but cannot be
    pickled out of the reader process. Shallower values are left as they are.
    """
    for name in frame.columns:
        if frame[name].dtype != object:
            continue
        values = frame[name].tolist()
        deep = [
            i
            for i, value in enumerate(values)
            if isinstance(value, dict | list) and _value_depth(value) > MAX_PROPERTY_DEPTH
        ]
        for i in deep:
            values[i] = json.dumps(values[i], ensure_ascii=False)
        if deep:
            frame[name] = pd.Series(values, index=frame.index, dtype=object)


def _value_depth(value: object) -> int:
    """How deep dicts and lists nest in ``value``, without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        deepest = max(deepest, depth)
        if deepest > MAX_PROPERTY_DEPTH:
            return deepest
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))  # type: ignore[attr-defined]
    return deepest
