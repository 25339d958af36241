"""Several editors on one PostGIS table: random edits and saves never overwrite silently.

Three clients load the same table and edit, delete, add, save, resolve
conflicts and refresh in random interleavings (1,000+ steps in all). Each save
is checked against the database as it was just before it:

* a save that succeeds wrote exactly the client's edits, and only to features
  that nobody else had saved since the client read them (or that they had
  saved with the very values the client meant); every other row is untouched;
* a save that fails with conflicts wrote nothing, kept the client's edits, and
  listed exactly the features others changed or deleted in between.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import geopandas as gpd
import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)
from psycopg import sql

from mapdesk.core.editing.conflicts import EditConflict, SaveConflictError, Side, resolve_conflicts
from mapdesk.core.editing.values import is_missing
from mapdesk.core.layer import VectorLayer
from mapdesk.io.loader import load_layer
from mapdesk.io.registry import read_layer
from tests.io.postgis.edit_tables import create_edit_table
from tests.io.postgis.server import ThrowAwayServer
from tests.support.reliability import record

pytestmark = [pytest.mark.postgis, pytest.mark.reliability]

CLIENTS = 3
Row = tuple[Any, Any, float, float]
Model = dict[int, Row]

owners = st.sampled_from(["Portland Water", "City", "Casco Bay", None])
units = st.one_of(st.none(), st.integers(0, 3))
coordinates = st.integers(0, 3).map(float)
clients = st.integers(0, CLIENTS - 1)
picks = st.integers(0, 1000)
#: How many features the edits are drawn among (the table starts with six).
_CONTESTED = 4


def _plain(value: Any) -> Any:
    if is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _model(frame: gpd.GeoDataFrame) -> Model:
    return {
        int(fid): (
            _plain(row["owner"]),
            None if is_missing(row["units"]) else int(row["units"]),
            float(row.geometry.x),
            float(row.geometry.y),
        )
        for fid, row in frame.iterrows()
    }


class SharedTableMachine(RuleBasedStateMachine):
    """The clients, the table, and the checks of every save."""

    uri: ClassVar[str]
    admin: ClassVar[psycopg.Connection[Any]]
    table: ClassVar[sql.Composable]
    start: ClassVar[sql.Composable]
    steps: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.clients: list[VectorLayer] = []
        self.conflicts: dict[int, tuple[EditConflict, ...]] = {}

    @initialize()
    def load(self) -> None:
        # Every example starts from the same rows: an example that replays
        # (hypothesis shrinking a failure) then sees the table it first saw,
        # and a failure is reproducible instead of "flaky".
        self.admin.execute(
            sql.SQL("TRUNCATE {table}; INSERT INTO {table} SELECT * FROM {start}").format(
                table=self.table, start=self.start
            )
        )
        # One read for all: the clients load the same rows at the same moment.
        first = load_layer(self.uri, None)
        for n in range(CLIENTS):
            layer = first if n == 0 else VectorLayer(first.data.copy(), "edits", first.origin)
            layer.start_editing()
            self.clients.append(layer)

    def _database(self) -> Model:
        query = sql.SQL(
            "SELECT asset_id, owner, units, ST_X(geom), ST_Y(geom) FROM {} ORDER BY asset_id"
        ).format(self.table)
        rows = self.admin.execute(query).fetchall()
        return {r[0]: (r[1], r[2], float(r[3]), float(r[4])) for r in rows}

    def _fid(self, client: int, pick: int) -> int | None:
        # Among the first few features only: editors then meet on the same
        # features often, in any sequence hypothesis draws, however many are added.
        fids = sorted(self.clients[client].data.index)[:_CONTESTED]
        return int(fids[pick % len(fids)]) if fids else None

    def _count(self, what: str) -> None:
        type(self).steps[what] += 1

    # --- edits ---------------------------------------------------------------------
    @rule(client=clients, pick=picks, owner=owners, count=units)
    def edit(self, client: int, pick: int, owner: Any, count: Any) -> None:
        self._count("edit")
        fid = self._fid(client, pick)
        if fid is not None:
            self.clients[client].change_attribute_value(fid, "owner", owner)
            self.clients[client].change_attribute_value(fid, "units", count)

    @rule(client=clients, pick=picks, x=coordinates, y=coordinates)
    def move(self, client: int, pick: int, x: float, y: float) -> None:
        self._count("move")
        fid = self._fid(client, pick)
        if fid is not None:
            self.clients[client].change_geometry(fid, f"POINT ({x} {y})")

    @rule(client=clients, pick=picks)
    def delete(self, client: int, pick: int) -> None:
        self._count("delete")
        fid = self._fid(client, pick)
        if fid is not None:
            self.clients[client].delete_feature(fid)

    @rule(client=clients, owner=owners, x=coordinates)
    def add(self, client: int, owner: Any, x: float) -> None:
        self._count("add")
        self.clients[client].add_feature(f"POINT ({x} 0)", {"owner": owner, "units": 1})

    # --- saving, resolving, refreshing --------------------------------------------------
    @rule(client=clients)
    def save(self, client: int) -> None:
        self._count("save")
        layer = self.clients[client]
        session = layer.edit_session
        assert session is not None
        base, mine = _model(session.base), _model(session.current)
        changed = {f for f in base.keys() & mine.keys() if base[f] != mine[f]}
        deleted = base.keys() - mine.keys()
        added = [mine[f] for f in mine.keys() - base.keys()]
        before = self._database()
        # What someone else saved since this client read it (and not to my values).
        theirs = {
            f
            for f in changed | deleted
            if before.get(f) != base[f] and before.get(f) != mine.get(f)
        }
        try:
            layer.commit_changes()
        except SaveConflictError as error:
            self._count("conflicted save")
            assert self._database() == before, "a save with conflicts wrote something"
            assert _model(session.current) == mine and layer.is_modified, "edits were lost"
            assert {c.fid for c in error.conflicts} == theirs
            self.conflicts[client] = error.conflicts
            return
        assert not theirs, f"features {sorted(theirs)} of others were silently overwritten"
        after = self._database()
        expected = {f: row for f, row in before.items() if f not in deleted}
        expected.update({f: mine[f] for f in changed})
        inserted = {f: row for f, row in after.items() if f not in before}
        assert Counter(inserted.values()) == Counter(added)
        expected.update(inserted)
        assert after == expected, "the save wrote something other than the edits"
        self.conflicts.pop(client, None)

    @rule(client=clients, keep_mine=st.booleans())
    def resolve(self, client: int, keep_mine: bool) -> None:
        self._count("resolve")
        conflicts = self.conflicts.pop(client, ())
        session = self.clients[client].edit_session
        if conflicts and session is not None:
            side = Side.MINE if keep_mine else Side.THEIRS
            resolve_conflicts(session, conflicts, {c.fid: side for c in conflicts})

    @rule(client=clients, often=st.integers(0, 3))
    def refresh(self, client: int, often: int) -> None:
        if often:  # a reload costs a round of catalog queries: one draw in four does it
            return
        self._count("refresh")
        layer = self.clients[client]
        layer.rollback()
        layer.reload(read_layer(self.uri).frame)
        self.conflicts.pop(client, None)
        assert _model(layer.data) == self._database()


@pytest.fixture
def shared_table(
    postgis_server: ThrowAwayServer, city_uri: Any, analyst_password: str
) -> tuple[str, str]:
    name = create_edit_table(postgis_server, rows=6)
    return str(city_uri(name)), name


def test_editors_never_overwrite_each_other_silently(
    postgis_server: ThrowAwayServer, shared_table: tuple[str, str]
) -> None:
    uri, name = shared_table
    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as admin:
        SharedTableMachine.uri = uri
        SharedTableMachine.admin = admin
        SharedTableMachine.table = sql.Identifier(*name.split("."))
        start = sql.Identifier(f"{name.split('.')[-1]}_start")
        admin.execute(
            sql.SQL("CREATE TEMP TABLE {} AS SELECT * FROM {}").format(
                start, SharedTableMachine.table
            )
        )
        SharedTableMachine.start = start
        SharedTableMachine.steps = Counter()
        run_state_machine_as_test(
            SharedTableMachine,
            settings=settings(
                max_examples=32,  # about 1,200 steps: how many an example takes varies
                stateful_step_count=50,
                derandomize=True,
                database=None,  # no examples saved from other runs: the same steps everywhere
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    steps = SharedTableMachine.steps
    print(dict(steps))
    # Every step was checked against the database inside the machine: reaching
    # here means no save overwrote another editor's change unseen.
    record(
        14,
        "three editors, random edits and saves",
        inputs=sum(steps.values()),
        lost_edits=0,
        conflicted_saves=steps["conflicted save"],
        saves=steps["save"],
    )
    assert sum(steps.values()) - steps["conflicted save"] >= 1000
    # Conflicts, deletes and inserts really happened, and were checked.
    assert steps["conflicted save"] >= 5 and steps["delete"] and steps["add"]
