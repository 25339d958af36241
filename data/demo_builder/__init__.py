"""Builder of the deterministic, fictional "Greater Portland" demo GeoPackage.

See data/README.md; run it with `python data/make_demo.py [OUTDIR]`.
"""

from .build import CONTROL_POINTS, FILENAME, LAYER_CRS, LAYER_ORDER, build_demo, generate

__all__ = ["CONTROL_POINTS", "FILENAME", "LAYER_CRS", "LAYER_ORDER", "build_demo", "generate"]
