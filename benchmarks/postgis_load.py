"""``postgis_load_ratio``: loading the 200,000 parcels from PostGIS / from the GeoPackage.

Issue 9's target is <= 1.5: a shared table must open about as fast as a
local file. A throw-away PostgreSQL/PostGIS server is started for the
benchmark (tests/support/postgis_server.py, the tests' code), the parcels are
uploaded once with mapdesk's own upload (``mapdesk.io.postgis.upload``), and
both sides are timed through the app's loader (``mapdesk.io.loader.load_layer``),
the PostGIS side as the tests' ``analyst`` over loopback TCP with a password,
as a client of the city's server would connect. Turn about, run for run, so
both see the same drift of a shared machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.postgis_server import (  # noqa: E402  (the repo root is on sys.path above)
    ADMIN,
    ANALYST,
    DATABASE,
    ServerUnavailable,
    ThrowAwayServer,
    start_server,
)

TABLE = "public.bench_parcels"


def postgis_load_figures(
    parcels: Path, runs: int, server: ThrowAwayServer | None = None
) -> dict[str, Any]:
    """``{"ratio", "postgis_s", "gpkg_s", "upload_s"}``; a server of its own unless given.

    Raises
    ------
    ServerUnavailable
        When PostgreSQL or PostGIS is not installed (the harness reports the
        figure as not measured).
    """
    own = server is None
    running = start_server() if server is None else server
    try:
        return _measure(parcels, runs, running)
    finally:
        if own:
            running.stop()


def _measure(parcels: Path, runs: int, server: ThrowAwayServer) -> dict[str, Any]:
    import psycopg
    from psycopg import sql

    from mapdesk.io.loader import load_layer
    from mapdesk.io.postgis.upload import upload_layer

    local = load_layer(str(parcels), "parcels")
    socket = quote(str(server.folder), safe="")
    admin_uri = f"postgresql://{ADMIN}@{socket}:{server.port}/{DATABASE}?table={TABLE}"
    started = time.perf_counter()
    upload_layer(local.data, admin_uri, replace=True, layer_name="parcels")
    upload_s = time.perf_counter() - started
    with psycopg.connect(**server.admin_settings(), autocommit=True) as conn:
        table = sql.Identifier(*TABLE.split("."))
        conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(table, sql.Identifier(ANALYST)))
        # A shared table in use has been vacuumed: without this, autovacuum's first
        # pass over the 200,000 new rows ran during the timed loads.
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(table))
    reader_uri = (
        f"postgresql://{ANALYST}:{quote(server.password, safe='')}@127.0.0.1:{server.port}/"
        f"{DATABASE}?table={TABLE}"
    )
    loaded = load_layer(reader_uri, None)  # warm-up, and the check that both hold the same
    if len(loaded.data) != len(local.data):
        raise RuntimeError(f"PostGIS gave {len(loaded.data)} parcels, the file {len(local.data)}")
    load_layer(str(parcels), "parcels")
    pg_times, file_times = [], []
    for _ in range(max(runs, 1)):
        pg_times.append(_seconds(lambda: load_layer(reader_uri, None)))
        file_times.append(_seconds(lambda: load_layer(str(parcels), "parcels")))
    postgis_s, gpkg_s = statistics.median(pg_times), statistics.median(file_times)
    return {
        "ratio": round(postgis_s / gpkg_s, 4),
        "postgis_s": round(postgis_s, 6),
        "gpkg_s": round(gpkg_s, 6),
        "upload_s": round(upload_s, 6),
    }


def _seconds(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> int:
    """``python benchmarks/postgis_load.py PARCELS.gpkg [RUNS]``: print the figures."""
    import json

    parcels = Path(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    try:
        print(json.dumps(postgis_load_figures(parcels, runs), indent=2))
    except ServerUnavailable as exc:
        print(f"postgis_load_ratio not measured: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
