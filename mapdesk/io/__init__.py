"""Reading vector files: GeoPackage, Shapefile (zipped too), GeoJSON, KML, CSV...

Qt-free. The core model and the UI call only what is exported here::

    from mapdesk.io import list_layers, read_layer

    for info in list_layers("zoning.zip"):
        print(info.name, info.feature_count, info.crs)
    result = read_layer("zoning.zip")
    result.frame, result.source, result.warnings
"""

from mapdesk.io.csv_layout import CsvLayout, detect_csv_layout
from mapdesk.io.registry import (
    describe,
    is_supported_path,
    list_layers,
    read_layer,
    supported_file_filter,
)
from mapdesk.io.sources import LayerInfo, LayerRead, Source

__all__ = [
    "CsvLayout",
    "LayerInfo",
    "LayerRead",
    "Source",
    "describe",
    "detect_csv_layout",
    "is_supported_path",
    "list_layers",
    "read_layer",
    "supported_file_filter",
]
