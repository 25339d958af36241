"""``mapdesk nena create`` and ``mapdesk nena import``: NENA v3 layers made and filled headless.

``create`` writes empty NENA layers with their fields and domains;
``import`` fills one from existing data through a field mapping (suggested
from names and known renames, or read from a file saved earlier). Exit
status: 0 done, 1 when source values do not fit their NENA fields (listed
with their rows; nothing written), 2 for anything else the user can fix.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from mapdesk.cli.common import progress

#: Exit status when source values do not fit their NENA fields.
EXIT_BAD_VALUES = 1


def add_nena_layer_commands(kinds: Any) -> None:
    """The ``create`` and ``import`` kinds of ``mapdesk nena``."""
    from mapdesk.core.analysis.nena import REQUIRED_LAYERS

    create = kinds.add_parser(
        "create",
        help="empty NENA v3 layers with their fields and domains, in a GeoPackage",
    )
    create.add_argument("output", help="the GeoPackage (new, or one whose other layers stay)")
    create.add_argument(
        "--layers",
        default=",".join(REQUIRED_LAYERS),
        metavar="NAMES",
        help="comma-separated NENA layers (default: the required ones; 'all' for every one)",
    )
    create.add_argument("--crs", default="EPSG:4326", help="the layers' CRS (default EPSG:4326)")
    create.add_argument("--country", choices=("US", "CA"), default="US", help="US (default) or CA")
    create.add_argument("--replace", action="store_true", help="replace those layers in the file")
    imp = kinds.add_parser(
        "import",
        help="import a layer into a NENA v3 layer through a field mapping; NGUIDs made, "
        "DateUpdate and DiscrpAgID stamped",
    )
    imp.add_argument("source", help="the data to import (GeoPackage, Shapefile, ...)")
    imp.add_argument("--source-layer", help="the source's layer, when it has several")
    imp.add_argument("--layer", required=True, help="the NENA layer (RoadCenterLine, ...)")
    imp.add_argument("-o", "--output", required=True, help="the GeoPackage written")
    imp.add_argument("--agency", required=True, help="DiscrpAgID: your agency's domain name")
    imp.add_argument("--mapping", help="a mapping file saved earlier (JSON)")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="NENA=SOURCE",
        help="fill NENA field from SOURCE field (repeatable; over the suggestion or file)",
    )
    imp.add_argument("--save-mapping", metavar="FILE", help="save the mapping used (JSON)")
    imp.add_argument("--crs", help="the CRS of a NENA layer the import creates (default: source's)")
    imp.add_argument(
        "--fix-codes",
        action="store_true",
        help="write USPS street types, one-letter directionals and codes in another case as "
        "NENA's codes ('Ave' -> 'Avenue')",
    )
    imp.add_argument("--replace", action="store_true", help="replace the NENA layer in the file")
    imp.add_argument("--country", choices=("US", "CA"), default="US", help="US (default) or CA")


def run_create(parsed: argparse.Namespace, out: TextIO) -> int:
    """Write the NENA layers asked for; say what was written."""
    from mapdesk.core.crs import crs_label, parse_crs
    from mapdesk.core.errors import LayerExistsError, MapdeskError
    from mapdesk.io.nena_gpkg import create_nena_layers, nena_layer_names

    names = [n.strip() for n in parsed.layers.split(",") if n.strip()]
    if [n.lower() for n in names] == ["all"]:
        names = nena_layer_names()
    crs = parse_crs(parsed.crs)
    path = Path(parsed.output)
    try:
        written = create_nena_layers(path, crs, names, parsed.replace, parsed.country)
    except LayerExistsError as exc:
        raise MapdeskError(f"{exc}; use --replace to replace them") from exc
    out.write(f"Created {', '.join(written)} in {path}, {crs_label(crs)}\n")
    return 0


def run_import(parsed: argparse.Namespace, out: TextIO) -> int:
    """Import the source into the NENA layer; report the count and what to know."""
    from mapdesk.core.crs import crs_label, parse_crs
    from mapdesk.io.nena_import import (
        ImportValuesError,
        NenaImportRequest,
        import_into_nena,
        read_source,
        write_mapping,
    )

    source, name = read_source(Path(parsed.source), parsed.source_layer)
    mapping = _mapping(parsed, [str(c) for c in source.columns if c != source.geometry.name])
    request = NenaImportRequest(
        target=Path(parsed.output),
        layer=mapping.layer,
        mapping=mapping,
        agency=parsed.agency.strip(),
        replace=parsed.replace,
        crs=parse_crs(parsed.crs) if parsed.crs else None,
        country=parsed.country,
        fix_codes=parsed.fix_codes,
    )
    if parsed.save_mapping:
        write_mapping(Path(parsed.save_mapping), mapping)
    try:
        result = import_into_nena(source, name, request, progress=progress)
    except ImportValuesError as exc:
        print(f"mapdesk: error: {exc}", file=sys.stderr)
        if not parsed.fix_codes and any("NENA spells it out" in str(p) for p in exc.problems):
            print(
                "mapdesk: note: --fix-codes writes USPS street types and one-letter "
                "directionals as NENA spells them",
                file=sys.stderr,
            )
        return EXIT_BAD_VALUES
    for note in result.notes:
        print(f"mapdesk: note: {note}", file=sys.stderr)
    out.write(
        f"Imported {result.count:,} feature(s) of {name} into {result.layer} in "
        f"{result.target} ({crs_label(result.crs)}); {result.generated:,} new NGUID(s)\n"
        f"Mapping: {_listed(mapping.fields)}\n"
    )
    return 0


def _mapping(parsed: argparse.Namespace, fields: list[str]) -> Any:
    from mapdesk.core.analysis.nena.field_mapping import FieldMapping, suggest_mapping
    from mapdesk.core.analysis.nena.schema import load_schema
    from mapdesk.core.errors import MapdeskError
    from mapdesk.io.nena_import import read_mapping

    try:
        spec = load_schema().layer(parsed.layer)
    except KeyError as exc:
        raise MapdeskError(str(exc.args[0])) from exc
    if parsed.mapping:
        mapping = read_mapping(Path(parsed.mapping), spec.name)
    else:
        mapping = suggest_mapping(fields, spec, parsed.country)
    chosen = dict(mapping.fields)
    for pair in parsed.map:
        nena, sep, source = pair.partition("=")
        target = spec.field(nena.strip())
        if not sep or target is None:
            raise MapdeskError(f"--map {pair!r}: write it NENA=SOURCE with a field of {spec.name}")
        if source.strip():
            chosen[target.name] = source.strip()
        else:
            chosen.pop(target.name, None)  # NENA= leaves the field empty
    return FieldMapping(spec.name, chosen)


def _listed(fields: dict[str, str] | Any) -> str:
    pairs = [f"{source}->{nena}" if source != nena else nena for nena, source in fields.items()]
    return ", ".join(pairs) or "(nothing mapped)"
