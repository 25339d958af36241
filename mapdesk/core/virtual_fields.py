"""Virtual fields: columns computed from an expression (the field calculator's output).

A virtual field lives with the layer, not in its file: it is a column of the
layer's data for the table, identify, styles, labels and expressions, it is
saved in the project as its expression and computed again on opening, and
edits committed to the file leave it out. Updating stored fields needs edit
mode, with undo, which the editing work provides.
"""

from __future__ import annotations

import re

import pandas as pd

from mapdesk.core.errors import MapdeskError
from mapdesk.core.expression import evaluate
from mapdesk.core.layer import VectorLayer

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ]{0,62}$")


def check_field_name(layer: VectorLayer, name: str) -> str:
    """``name`` stripped, if it can be a new field of ``layer``.

    Raises
    ------
    MapdeskError
        If it is empty, has characters a GeoPackage or shapefile would refuse,
        or is taken (case-insensitively, as GIS formats compare field names).
    """
    clean = str(name).strip()
    if not _NAME.match(clean):
        raise MapdeskError(
            f"'{name}' cannot be a field name: use letters, digits, spaces and _, "
            "starting with a letter, at most 63 characters"
        )
    taken = {str(c).lower() for c in layer.data.columns}
    if clean.lower() in taken:
        raise MapdeskError(f'Layer "{layer.name}" already has a field "{clean}"')
    return clean


def add_virtual_field(layer: VectorLayer, name: str, expression: str) -> pd.Series:
    """Compute ``expression`` for every feature into a new field ``name``; its values.

    Raises
    ------
    MapdeskError
        For a bad name; ExpressionError (a MapdeskError) for a bad expression.
        The layer is unchanged in both cases.
    """
    clean = check_field_name(layer, name)
    values = evaluate(expression, layer.data)
    # Recorded first: listeners of data_changed (a save, the table) see the truth.
    layer.virtual_fields = {**layer.virtual_fields, clean: expression}
    layer.replace_data(layer.data.assign(**{clean: values}))
    return values


def update_virtual_field(layer: VectorLayer, name: str, expression: str) -> pd.Series:
    """Give the virtual field ``name`` a new expression; its new values.

    Raises
    ------
    MapdeskError
        If ``name`` is not a virtual field (stored fields are updated in edit
        mode, with undo); ExpressionError for a bad expression. The layer is
        unchanged in both cases.
    """
    if name not in layer.virtual_fields:
        raise MapdeskError(
            f'"{name}" is a stored field of layer "{layer.name}": it can be updated only in '
            "edit mode"
        )
    values = evaluate(expression, layer.data)
    layer.virtual_fields = {**layer.virtual_fields, name: expression}
    layer.replace_data(layer.data.assign(**{name: values}))
    return values


def remove_virtual_field(layer: VectorLayer, name: str) -> None:
    """Drop a virtual field (a stored field cannot be removed this way)."""
    if name not in layer.virtual_fields:
        raise MapdeskError(f'"{name}" is not a virtual field of layer "{layer.name}"')
    layer.virtual_fields = {k: v for k, v in layer.virtual_fields.items() if k != name}
    layer.replace_data(layer.data.drop(columns=[name]))


def stored_columns(layer: VectorLayer) -> list[str]:
    """The columns that come from (and go back to) the file: all but the virtual ones."""
    return [str(c) for c in layer.data.columns if c not in layer.virtual_fields]
