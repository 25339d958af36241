"""Generate the Greater Portland demo GeoPackage (fictional, deterministic).

Usage: python data/make_demo.py [OUTDIR]   (default: the data/ folder beside this script)

Writes OUTDIR/greater_portland_demo.gpkg: municipal, PSAP and police/fire/EMS boundaries,
road centrelines, address points, parcels, stations, radio towers, city sites, network
nodes and fibre spans (EPSG:26984, towers in EPSG:26919) and FixIt reports (EPSG:4326).
All geometry is generated procedurally from a fixed seed: two runs give identical bytes.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from demo_builder import build_demo  # noqa: E402

__all__ = ["build_demo", "main"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0]) if args else HERE
    path = build_demo(outdir)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    size_mb = path.stat().st_size / 1e6
    print(f"wrote {path} ({size_mb:.1f} MB, sha256 {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
