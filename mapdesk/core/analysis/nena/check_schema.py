"""Schema checks: required layers and fields are there, required fields have values.

``schema.missing_layer``, ``schema.missing_field``, ``value.required_null``.
"""

from __future__ import annotations

import numpy as np

from mapdesk.core.analysis.nena.context import Draft, ValidationContext
from mapdesk.core.analysis.nena.layer_roles import NAME_PATTERNS, REQUIRED_LAYERS, SERVICE_URNS


def missing_layers(ctx: ValidationContext) -> list[Draft]:
    """``schema.missing_layer``: each NENA layer every provider must have, and no layer plays."""
    return [
        Draft("schema.missing_layer", role, None, None, _missing_layer_message(role))
        for role in REQUIRED_LAYERS
        if role not in ctx.layers
    ]


def _missing_layer_message(role: str) -> str:
    looked = [f"a layer named {role}"]
    if role in SERVICE_URNS:
        looked.append(f"one whose ServiceURN is {SERVICE_URNS[role]}")
    if role in NAME_PATTERNS:
        looked.append("one named like it")
    return (
        f"No {role} layer: NENA requires one (looked for {', '.join(looked)}); "
        "if the data has it under another name, say which layer it is"
    )


def missing_fields(ctx: ValidationContext) -> list[Draft]:
    """``schema.missing_field``: each required field of a layer that the layer lacks.

    A field there only under its v2 name (``Inc_Muni`` for ``A3``) is still
    missing, but the message says so; the other checks read the v2 field.
    """
    out = []
    for layer in ctx.layers.values():
        for spec in layer.spec.fields_for(ctx.options.country):
            if not spec.required:
                continue
            column = layer.columns.get(spec.name)
            if column is not None and column.lower() == spec.name.lower():
                continue
            hint = f" (it has the v2 field {column}: rename it {spec.name})" if column else ""
            message = f"{layer.name} ({layer.role}) has no field {spec.name}, which NENA requires"
            out.append(Draft("schema.missing_field", layer.name, None, None, message + hint))
    return out


def required_nulls(ctx: ValidationContext) -> list[Draft]:
    """``value.required_null``: a required field without a value (none, or blank text)."""
    out = []
    for layer in ctx.layers.values():
        for spec in layer.spec.fields_for(ctx.options.country):
            values = layer.values(spec.name) if spec.required else None
            if values is None:
                continue
            empty = np.flatnonzero(layer.texts(spec.name) == "")
            problems = [f"required {spec.name} has no value"] * len(empty)
            out += ctx.drafts("value.required_null", layer, empty, problems)
    return out
