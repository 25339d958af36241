"""The city's shared-server set-up (docs/postgis-server.md), run as the guide says, used by mapdesk.

One database of its own on the session's throw-away server: the shipped
city_server.sql run twice (idempotent), people added to teams with
city_add_person.sql, the DBA's tables loaded; then mapdesk's own API as a
planner, a GIS analyst and a network technician: who may load, save and
upload what, and a pg_dump/pg_restore drill that gives back the same
features. The commands are the guide's own, read from its text.
"""

from __future__ import annotations

import hashlib
import io
import re
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import geopandas
import psycopg
import pytest
import shapely

from mapdesk.cli import main
from mapdesk.core.editing.saving import SaveError
from mapdesk.core.errors import DataSourceError
from mapdesk.core.layer import VectorLayer
from mapdesk.io.loader import load_layer
from mapdesk.io.postgis.connection import PgConnection
from mapdesk.io.postgis.passwords import KEYRING_SERVICE, keyring_key, store_password
from mapdesk.io.postgis.privileges import PrivilegeError, edit_refusal
from mapdesk.io.postgis.upload import upload_layer
from mapdesk.io.postgis.uri import PostgisUri, TableName
from tests.io.postgis.extra_database import create_database
from tests.support.postgis_fixtures import MemoryKeyring
from tests.support.postgis_server import ADMIN, ThrowAwayServer

pytestmark = pytest.mark.postgis

GUIDE = Path(__file__).parents[3] / "docs" / "postgis-server.md"
DATABASE = "city_ops"
RESTORED = "city_ops_restored"
#: The guide's commands, as it prints them; run() maps its names onto this server's.
GET_SCRIPT = "mapdesk postgis server-sql city_server > city_server.sql"
SET_UP = "psql -v ON_ERROR_STOP=1 -d city -f city_server.sql"
ADD_PLANNER = (
    "psql -v ON_ERROR_STOP=1 -d city -v login=pbrown -v team=city_planner -f city_add_person.sql"
)
ADD_ANALYST = (
    "psql -v ON_ERROR_STOP=1 -d city -v login=jsmith -v team=city_gis -f city_add_person.sql"
)
DUMP = "pg_dump -Fc -d city -f city.dump"
DUMP_GLOBALS = "pg_dumpall --globals-only -f globals.sql"
CREATE_DB = "createdb city_restore"
RESTORE = "pg_restore --exit-on-error -d city_restore city.dump"
RUN_COMMANDS = (SET_UP, ADD_PLANNER, ADD_ANALYST, DUMP, DUMP_GLOBALS, CREATE_DB, RESTORE)

PLANNER, ANALYST, TECHNICIAN = "pbrown", "jsmith", "nlee"
PASSWORDS = {PLANNER: "pw-planner-7f3a", ANALYST: "pw-analyst-81bc", TECHNICIAN: "pw-network-c40d"}

_DBA_TABLES = """
CREATE TABLE IF NOT EXISTS gis.psap_boundaries (
    gid serial PRIMARY KEY, psap text NOT NULL, agency text, geom geometry(Polygon, 26919));
CREATE TABLE IF NOT EXISTS network.towers (
    gid serial PRIMARY KEY, asset_id text UNIQUE, status text, geom geometry(Point, 26919));
INSERT INTO gis.psap_boundaries (psap, agency, geom) VALUES
    ('Portland', 'portland.me.us', ST_GeomFromText('POLYGON((398000 4830000, 402000 4830000,
        402000 4834000, 398000 4834000, 398000 4830000))', 26919)),
    ('South Portland', 'southportland.org', ST_GeomFromText('POLYGON((398000 4826000,
        402000 4826000, 402000 4830000, 398000 4830000, 398000 4826000))', 26919)),
    ('Cape Elizabeth', 'capeelizabeth.com', ST_GeomFromText('POLYGON((398000 4822000,
        402000 4822000, 402000 4826000, 398000 4826000, 398000 4822000))', 26919));
INSERT INTO network.towers (asset_id, status, geom) VALUES
    ('TWR-001', 'active', ST_SetSRID(ST_MakePoint(399500, 4831500), 26919)),
    ('TWR-002', 'planned', ST_SetSRID(ST_MakePoint(400500, 4827500), 26919));
"""

#: An ACL as sorted text: a restore may list the same grants in another order.
_ACL = "coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest({}) AS a), '')"
#: The catalog state the set-up script decides: compared after its first and second run.
_GRANTS = f"""
SELECT 'role', rolname || ':' || rolsuper || rolcanlogin || rolcreaterole || rolcreatedb
       || coalesce(array_to_string(rolconfig, ','), '') FROM pg_roles WHERE rolname LIKE 'city\\_%'
UNION ALL SELECT 'member', r.rolname || '>' || m.rolname FROM pg_auth_members a
    JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
    WHERE r.rolname LIKE 'city\\_%'
UNION ALL SELECT 'schema', nspname || ' ' || {_ACL.format("nspacl")} FROM pg_namespace
UNION ALL SELECT 'table', c.oid::regclass::text || ' ' || {_ACL.format("relacl")} FROM pg_class c
    JOIN pg_namespace n ON n.oid = relnamespace WHERE nspname IN ('gis', 'network', 'fixit')
UNION ALL SELECT 'default', defaclrole::regrole::text || ' ' || defaclnamespace::regnamespace::text
       || ' ' || defaclobjtype::text || ' ' || {_ACL.format("defaclacl")} FROM pg_default_acl
UNION ALL SELECT 'database', datname || ' ' || {_ACL.format("datacl")} FROM pg_database
    WHERE datname = current_database()
ORDER BY 1, 2
"""


# --- the guide's commands on the test server --------------------------------------------------
def run(server: ThrowAwayServer, command: str, folder: Path, **names: str) -> str:
    """Run one of the guide's commands as the DBA; its output.

    The guide's names are mapped onto this server's: the program from the
    server's own binaries with the administrator's socket login, ``city`` and
    ``city_restore`` onto the test's databases, files into ``folder``.
    """
    program, *args = shlex.split(command)
    renamed = {"city": DATABASE, "city_restore": RESTORED, **names}
    args = [renamed.get(a, a) for a in args]
    args = [str(folder / a) if re.fullmatch(r"[\w.]+\.(sql|dump)", a) else a for a in args]
    login = ["-h", str(server.folder), "-p", str(server.port), "-U", ADMIN]
    if program == "psql":
        login.append("-X")  # no ~/.psqlrc
    done = subprocess.run(
        [str(server.bin_dir / program), *login, *args], capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout + done.stderr


def shipped_script(name: str, folder: Path) -> Path:
    """``mapdesk postgis server-sql NAME > NAME.sql`` as the guide has it."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["postgis", "server-sql", name]) == 0
    path = folder / f"{name}.sql"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def grants(server: ThrowAwayServer, database: str = DATABASE) -> list[tuple[str, str]]:
    with psycopg.connect(**server.admin_settings(database)) as conn:
        return [(kind, text) for kind, text in conn.execute(_GRANTS).fetchall()]


@pytest.fixture(scope="module")
def city_server(
    postgis_server: ThrowAwayServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The city's database set up as the guide says; the grants after the first run."""
    folder = tmp_path_factory.mktemp("city-server")
    shipped_script("city_server", folder)
    shipped_script("city_add_person", folder)
    create_database(postgis_server, DATABASE)
    run(postgis_server, SET_UP, folder)
    first = grants(postgis_server)
    run(postgis_server, SET_UP, folder)  # again: nothing changes
    second = grants(postgis_server)
    with psycopg.connect(**postgis_server.admin_settings(DATABASE), autocommit=True) as conn:
        conn.execute(_DBA_TABLES)
    run(postgis_server, SET_UP, folder)  # and after the DBA's loads: the same grants
    run(postgis_server, ADD_PLANNER, folder, **{"login=pbrown": f"login={PLANNER}"})
    run(postgis_server, ADD_ANALYST, folder, **{"login=jsmith": f"login={ANALYST}"})
    technician = {"login=jsmith": f"login={TECHNICIAN}", "team=city_gis": "team=city_network"}
    run(postgis_server, ADD_ANALYST, folder, **technician)
    with psycopg.connect(**postgis_server.admin_settings(DATABASE), autocommit=True) as conn:
        for login, password in PASSWORDS.items():
            conn.execute(
                psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    psycopg.sql.Identifier(login), psycopg.sql.Literal(password)
                )
            )
    yield {"folder": folder, "runs": (first, second)}


@pytest.fixture(autouse=True)
def passwords(
    city_server: dict[str, Any], postgis_server: ThrowAwayServer, memory_keyring: MemoryKeyring
) -> None:
    """Each person's password in the (in-memory) keyring, as mapdesk looks it up."""
    for database in (DATABASE, RESTORED):
        for login, password in PASSWORDS.items():
            where = PgConnection("127.0.0.1", postgis_server.port, database, login)
            store_password(where, password)


def uri(server: ThrowAwayServer, login: str, table: str, database: str = DATABASE) -> str:
    return f"postgresql://{login}@127.0.0.1:{server.port}/{database}?table={table}"


def rows(server: ThrowAwayServer, table: str, database: str = DATABASE) -> list[tuple[Any, ...]]:
    with psycopg.connect(**server.admin_settings(database)) as conn:
        query = psycopg.sql.SQL("SELECT *, ST_AsText(geom) FROM {} ORDER BY gid").format(
            psycopg.sql.Identifier(*table.split("."))
        )
        return [r[:-2] + r[-1:] for r in conn.execute(query).fetchall()]


def editing(address: str) -> VectorLayer:
    layer = load_layer(address, None)
    layer.start_editing()
    return layer


def checksum(frame: geopandas.GeoDataFrame) -> str:
    """A digest of every feature id, attribute and geometry (WKB) of a layer as read."""
    digest = hashlib.sha256()
    for fid, row in frame.sort_index().iterrows():
        values = [str(fid)] + [str(row[c]) for c in frame.columns if c != frame.geometry.name]
        digest.update("|".join(values).encode())
        digest.update(shapely.to_wkb(row[frame.geometry.name]))
    return digest.hexdigest()


# --- the script -----------------------------------------------------------------------------
def test_the_script_is_idempotent_and_grants_least_privilege(
    city_server: dict[str, Any], postgis_server: ThrowAwayServer
) -> None:
    first, second = city_server["runs"]
    assert second == first
    tables = grants(postgis_server)
    acl = dict(t.split(" ", 1) for kind, t in tables if kind == "table")
    assert "city_gis=arwd/mapdesk_admin" in acl["gis.psap_boundaries"].split(",")
    assert "city_reader=r/mapdesk_admin" in acl["gis.psap_boundaries"].split(",")
    assert "city_network" not in acl["gis.psap_boundaries"]
    assert "city_network=U/mapdesk_admin" in acl["network.towers_gid_seq"].split(",")
    with psycopg.connect(**postgis_server.admin_settings(DATABASE)) as conn:
        flags = conn.execute(
            "SELECT r.rolname, r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls, "
            "r.rolcanlogin, coalesce(r.rolconfig, '{}'), left(a.rolpassword, 14) "
            "FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid "
            "WHERE r.rolname LIKE 'city\\_%%' OR r.rolname = ANY(%s) ORDER BY 1",
            [list(PASSWORDS)],
        ).fetchall()
    by_name = {name: rest for name, *rest in flags}
    assert all(not powerful for powerful, *_ in by_name.values())
    assert [n for n, (_p, login, *_r) in by_name.items() if login] == sorted(PASSWORDS)
    assert by_name[PLANNER][2] == ["role=city_planner"]
    assert by_name[TECHNICIAN][2] == ["role=city_network"]
    assert {by_name[n][3] for n in PASSWORDS} == {"SCRAM-SHA-256$"}


def test_a_wrong_team_stops_the_add_person_script(
    city_server: dict[str, Any], postgis_server: ThrowAwayServer
) -> None:
    with pytest.raises(AssertionError, match="team city_admins is not one of"):
        wrong = {"login=pbrown": "login=mallory", "team=city_planner": "team=city_admins"}
        run(postgis_server, ADD_PLANNER, city_server["folder"], **wrong)
    with pytest.raises(AssertionError, match=f"{ADMIN} is an administrator role"):
        run(
            postgis_server, ADD_PLANNER, city_server["folder"], **{"login=pbrown": f"login={ADMIN}"}
        )
    with psycopg.connect(**postgis_server.admin_settings(DATABASE)) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = 'mallory'"
        ).fetchone() == (0,)


def test_a_percent_or_dollar_quote_in_a_name_is_reported_as_it_is(
    city_server: dict[str, Any], postgis_server: ThrowAwayServer
) -> None:
    # The problem text is RAISE's argument: a % in it is no placeholder ("too
    # few parameters specified for RAISE"), and $$ does not end the block.
    folder = city_server["folder"]
    with pytest.raises(AssertionError, match="team 100%_editors is not one of"):
        run(postgis_server, ADD_PLANNER, folder, **{"team=city_planner": "team=100%_editors"})
    with pytest.raises(AssertionError, match=r"city_50%\$\$x is a group role name"):
        run(postgis_server, ADD_PLANNER, folder, **{"login=pbrown": "login=city_50%$$x"})


def test_a_person_moved_to_the_planners_keeps_no_write_rights(
    city_server: dict[str, Any], postgis_server: ThrowAwayServer
) -> None:
    folder = city_server["folder"]
    run(postgis_server, ADD_ANALYST, folder, **{"login=jsmith": "login=mover"})
    run(postgis_server, ADD_PLANNER, folder, **{"login=pbrown": "login=mover"})
    with psycopg.connect(**postgis_server.admin_settings(DATABASE)) as conn:
        teams = conn.execute(
            "SELECT r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = 'mover'"
        ).fetchall()
        # Not even RESET ROLE (the login itself, in psql or QGIS) may write in gis.
        may_write = conn.execute(
            "SELECT has_table_privilege('mover', 'gis.psap_boundaries', 'UPDATE')"
        ).fetchone()
    assert teams == [("city_planner",)]
    assert may_write == (False,)


# --- mapdesk as each team ---------------------------------------------------------------------
def test_a_planner_reads_everything_and_is_refused_at_save_with_the_edits_kept(
    postgis_server: ThrowAwayServer,
) -> None:
    before = rows(postgis_server, "gis.psap_boundaries")
    towers = load_layer(uri(postgis_server, PLANNER, "network.towers"), None)
    assert sorted(towers.data["asset_id"]) == ["TWR-001", "TWR-002"]
    address = uri(postgis_server, PLANNER, "gis.psap_boundaries")
    refusal = edit_refusal(address)
    assert refusal is not None and "gis.psap_boundaries is read-only" in refusal
    assert "pbrown (as city_planner)" in refusal
    layer = editing(address)
    layer.change_attribute_value(1, "agency", "planner.example")
    layer.add_feature("POLYGON ((0 0, 1 0, 1 1, 0 0))", {"psap": "New"})
    with pytest.raises(PrivilegeError) as refused:
        layer.commit_changes()
    message = str(refused.value)
    assert isinstance(refused.value, DataSourceError) and isinstance(refused.value, SaveError)
    assert message.startswith(
        "gis.psap_boundaries: nothing was saved: your database role pbrown (as city_planner) "
        "may not add features to or change features of gis.psap_boundaries"
    )
    assert "missing privilege: INSERT, UPDATE" in message and "edits are kept" in message
    assert layer.is_modified and layer.data.loc[1, "agency"] == "planner.example"
    assert len(layer.data) == 4
    assert rows(postgis_server, "gis.psap_boundaries") == before


def test_editors_save_in_their_own_schema_and_not_in_another_teams(
    postgis_server: ThrowAwayServer,
) -> None:
    assert edit_refusal(uri(postgis_server, ANALYST, "gis.psap_boundaries")) is None
    boundaries = editing(uri(postgis_server, ANALYST, "gis.psap_boundaries"))
    boundaries.change_attribute_value(2, "agency", "southportland.gov")
    new = boundaries.add_feature(
        "POLYGON ((398000 4818000, 402000 4818000, 402000 4822000, 398000 4818000))",
        {"psap": "Scarborough"},
    )
    boundaries.commit_changes()  # INSERT numbers it from the serial key's sequence
    saved = {r[1]: r for r in rows(postgis_server, "gis.psap_boundaries")}
    assert saved["South Portland"][2] == "southportland.gov" and "Scarborough" in saved
    assert new not in boundaries.data.index or new == saved["Scarborough"][0]

    before = rows(postgis_server, "network.towers")
    towers = editing(uri(postgis_server, ANALYST, "network.towers"))
    towers.change_attribute_value(1, "status", "retired")
    refused = r"jsmith \(as city_gis\) may not change features of network\.towers"
    with pytest.raises(PrivilegeError, match=refused + r" \(missing privilege: UPDATE\)"):
        towers.commit_changes()
    assert rows(postgis_server, "network.towers") == before and towers.is_modified

    ours = editing(uri(postgis_server, TECHNICIAN, "network.towers"))
    ours.change_attribute_value(1, "status", "retired")
    ours.delete_feature(2)
    ours.commit_changes()
    assert [r[1:3] for r in rows(postgis_server, "network.towers")] == [("TWR-001", "retired")]


def test_a_serial_key_whose_sequence_is_not_granted_is_named_at_save(
    postgis_server: ThrowAwayServer,
) -> None:
    with psycopg.connect(**postgis_server.admin_settings(DATABASE), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE gis.hydrant_checks (gid serial PRIMARY KEY, note text, "
            "geom geometry(Point, 26919)); "
            "REVOKE USAGE ON SEQUENCE gis.hydrant_checks_gid_seq FROM city_gis"
        )
    checks = editing(uri(postgis_server, ANALYST, "gis.hydrant_checks"))
    checks.add_feature("POINT (399000 4832000)", {"note": "flushed"})
    missing = r"\(missing privilege: USAGE on sequence gis\.hydrant_checks_gid_seq\)"
    with pytest.raises(
        PrivilegeError, match=r"may not add features to gis\.hydrant_checks " + missing
    ):
        checks.commit_changes()
    assert rows(postgis_server, "gis.hydrant_checks") == [] and checks.is_modified


def test_a_table_an_analyst_uploads_is_the_teams_and_planners_read_it(
    postgis_server: ThrowAwayServer,
) -> None:
    frame = geopandas.GeoDataFrame(
        {"site": ["City Hall", "Ocean Gateway"], "units": [3, 1]},
        geometry=[shapely.Point(398500, 4832500), shapely.Point(399900, 4831200)],
        crs="EPSG:26919",
    )
    database = f"postgresql://{ANALYST}@127.0.0.1:{postgis_server.port}/{DATABASE}"
    result = upload_layer(frame, database, table=TableName("gis", "survey_sites"))
    assert result.rows == 2
    read = load_layer(uri(postgis_server, PLANNER, "gis.survey_sites"), None)
    assert list(read.data["site"]) == ["City Hall", "Ocean Gateway"]
    with psycopg.connect(**postgis_server.admin_settings(DATABASE)) as conn:
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'survey_sites'")
        assert owner.fetchone() == ("city_gis",)  # the team's, not the person's
    # The team may edit its own upload (identity key: no sequence grant needed).
    sites = editing(uri(postgis_server, ANALYST, "gis.survey_sites"))
    sites.add_feature("POINT (399000 4832000)", {"site": "Fire HQ", "units": 2})
    sites.commit_changes()
    # Another team cannot create tables in the GIS schema.
    other = f"postgresql://{TECHNICIAN}@127.0.0.1:{postgis_server.port}/{DATABASE}"
    with pytest.raises(DataSourceError, match="permission denied for schema gis"):
        upload_layer(frame, other, table=TableName("gis", "not_ours"))


# --- backups ----------------------------------------------------------------------------------
def test_a_dump_restores_into_a_new_database_with_the_same_features(
    city_server: dict[str, Any], postgis_server: ThrowAwayServer
) -> None:
    folder = city_server["folder"]
    run(postgis_server, DUMP, folder)
    run(postgis_server, DUMP_GLOBALS, folder)
    globals_sql = (folder / "globals.sql").read_text()
    assert "CREATE ROLE city_planner;" in globals_sql
    assert f"ALTER ROLE {PLANNER} SET role TO 'city_planner';" in globals_sql
    assert "SCRAM-SHA-256$" in globals_sql and "md5" not in globals_sql
    run(postgis_server, CREATE_DB, folder)
    run(postgis_server, RESTORE, folder)
    run(postgis_server, SET_UP, folder, city=RESTORED)  # the database's own grants
    run(postgis_server, SET_UP, folder)  # the same script on both, then the same grants
    restored_grants = [
        (k, t.replace(RESTORED, DATABASE)) for k, t in grants(postgis_server, RESTORED)
    ]
    assert restored_grants == grants(postgis_server)
    for table in ("gis.psap_boundaries", "network.towers"):
        live = load_layer(uri(postgis_server, PLANNER, table), None).data
        restored = load_layer(uri(postgis_server, PLANNER, table, RESTORED), None).data
        assert len(restored) == len(live) > 0
        assert checksum(restored) == checksum(live), table
        assert restored.crs == live.crs


def test_the_guide_states_the_commands_these_tests_run() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for command in (GET_SCRIPT, *RUN_COMMANDS):
        assert command in guide, command


def test_the_guide_stores_the_password_under_the_key_of_the_address_it_hands_out() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    address = "postgresql://jsmith@/?service=city&table=gis.psap_boundaries"
    assert address in guide
    key = keyring_key(PostgisUri.parse(address).connection)
    assert f"python -m keyring set {KEYRING_SERVICE} {key}`" in guide
