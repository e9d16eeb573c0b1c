"""Setting up a PostgreSQL database for hsp-tui: `hsp-tui --db URL init [--empty]`.

The schema `hsp` (tables and functions) comes from `hsp.sql`, shipped in the package: its
`--- version N` sections are applied in order above the version recorded in `hsp.info`, then the
functions and the grants are (re)applied, all in one transaction, under an advisory lock (two
`init`s at once do not collide). Running it again is harmless; a database set up by an older
hsp-tui is upgraded in place; one set up by a newer hsp-tui is refused.

The three group roles are cluster-wide. Where they are missing and the owner may not create
roles, `init` prints the statements an administrator must run (the schema is installed anyway;
the grants follow on the next `init`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from hsp_tui.domain.errors import Exit, PlanFileError, RefusedError
from hsp_tui.storage.postgres.deadlines_sql import deadline_sql
from hsp_tui.storage.postgres.rules_sql import rules_sql

SCHEMA = "hsp"
ROLES = ("hsp_reader", "hsp_officer", "hsp_auditor")
# Each role is a member of the one before it: an auditor is an officer, an officer a reader.
MEMBERSHIPS = (("hsp_reader", "hsp_officer"), ("hsp_officer", "hsp_auditor"))
SEED_PLAN = "haringey-2010"
INIT_LOCK = "hsp-tui init"

# The change functions officers may call (signature as PostgreSQL names it).
OFFICER_FUNCTIONS = (
    "lock_item(text, integer)",
    "set_status(text, integer, text, text)",
    "add_note(text, integer, text)",
    "set_owner(text, integer, text, text)",
    "revise(text, integer, text, text)",
    "set_milestone(text, integer, integer, boolean, text)",
    "undo(text, integer, integer)",
    "add_plan(text, jsonb, jsonb, text, text)",
    "lock_meta(text)",
    "set_contact(text, text, jsonb, jsonb)",
    "record_reminder(text, integer, jsonb, text, text)",
    "keep_copy(text, bytea)",
    "attach(text, integer, jsonb, text)",
    "withdraw(text, integer, integer, text)",
    "record_pending_reminder(text, integer, jsonb, text, text)",
    "mark_reminder(text, integer, integer, boolean, text)",
)
# What readers may call besides their SELECTs (an evidence copy, read with its checks; the plan's version).
READER_FUNCTIONS = ("read_copy(text, text)", "plan_version(integer)")
# The auditor's verdict (follow-up work): auditors only.
AUDITOR_FUNCTIONS = ("verify(text, integer, boolean, text)",)
TABLES = ("info", "plan", "item", "history", "contact", "plan_history", "copy", "plan_changes")


class SchemaMissing(PlanFileError):
    """The database has no hsp-tui schema (or an older or newer one)."""


@dataclass
class Migrations:
    """The SQL file split into its versioned sections and the always-applied functions."""

    versions: dict[int, str]
    functions: str

    @property
    def latest(self) -> int:
        return max(self.versions)


def load_migrations() -> Migrations:
    from importlib import resources  # noqa: PLC0415 - only to set up or upgrade

    return parse_migrations(
        resources.files("hsp_tui").joinpath("storage", "postgres", "hsp.sql").read_text(encoding="utf-8"))


def parse_migrations(text: str) -> Migrations:
    """hsp.sql's text (this version's, or an older one's: the upgrade tests set databases up with it)."""
    versions: dict[int, str] = {}
    functions = ""
    for header, body in re.findall(r"^--- (version \d+|functions)\s*$\n(.*?)(?=^--- |\Z)", text, re.M | re.S):
        if header == "functions":
            functions = body
        else:
            versions[int(header.split()[1])] = body
    if not versions or not functions or sorted(versions) != list(range(1, len(versions) + 1)):
        raise RuntimeError("hsp.sql: versions must run 1..N, followed by a functions section")
    return Migrations(versions, functions)


# The newest version in hsp.sql (a test checks that they agree).
SCHEMA_VERSION = 10


def role_statements() -> list[str]:
    """What an administrator runs (once per cluster) to create hsp-tui's group roles."""
    out = [f"CREATE ROLE {role} NOLOGIN;" for role in ROLES]
    out += [f"GRANT {granted} TO {member};" for granted, member in MEMBERSHIPS]
    return out


def installed_version(conn) -> int | None:
    """The hsp-tui schema version of this database, or None where there is none."""
    row = conn.execute("SELECT to_regclass('hsp.info') IS NOT NULL").fetchone()
    if not row[0]:
        return None
    row = conn.execute("SELECT value FROM hsp.info WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def check_schema(conn, where: str) -> None:
    """Refuse to work on a database without the schema of this version (names the database). One
    statement (the first of every connection's first transaction, a change's too): a database
    without the schema answers it with an error, and the transaction is rolled back."""
    import psycopg  # noqa: PLC0415

    try:
        row = conn.execute("SELECT value FROM hsp.info WHERE key = 'schema_version'").fetchone()
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        row = None
    version = int(row[0]) if row else None
    if version == SCHEMA_VERSION:
        return
    if version is None:
        raise SchemaMissing(f"{where}: this database has no hsp-tui plans yet: run 'hsp-tui --db URL init' "
                            "as the database's owner to set it up")
    if version > SCHEMA_VERSION:
        raise SchemaMissing(f"{where}: set up by a newer hsp-tui (schema version {version}; this version "
                            f"knows {SCHEMA_VERSION}); upgrade hsp-tui")
    raise SchemaMissing(f"{where}: set up by an older hsp-tui (schema version {version}): run "
                        "'hsp-tui --db URL init' as the database's owner to upgrade it in place")


@dataclass
class InitResult:
    before: int | None
    after: int
    seeded: str | None = None
    admin_statements: list[str] = field(default_factory=list)


def _missing_roles(conn) -> list[str]:
    have = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [list(ROLES)])}
    return [r for r in ROLES if r not in have]


def _missing_memberships(conn) -> list[tuple[str, str]]:
    out = []
    for granted, member in MEMBERSHIPS:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = %s AND u.rolname = %s)",
            [granted, member]).fetchone()
        if not row[0]:
            out.append((granted, member))
    return out


def _grants(conn) -> str:
    """The rights of the roles, on the tables and functions of this version that the database has
    (all of them, but where an older version's SQL set it up: the upgrade tests do)."""
    def grant(what: str, kind: str, names: tuple[str, ...], role: str) -> str:
        qualified = [f"{SCHEMA}.{n}" for n in names]
        (found,) = conn.execute(f"SELECT array_agg(n ORDER BY k) FROM unnest(%s::text[]) WITH ORDINALITY AS x(n, k) "
                                f"WHERE to_{kind}(n) IS NOT NULL", [qualified]).fetchone()
        return f"GRANT {what} {', '.join(found)} TO {role};\n" if found else ""

    return (
        f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC;\n"
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC, hsp_reader, hsp_officer, hsp_auditor;\n"
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {SCHEMA} FROM PUBLIC, hsp_reader, hsp_officer, hsp_auditor;\n"
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO hsp_reader;\n"
        + grant("SELECT ON", "regclass", TABLES, "hsp_reader")
        + grant("EXECUTE ON FUNCTION", "regprocedure", READER_FUNCTIONS, "hsp_reader")
        + grant("EXECUTE ON FUNCTION", "regprocedure", OFFICER_FUNCTIONS, "hsp_officer")
        + grant("EXECUTE ON FUNCTION", "regprocedure", AUDITOR_FUNCTIONS, "hsp_auditor")
    )


def install(conn, *, migrations: Migrations | None = None,
            seed: Callable[[], Mapping[str, Any]] | None = None) -> InitResult:
    """Create or upgrade the schema in one transaction on `conn` (a psycopg connection, not in
    autocommit). `seed`, if given, gives the seed plan as a new plan file's data (`Store.open`'s
    seed), loaded as plan SEED_PLAN when the database holds no plan yet."""
    migrations = migrations or load_migrations()
    with conn.transaction():
        me = conn.execute(
            "SELECT current_user, r.rolsuper OR r.rolcreaterole, "
            "       r.rolsuper OR d.datdba = r.oid "
            "FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()"
        ).fetchone()
        user, may_create_roles, is_owner = me
        if not is_owner:
            db = conn.execute("SELECT current_database(), pg_get_userbyid(datdba) FROM pg_database "
                              "WHERE datname = current_database()").fetchone()
            raise RefusedError(f"init must be run by the database's owner ({db[1]} owns {db[0]}; you are {user})")
        # Two inits at once take turns. Once the schema exists, on a table lock only the owner can
        # take (readers may take only ACCESS SHARE, which does not conflict): a reader cannot hold
        # init up as it could an advisory lock. Before, nobody but the owner has rights here.
        if conn.execute("SELECT to_regclass('hsp.info') IS NOT NULL").fetchone()[0]:
            conn.execute("LOCK TABLE hsp.info IN SHARE ROW EXCLUSIVE MODE")
        else:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [INIT_LOCK])
            # an advisory lock does not take in the catalog changes committed while we waited (a
            # schema the other init made); a relation lock does
            conn.execute("LOCK TABLE pg_catalog.pg_namespace IN ACCESS SHARE MODE")
        before = installed_version(conn)
        if before is not None and before > migrations.latest:
            raise SchemaMissing(f"this database was set up by a newer hsp-tui (schema version {before}; this "
                                f"version knows {migrations.latest}); upgrade hsp-tui")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        if conn.execute("SELECT pg_encoding_to_char(encoding) FROM pg_database "
                        "WHERE datname = current_database()").fetchone()[0] != "UTF8":
            raise PlanFileError("hsp-tui needs a database in UTF-8 (CREATE DATABASE ... ENCODING 'UTF8'): "
                           "officers' text is Unicode")
        conn.execute(rules_sql() + deadline_sql())  # the domain's rules, which the versions and functions use
        for version in range((before or 0) + 1, migrations.latest + 1):
            conn.execute(migrations.versions[version])
            conn.execute("INSERT INTO hsp.info (key, value) VALUES ('schema_version', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [str(version)])
        conn.execute(migrations.functions)
        admin: list[str] = []
        missing = _missing_roles(conn)
        if missing and may_create_roles:
            for role in missing:
                conn.execute(f"CREATE ROLE {role} NOLOGIN")
            missing = []
        memberships = _missing_memberships(conn) if not missing else list(MEMBERSHIPS)
        if memberships and may_create_roles and not missing:
            for granted, member in memberships:
                conn.execute(f"GRANT {granted} TO {member}")
            memberships = []
        if missing or memberships:
            admin = [f"CREATE ROLE {role} NOLOGIN;" for role in missing]
            admin += [f"GRANT {g} TO {m};" for g, m in memberships]
        else:
            conn.execute(_grants(conn))
        seeded = None
        if seed is not None and not conn.execute("SELECT EXISTS (SELECT 1 FROM hsp.plan)").fetchone()[0]:
            meta, items = _seed_rows(seed())
            from psycopg.types.json import Jsonb  # noqa: PLC0415

            conn.execute("SELECT hsp.add_plan(%s, %s, %s, 'create', %s)",
                         [SEED_PLAN, Jsonb(meta), Jsonb(items), "created from the plan as published (Appendix A)"])
            seeded = SEED_PLAN
    return InitResult(before, migrations.latest, seeded, admin)


def _seed_rows(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The seed plan's metadata and items (their creation entry is the server's own: dropped here)."""
    meta = data["meta"]["1"]["plan"]
    items = []
    for doc in data["recommendations"].values():
        doc = dict(doc)
        doc["history"] = [h for h in doc.get("history") or () if h.get("action") != "create"]
        items.append(doc)
    return meta, items


def run_init(url: str, *, seed: Callable[[], Mapping[str, Any]] | None,
             out: Callable[[str], None] = print) -> int:
    """`hsp-tui --db URL init [--empty]`: returns the exit code (1 when an administrator must act).
    `seed` (None for --empty): the seed plan's data, loaded when the database holds no plan yet."""
    from hsp_tui.storage.postgres.connect import connect, redact, translate  # noqa: PLC0415
    import psycopg  # noqa: PLC0415

    where = redact(url)
    conn = connect(url)
    try:
        try:
            result = install(conn, seed=seed)
        except psycopg.Error as exc:
            raise translate(exc, url, "set up the database") from None
    finally:
        conn.close()
    if result.before is None:
        out(f"{where}: set up hsp-tui (schema version {result.after})")
    elif result.before < result.after:
        out(f"{where}: upgraded hsp-tui from schema version {result.before} to {result.after}; plans kept")
    else:
        out(f"{where}: hsp-tui schema version {result.after} is up to date; nothing to upgrade")
    if result.seeded:
        out(f"loaded the seed plan as '{result.seeded}'")
    if result.admin_statements:
        out("The group roles hsp-tui needs are missing and your role may not create roles. Ask an "
            "administrator (a superuser, or a role with CREATEROLE) to run:")
        for statement in result.admin_statements:
            out(f"    {statement}")
        out("then run 'hsp-tui --db URL init' again to grant them their rights (until then only the "
            "owner can use this database).")
        return Exit.PARTLY
    out("Give each person a login and a role, e.g.: CREATE ROLE alice LOGIN; GRANT hsp_officer TO alice;")
    return 0
