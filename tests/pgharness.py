"""A throwaway PostgreSQL cluster for the tests: `initdb` + `pg_ctl`, a Unix socket only.

The cluster lives in a temporary folder, listens on no TCP port (`listen_addresses=''`), trusts
local connections except for members of the `hsp_pw` role (those must give a password: the tests
of passwords and `~/.pgpass` use them), and is stopped and deleted at the end of the session.

`initdb` refuses to run as root: when the tests run as root the server runs as the unprivileged
`postgres` OS user (else `nobody`), in a folder that user owns. The tests are skipped only when no
server binaries exist at all (`.ci/run` installs Debian's `postgresql` where they are missing).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pytest

SUPERUSER = "postgres"
OWNER = "hsp_owner"          # owns the test databases; may create roles
PASSWORD_GROUP = "hsp_pw"    # members log in with a password


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<v>/bin."""
    found = shutil.which("initdb")
    if found:
        real = Path(found).resolve().parent  # Debian links /usr/local/bin/initdb to its own bin folder
        if (real / "pg_ctl").exists():
            return real
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _run_as() -> pwd.struct_passwd | None:
    """The OS user the server runs as: None means ourselves (we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail("the tests run as root and there is no 'postgres' or 'nobody' user to run PostgreSQL as")


@dataclass
class Cluster:
    """A running cluster. `url(db, user)` gives a libpq URI over its Unix socket."""

    root: Path
    socket_dir: Path
    bindir: Path
    user: pwd.struct_passwd | None
    databases: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, db: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        auth = quote(user, safe="") + (":" + quote(password, safe="") if password is not None else "")
        return f"postgresql://{auth}@/{quote(db, safe='')}?host={quote(str(self.socket_dir), safe='/')}"

    def _cmd(self, args: list[str]) -> list[str]:
        if self.user is None:
            return args
        return ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}", "--init-groups",
                "--reset-env", "--"] + args

    def psql(self, sql: str, *, db: str = "postgres", user: str = SUPERUSER, password: str | None = None,
             check: bool = True) -> subprocess.CompletedProcess:
        """Run SQL with `psql` (as a client would, from this process), stopping at the first error."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if password is not None:
            env["PGPASSWORD"] = password
        proc = subprocess.run(
            [str(self.psql_path), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", str(self.socket_dir),
             "-U", user, "-d", db, "-c", sql],
            capture_output=True, text=True, env=env, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"psql failed ({proc.returncode}): {proc.stderr.strip()}\nSQL: {sql}")
        return proc

    @property
    def psql_path(self) -> Path:
        own = self.bindir / "psql"
        return own if own.exists() else Path(shutil.which("psql") or "psql")

    def create_database(self, owner: str = OWNER, template: str | None = None) -> str:
        """A new database owned by `owner`: empty, or a copy of `template` (no session may be on it)."""
        name = "t_" + uuid.uuid4().hex[:12]
        self.psql(f'CREATE DATABASE "{name}" OWNER "{owner}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.databases.append(name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test's database once it is done with (its sessions ended first), so a session's
        hundreds of databases never pile up in the cluster's folder (a RAM folder, see `start_cluster`)."""
        import psycopg  # noqa: PLC0415  (the server tests' driver; only loaded by them)

        try:
            with psycopg.connect(self.url(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error:
            return  # a stopped cluster (a test of the server going away): its folder goes at the end
        self.databases.remove(name)

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(self._cmd([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args]),
                              capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"pg_ctl {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
        return proc

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast", "-w", check=False)

    def start(self) -> None:
        self.pg_ctl("start", "-w", "-t", "60", "-l", str(self.root / "server.log"),
                    "-o", f"-k {self.socket_dir} -c listen_addresses=''")


# What a worker's cluster may take in RAM (a few databases at a time, each test's dropped after it);
# a smaller RAM folder (a container's default /dev/shm is 64 MB) leaves the cluster on disk.
RAM_NEEDED = 1 << 30


def _free(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def start_cluster(bindir: Path) -> Cluster:
    """initdb a new cluster in a fresh temp folder and start it; the caller stops it (`destroy`)."""
    user = _run_as()
    # In RAM where there is a RAM folder: a cluster is thrown away, and on this machine's disk
    # (mounted with `discard`) deleting a session's databases took up to a minute at its end.
    ram = Path("/dev/shm")
    in_ram = ram.is_dir() and os.access(ram, os.W_OK | os.X_OK) and _free(ram) >= RAM_NEEDED
    # A short name: a socket's path must fit in ~100 bytes.
    root = Path(tempfile.mkdtemp(prefix="hsp-pg-", dir=ram if in_ram else None))
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    cluster = Cluster(root=root, socket_dir=root, bindir=bindir, user=user)
    init = subprocess.run(
        cluster._cmd([str(bindir / "initdb"), "-D", str(cluster.data_dir), "-U", SUPERUSER, "--auth=trust",
                      "-E", "UTF8", "--locale=C", "--no-sync"]),
        capture_output=True, text=True, timeout=300)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stdout}{init.stderr}")
    hba = cluster.data_dir / "pg_hba.conf"
    hba.write_text(f"local all +{PASSWORD_GROUP} scram-sha-256\nlocal all all trust\n")
    with open(cluster.data_dir / "postgresql.conf", "a") as conf:
        # A test cluster: no durability needed, and quick to start and stop.
        conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                   "max_connections = 100\nunix_socket_permissions = 0777\n"
                   "max_prepared_transactions = 4\n")  # a test PREPAREs (refused after a NOTIFY)
    if user is not None:
        os.chown(hba, user.pw_uid, user.pw_gid)
    try:
        cluster.start()
        cluster.psql(f"CREATE ROLE {PASSWORD_GROUP} NOLOGIN; "
                     f"CREATE ROLE {OWNER} LOGIN CREATEROLE")
    except BaseException:
        destroy(cluster)
        raise
    return cluster


def destroy(cluster: Cluster) -> None:
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_bindir() -> Path:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine; .ci/run installs them")
    return bindir


@pytest.fixture(scope="session")
def pg_cluster(pg_bindir: Path):
    """One throwaway cluster for the whole session (stopped and deleted at the end)."""
    cluster = start_cluster(pg_bindir)
    try:
        yield cluster
    finally:
        destroy(cluster)


@pytest.fixture
def pg_db(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh, empty database owned by `hsp_owner` (no hsp-tui schema yet), dropped after the test."""
    name = pg_cluster.create_database()
    yield name
    pg_cluster.drop_database(name)


# People: login roles with each group role (cluster-wide, made once per session).
PEOPLE = {"alice": "hsp_officer", "bob": "hsp_reader", "carol": "hsp_auditor", "mallory": None}


@pytest.fixture(scope="session")
def pg_people(pg_cluster: Cluster) -> dict[str, str | None]:
    """alice (officer), bob (reader), carol (auditor), mallory (no hsp-tui role): log in, no password."""
    statements = []
    for role in ("hsp_reader", "hsp_officer", "hsp_auditor"):
        statements.append(f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
                          f"CREATE ROLE {role} NOLOGIN; END IF;")
    for person, group in PEOPLE.items():
        statements.append(f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{person}') THEN "
                          f"CREATE ROLE {person} LOGIN; END IF;")
    pg_cluster.psql("DO $$ BEGIN " + " ".join(statements) + " END $$")
    grants = [f"GRANT {group} TO {person};" for person, group in PEOPLE.items() if group]
    # the group roles' own memberships (init makes them too; a test may run before any init)
    grants += ["GRANT hsp_reader TO hsp_officer;", "GRANT hsp_officer TO hsp_auditor;"]
    pg_cluster.psql(" ".join(grants))
    return dict(PEOPLE)


@pytest.fixture(scope="session")
def eve(pg_cluster: Cluster, pg_people) -> str:
    """eve: a second officer (hsp_officer), for the hostile tests' other session."""
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eve') THEN "
                    "CREATE ROLE eve LOGIN; END IF; END $$; GRANT hsp_officer TO eve")
    return "eve"


def seed_data() -> dict:
    """The embedded seed plan's data, as `hsp-tui init` loads it (the server stamps its creation)."""
    from hsp_tui.cli.invocation import seed_data as data  # noqa: PLC0415

    return data("")


@pytest.fixture(scope="session")
def pg_plan_template(pg_cluster: Cluster, pg_people) -> str:
    """One database set up by its owner (`init`, seed plan loaded as 'haringey-2010') per session,
    never used itself: each test's `pg_plan_db` is a copy of it."""
    from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema

    name = pg_cluster.create_database()
    conn = pgconnect.connect(pg_cluster.url(name, OWNER))
    try:
        pgschema.install(conn, seed=seed_data)
    finally:
        conn.close()
    return name


@pytest.fixture
def pg_plan_db(pg_cluster: Cluster, pg_plan_template: str) -> Iterator[str]:
    """A fresh database set up by its owner (`init`, seed plan loaded as 'haringey-2010'): a copy of
    `pg_plan_template` (CREATE DATABASE ... TEMPLATE: the same schema, rights and rows, without
    running init again for each test), dropped after the test."""
    name = pg_cluster.create_database(template=pg_plan_template)
    yield name
    pg_cluster.drop_database(name)
