"""The binary COPY read: every type with NULLs, infinities, order, and stopping early."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from mapdesk.io.postgis import PostgisUri
from mapdesk.io.postgis.connection import connect
from mapdesk.io.postgis.reader import find_table, plan_read, read_batches, read_frame
from mapdesk.io.registry import read_layer

pytestmark = pytest.mark.postgis


def test_every_type_and_its_nulls_arrive_in_key_order(every_type: str) -> None:
    frame = read_layer(every_type).frame
    assert frame.index.tolist() == [1, 2, 3]
    assert frame["small"].iloc[1:].tolist() == [-1, 7] and np.isnan(frame["small"].iloc[0])
    assert frame["big"].iloc[2] == 9_000_000_000
    assert frame["single"].tolist()[1:] == [-0.25, 1.5]
    assert frame["flag"].tolist() == [None, False, True]
    assert frame["day"].tolist()[1:] == [pd.Timestamp("1999-12-31"), pd.Timestamp("2024-02-29")]
    assert pd.isna(frame["day"].iloc[0])
    assert frame["stamp"].iloc[1] == pd.Timestamp("1970-01-01 00:00:01")
    assert pd.isna(frame["stamp"].iloc[2])  # infinity: pandas cannot hold it
    assert frame["label"].tolist()[1:] == ["", "é ünïcode"] and pd.isna(frame["label"].iloc[0])
    assert frame["code"].iloc[2] == "ab "
    assert frame["tags"].iloc[2] == "{a,b}"  # arrays arrive as their text
    assert frame.geometry.iloc[0] is None and frame.geometry.iloc[1].is_empty
    assert (frame.geometry.iloc[2].x, frame.geometry.iloc[2].y) == (1.0, 2.0)


def test_stopping_a_stream_early_leaves_the_session_usable(
    city_uri: Any, analyst_password: str
) -> None:
    uri = PostgisUri.parse(city_uri("public.address_points"))
    with connect(uri.connection) as conn:
        plan = plan_read(conn, find_table(conn, uri))
        batches = read_batches(conn, plan, batch_rows=500)
        assert len(next(batches)) == 500
        batches.close()  # a Cancel
        assert len(read_frame(conn, plan)) == 5_000
