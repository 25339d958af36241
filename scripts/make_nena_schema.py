"""Write mapdesk's NENA v3 definition (``mapdesk/resources/nena/nena_v3.json``) from NENA's yaml.

``python scripts/make_nena_schema.py [NENA_YAML] [-o OUT.json]``

NENA publishes the NG9-1-1 GIS data model (NENA-STA-006.3-2026) as a yaml file
(NENA911/NG911GISDataModel, ``flatfile_templates/schema/v3.0``; Apache-2.0).
Users never have it, so mapdesk ships a compact JSON of the facts it needs:
every layer with its fields (name, alias, type, length, required, domain,
default), every domain (coded values with their labels, or a range) and the
"GIS Data Layers" registry of layer indicators used in NGUIDs. Descriptions
and metadata are left out.

The output is deterministic: NENA's order for layers, fields and coded
values, fixed indentation, a trailing newline and the yaml's SHA-256, so a
rerun on the same yaml gives the same bytes.

PyYAML is needed only here (and by the test that checks the shipped file),
never at run time: the ``dev`` extra installs it, so run this with the
project's venv (``.venv/bin/python scripts/make_nena_schema.py NENA.yaml``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_YAML = Path("/work/shared/reference/nena_v3.yaml")
DEFAULT_OUT = REPO / "mapdesk" / "resources" / "nena" / "nena_v3.json"

SOURCE = {
    "standard": "NENA-STA-006.3-2026, NENA Standard for NG9-1-1 GIS Data Model",
    "repository": "https://github.com/NENA911/NG911GISDataModel",
    "path": "flatfile_templates/schema/v3.0 (NENA's schema yaml)",
    "licence": "Apache-2.0",
    "copyright": "National Emergency Number Association (NENA)",
    "changes": "converted to JSON by mapdesk's scripts/make_nena_schema.py; "
    "descriptions, metadata and section numbers left out",
}
FIELD_TYPES = {"TEXT", "INTEGER", "REAL", "DATETIME"}
GEOMETRIES = {"POINT", "POLYLINE", "POLYGON"}


def build(document: dict[str, Any], sha256: str) -> dict[str, Any]:
    """The JSON definition from the parsed yaml; raises ValueError on a shape it does not know."""
    domains = {d["domain_name"]: _domain(d) for d in document["domains"]}
    indicators = {
        entry["layer_name"]: entry["layer_indicator"]
        for entry in document["gis_data_layers_registry"]
    }
    layers = [_layer(fc, domains, indicators) for fc in document["feature_classes"]]
    names = [layer["name"] for layer in layers]
    if len(set(names)) != len(names):
        raise ValueError(f"a layer is defined twice: {names}")
    return {
        "format": 1,
        "source": {**SOURCE, "sha256": sha256},
        "layers": layers,
        "domains": domains,
        "layer_indicators": indicators,
    }


def _domain(domain: dict[str, Any]) -> dict[str, Any]:
    kind, values = domain["domain_type"], domain.get("values")
    if domain["field_type"] not in FIELD_TYPES:
        raise ValueError(f"domain {domain['domain_name']}: type {domain['field_type']}")
    out: dict[str, Any] = {"type": domain["field_type"]}
    if kind == "RANGE":
        out["range"] = [values["min"], values["max"]]
    elif kind == "CODED":
        # An empty coded domain (AgencyID, PostalCode...) is one NENA leaves to
        # each authority: no values to check against.
        out["values"] = [[str(code), str(label)] for code, label in (values or {}).items()]
    else:
        raise ValueError(f"domain {domain['domain_name']}: kind {kind}")
    return out


def _layer(
    fc: dict[str, Any], domains: dict[str, Any], indicators: dict[str, str]
) -> dict[str, Any]:
    name = fc["name"]
    if fc["geometry_type"] not in GEOMETRIES:
        raise ValueError(f"{name}: geometry {fc['geometry_type']}")
    layer: dict[str, Any] = {
        "name": name,
        "alias": fc["alias"],
        "geometry": fc["geometry_type"],
        "has_z": bool(fc["has_z"]),
        "indicator": _indicator(name, indicators),
        "fields": [_field(name, f, domains) for f in fc["fields"]],
    }
    removals = {k: list(v) for k, v in (fc.get("country_specific_field_removals") or {}).items()}
    if any(removals.values()):
        layer["country_removals"] = removals
    return layer


def _indicator(name: str, indicators: dict[str, str]) -> str | None:
    """The layer's NGUID indicator: the registry names A1-A5 'A1Polygon'... like the layers."""
    return indicators.get(name)


def _field(layer: str, field: dict[str, Any], domains: dict[str, Any]) -> dict[str, Any]:
    kind = field["field_type"]
    if kind not in FIELD_TYPES:
        raise ValueError(f"{layer}.{field['field_name']}: type {kind}")
    if bool(field["field_is_required"]) == bool(field["field_is_nullable"]):
        raise ValueError(f"{layer}.{field['field_name']}: required and nullable disagree")
    out: dict[str, Any] = {
        "name": field["field_name"],
        "alias": field["field_alias"],
        "type": kind,
        "required": bool(field["field_is_required"]),
    }
    for key, source in (("length", "field_length"), ("precision", "field_precision")):
        if field.get(source) is not None:
            out[key] = int(field[source])
    if field.get("field_scale") is not None:
        out["scale"] = int(field["field_scale"])
    if field.get("field_domain"):
        if field["field_domain"] not in domains:
            raise ValueError(f"{layer}.{field['field_name']}: no domain {field['field_domain']}")
        out["domain"] = field["field_domain"]
    if field.get("field_default"):
        out["default"] = field["field_default"]
    return out


def dump(value: Any, indent: str = "") -> str:
    """JSON with one field, domain value or short list per line: small, and diffs stay readable."""
    compact = json.dumps(value, ensure_ascii=False)
    if len(indent) + len(compact) <= 120 or not isinstance(value, dict | list):
        return compact
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dump(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return "[\n" + ",\n".join(inner + dump(v, inner) for v in value) + "\n" + indent + "]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("yaml", nargs="?", type=Path, default=DEFAULT_YAML)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        import yaml
    except ImportError:
        print("PyYAML is needed: pip install -e '.[dev]' (or pip install pyyaml)", file=sys.stderr)
        return 2
    raw = args.yaml.read_bytes()
    document = yaml.safe_load(raw)
    definition = build(document, hashlib.sha256(raw).hexdigest())
    text = dump(definition) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"Wrote {args.output} ({len(definition['layers'])} layers, {len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
