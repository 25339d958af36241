"""``save_one_edit_s``: commit one attribute edit to the parcels GeoPackage.

The app's own path: load the layer, start editing, change one value (not
timed), then ``commit_changes`` (timed): one SQLite transaction writing one
row with ``synchronous=FULL``. Timed on a copy of the 200,000-parcel file and on
a copy holding a tenth of it, to show the time does not grow with the layer.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyogrio

#: The text field edited (PERFORMANCE.md's parcels have it).
EDITED_FIELD = "land_use"


def save_one_edit_s(parcels: Path, runs: int, fraction: float = 1.0) -> float:
    """Median seconds of one commit, on a copy of ``parcels`` (or of its first ``fraction``)."""
    import mapdesk  # noqa: F401  (registers the edit writer)
    from mapdesk.io.loader import load_layer

    # The copy sits next to the data, so it is on the same disk as a user's file.
    with tempfile.TemporaryDirectory(dir=parcels.parent, prefix=".save-edit-") as folder:
        target = Path(folder) / parcels.name
        if fraction >= 1.0:
            shutil.copy(parcels, target)
        else:
            count = int(pyogrio.read_info(parcels)["features"] * fraction)
            frame = pyogrio.read_dataframe(parcels, max_features=count)
            pyogrio.write_dataframe(frame, target, layer="parcels")
        layer = load_layer(str(target), None)
        layer.start_editing()
        fids = layer.data.index
        times = []
        for run in range(runs + 1):  # the first is a warm-up
            fid = fids[(run * 7919) % len(fids)]
            layer.change_attribute_value(fid, EDITED_FIELD, f"Edited {run}")
            started = time.perf_counter()
            layer.commit_changes()
            times.append(time.perf_counter() - started)
        return statistics.median(times[1:])
