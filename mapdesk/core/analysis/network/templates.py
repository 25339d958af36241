"""Templates for new network assets: the values one kind of asset always gets.

Digitising a handhole or a 144-strand cable means typing the same type,
model, strand count, owner and status every time; a template fills them in
one choice, the way QGIS's feature templates (and Esri's) do. New assets
start ``planned`` and owned by the City: a drawn asset is a design until
someone changes it to ``active``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mapdesk.core.analysis.network.assets import AssetKind
from mapdesk.core.editing.rules import check_rule
from mapdesk.core.editing.values import AttributeValueError

DEFAULT_STATUS = "planned"
DEFAULT_OWNER = "City of Portland"


@dataclass(frozen=True)
class AssetTemplate:
    """A named set of values for a new asset of one layer kind.

    Attributes
    ----------
    name
        What the template list shows (``"Handhole"``).
    kind
        The layer it is for: ``"node"`` or ``"span"``.
    values
        Field -> value; a value of None clears the field.
    """

    name: str
    kind: AssetKind
    values: Mapping[str, Any]


def _template(name: str, kind: AssetKind, **values: Any) -> AssetTemplate:
    filled = {"status": DEFAULT_STATUS, "owner": DEFAULT_OWNER, **values}
    return AssetTemplate(name, kind, MappingProxyType(filled))


#: The built-in templates, nodes then spans; models are the city's standard kit.
TEMPLATES: tuple[AssetTemplate, ...] = (
    _template("Handhole", "node", type="handhole", model="Quazite PG1730 handhole"),
    _template(
        "Splice closure", "node", type="splice_closure", model="CommScope FOSC 450-D closure"
    ),
    _template("Switch", "node", type="switch", model="Cisco Catalyst 9300-48P"),
    _template("Router", "node", type="router", model="Cisco ISR 4451-X"),
    _template("Camera", "node", type="camera", model="Axis Q6135-LE PTZ"),
    _template("Radio tower", "node", type="tower", model=None),
    _template("City site", "node", type="site", model=None),
    _template("Fibre cable 144 strands", "span", type="fibre_cable", strand_count=144),
    _template("Fibre cable 48 strands", "span", type="fibre_cable", strand_count=48),
    _template("Fibre cable 24 strands", "span", type="fibre_cable", strand_count=24),
    _template("Fibre drop 12 strands", "span", type="fibre_cable", strand_count=12),
    _template("Conduit", "span", type="conduit", strand_count=None),
    _template("Microwave link", "span", type="microwave_link", strand_count=None),
)


def templates_for(
    kind: AssetKind, rules: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[AssetTemplate, ...]:
    """The templates for a layer of ``kind`` whose values its own rules allow.

    Parameters
    ----------
    kind
        ``"node"`` or ``"span"``.
    rules
        The layer's field rules (``frame.attrs["field_rules"]``): a file that
        declares its own codes (for ``type`` or ``status``) or ranges (for
        ``strand_count``) gets only the templates whose values they allow.
    """
    rules = rules or {}
    return tuple(
        template
        for template in TEMPLATES
        if template.kind == kind and _allowed(template.values, rules)
    )


def _allowed(values: Mapping[str, Any], rules: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether every value passes the file's codes and ranges, as the form checks them on OK."""
    for name, value in values.items():
        rule = rules.get(name)
        if value is None or not rule:
            continue
        try:
            check_rule("", name, value, rule)
        except AttributeValueError:
            return False
    return True


def template_named(name: str, kind: AssetKind) -> AssetTemplate | None:
    """The built-in template called ``name`` for ``kind`` (None: no such one)."""
    return next((t for t in TEMPLATES if t.name == name and t.kind == kind), None)
