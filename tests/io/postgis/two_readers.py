"""Reading a table with both PostGIS readers, and comparing what they gave."""

from __future__ import annotations

from typing import Any

from geopandas.testing import assert_geodataframe_equal

from mapdesk.core.editing.versions import row_versions
from mapdesk.io.postgis import PostgisUri, arrow_read
from mapdesk.io.postgis.connection import connect
from mapdesk.io.postgis.reader import find_table, plan_read, read_frame


def read_by_both(uri_text: str, rows: Any = None) -> tuple[Any, Any]:
    """(the fast reader's frame, the session reader's frame); ``rows(plan)`` selects."""
    uri = PostgisUri.parse(uri_text)
    with connect(uri.connection) as conn:
        conn.read_only = True
        plan = plan_read(conn, find_table(conn, uri))
        box = rows(plan) if rows is not None else None
        return arrow_read.read_table(conn, plan, box), read_frame(conn, plan, rows=box)


def assert_same_read(fast: Any, reference: Any) -> None:
    """The frames, their dtypes, index and row versions are equal."""
    assert_geodataframe_equal(fast, reference, check_dtype=True, check_index_type=True)
    fast_versions, reference_versions = row_versions(fast), row_versions(reference)
    if reference_versions is None:
        assert fast_versions is None
    else:
        assert fast_versions is not None and dict(fast_versions) == dict(reference_versions)
