"""A throw-away PostgreSQL/PostGIS server for the tests.

``initdb`` in a fresh temporary folder, ``postgres`` on a free loopback port
with its Unix socket in that folder, PostGIS created in a test database, and
everything stopped and deleted afterwards. The administrator logs in over the
socket without a password (trust); the tests' login role ``analyst`` comes in
over TCP with a generated password (scram-sha-256), as a city analyst would.

PostgreSQL refuses to run as root, so when the tests run as root (CI does) the
server runs as the ``postgres`` system user that Debian's package creates,
through ``runuser``, and the folder is handed to that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADMIN = "mapdesk_admin"
ANALYST = "analyst"
DATABASE = "city"
#: Debian's server packages; scripts/setup.sh installs them for the test command.
DEBIAN_PACKAGES = "postgresql postgresql-15-postgis-3"


class ServerUnavailable(RuntimeError):
    """PostgreSQL or PostGIS is not installed, or the server would not start."""


def _bin_dir() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ServerUnavailable(
        f"PostgreSQL is not installed (initdb not found); install {DEBIAN_PACKAGES}"
    )


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parents[1].name)
    except ValueError:
        return 0


def _check_postgis(bin_dir: Path) -> None:
    version = bin_dir.parent.name
    controls = glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control")
    pg_config = bin_dir / "pg_config"
    if not controls and pg_config.exists():
        share = subprocess.run([pg_config, "--sharedir"], capture_output=True, text=True).stdout
        controls = glob.glob(f"{share.strip()}/extension/postgis.control")
    if not controls:
        raise ServerUnavailable(
            f"PostGIS is not installed for PostgreSQL {version}; install "
            f"postgresql-{version}-postgis-3"
        )


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowAwayServer:
    """A running cluster; :meth:`stop` ends it and deletes its folder."""

    folder: Path
    bin_dir: Path
    port: int = 0
    run_as: str | None = None
    password: str = field(default_factory=lambda: "pw-" + secrets.token_urlsafe(18), repr=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *command: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        args = [str(part) for part in command]
        if self.run_as:
            args = ["runuser", "-u", self.run_as, "--", *args]
        result = subprocess.run(args, capture_output=True, text=True, cwd=self.folder)
        if check and result.returncode != 0:
            raise ServerUnavailable(
                f"{Path(args[args.index('--') + 1] if self.run_as else args[0]).name} failed "
                f"({result.returncode}): {result.stderr.strip() or result.stdout.strip()}\n"
                f"{self.log_tail()}"
            )
        return result

    def log_tail(self) -> str:
        log = self.folder / "server.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def start(self) -> None:
        self._run(
            self.bin_dir / "initdb", "-D", self.data, "-U", ADMIN, "-E", "UTF8",
            "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        for _ in range(3):  # another process may take the free port first
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            started = self._run(
                self.bin_dir / "pg_ctl", "-D", self.data, "-l", self.folder / "server.log",
                "-w", "-t", "60", "-o", options, "start", check=False,
            )  # fmt: skip
            if started.returncode == 0:
                return
        raise ServerUnavailable(f"PostgreSQL did not start:\n{self.log_tail()}")

    def admin_settings(self, dbname: str = DATABASE) -> dict[str, Any]:
        """Superuser over the socket in the temporary folder (trust: no password)."""
        return {"host": str(self.folder), "port": self.port, "user": ADMIN, "dbname": dbname}

    def create_database(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(**self.admin_settings("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(ANALYST), sql.Literal(self.password)
                )
            )
        with psycopg.connect(**self.admin_settings(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")

    def stop(self) -> None:
        if self.data.exists():
            self._run(
                self.bin_dir / "pg_ctl", "-D", self.data, "-m", "immediate", "stop", check=False
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> ThrowAwayServer:
    """Start a cluster with PostGIS and the ``analyst`` role.

    Raises
    ------
    ServerUnavailable
        When PostgreSQL or PostGIS is missing or the server does not start.
    """
    bin_dir = _bin_dir()
    _check_postgis(bin_dir)
    folder = Path(tempfile.mkdtemp(prefix="mapdesk-postgis-"))
    server = ThrowAwayServer(folder, bin_dir)
    if os.geteuid() == 0:
        server.run_as = "postgres"
        try:
            shutil.chown(folder, user="postgres", group="postgres")
        except LookupError:
            shutil.rmtree(folder)
            raise ServerUnavailable(
                "running as root needs the 'postgres' system user (Debian's postgresql "
                "package creates it)"
            ) from None
    try:
        server.start()
        server.create_database()
    except BaseException:
        with contextlib.suppress(Exception):
            server.stop()
        raise
    return server
