"""Connecting to a PostgreSQL server named by a connection string: a `postgresql://` or
`postgres://` URI, or a libpq key=value string (`host=/var/run/postgresql dbname=hsp user=alice`).

The string goes to libpq as given, so everything libpq accepts works: a Unix socket as `?host=/path`,
`sslmode=verify-full`, `~/.pgpass`, `PGPASSWORD` and the other PG* variables. What it names is
read as libpq reads it (`psycopg.conninfo.conninfo_to_dict`), and a URI that libpq would read
otherwise than it is written (an `@` or `/` left unencoded in a password, so that part of the
password would become the host or the database) is refused. A password is never printed: `redact`
shows the target from libpq's reading without it, and `describe_error` blanks it out of any
message. Something that looks like a connection string but is not one of these (`postgresql+psycopg://`,
`jdbc:postgresql://`, `mysql://`) is refused in one line, never taken for a file's path
(`storage.targets`, which tells the two apart without loading this package).

psycopg is imported here only when a server is named (a file's commands never import it).
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping
from urllib.parse import quote, unquote

from hsp_tui.domain.errors import BusyError, InputError, PlanFileError, RefusedError as _Refused
from hsp_tui.storage.targets import SCHEMES

# Every session hsp-tui opens ends by itself when its client is gone, and never waits long on a
# lock (docs/server.md, "Sessions"): set per session, in the connection's start-up packet (no
# round trip). A change waits for an item's lock as the lock-wait policy says (`server`); any other
# statement gives up after LOCK_WAIT_SECONDS. A transaction left open by a client that died (a
# dropped network, a killed process) is ended by the server after IDLE_IN_TRANSACTION_SECONDS,
# its locks released; a TCP peer that stopped answering is found within about 30 s.
LOCK_WAIT_SECONDS = 5
IDLE_IN_TRANSACTION_SECONDS = 15
KEEPALIVE = {"keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5", "keepalives_count": "3",
             "tcp_user_timeout": "30000"}
SESSION_SETTINGS = {
    "lock_timeout": f"{LOCK_WAIT_SECONDS}s",
    "idle_in_transaction_session_timeout": f"{IDLE_IN_TRANSACTION_SECONDS}s",
    "tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3",
    "tcp_user_timeout": "30000",
}


class ServerError(PlanFileError):
    """The server cannot be reached, refused the login, or the connection was lost."""


RefusedError = _Refused  # the database refused: the user's role may not (kept here for its importers)


def is_uri(url: str) -> bool:
    return url.lower().lstrip().startswith(SCHEMES)


def _written_password(url: str) -> str | None:
    """The password as a person reads the URI: between the first ':' of the part before the host
    and the last '@' before the path or options (percent-decoded)."""
    rest = url.strip().split("://", 1)[1]
    rest = rest.split("?", 1)[0]
    if "@" not in rest:
        return None
    userinfo = rest.rsplit("@", 1)[0]
    if ":" not in userinfo:
        return None
    return unquote(userinfo.split(":", 1)[1])


def parse(url: str) -> dict[str, str]:
    """The connection string as libpq reads it; InputError (password never shown) when it does
    not parse, or when libpq would read a URI's password otherwise than it is written."""
    import psycopg  # noqa: PLC0415 - only for a server
    from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415

    kind = "URI" if is_uri(url) else "key=value connection string"
    try:
        given = {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except psycopg.Error as exc:
        raise InputError(f"--db: not a valid PostgreSQL {kind} ({_blank(str(exc), _raw_secrets(url))}); "
                         "nothing was done") from None
    if is_uri(url):
        written = _written_password(url)
        if written is not None and written != given.get("password"):
            raise InputError("--db: the URI's password holds a character libpq reads as part of the address "
                             "('@', '/', '?'): write it percent-encoded (%40, %2F, %3F), or better keep it in "
                             "~/.pgpass; nothing was done")
    return given


def _quoted(value: str) -> str:
    if value and not re.search(r"[\s'\\]", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def redact(url: str) -> str:
    """The connection string without its password (user, host, port, database and options kept),
    as libpq reads it."""
    try:
        given = parse(url)
    except (InputError, ImportError):
        return (url.strip().split("://", 1)[0] + "://(not shown)") if "://" in url else "(connection string not shown)"
    given.pop("password", None)
    if not is_uri(url):
        first = [k for k in ("host", "port", "dbname", "user") if k in given]
        keys = first + sorted(k for k in given if k not in first)
        return " ".join(f"{k}={_quoted(given[k])}" for k in keys)
    user, host, port, db = (given.pop(k, "") for k in ("user", "host", "port", "dbname"))
    options = []
    if host.startswith("/") or "," in host and "/" in host:  # a Unix socket's folder
        options.append(("host", host))
        host = ""
        if port:
            options.append(("port", port))
            port = ""
    options += sorted(given.items())
    netloc = (quote(user, safe="") + "@" if user else "") + (f"[{host}]" if ":" in host else host) \
        + (f":{port}" if port else "")
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='/:,')}" for k, v in options)
    scheme = url.strip().split("://", 1)[0].lower()
    return f"{scheme}://{netloc}/{quote(db, safe='')}" + (f"?{query}" if query else "")


def server_words(url: str, database: str) -> str:
    """Where a connection string leads, in a few words: 'db.council.example:5433, database hsp'
    (a Unix socket's folder for a local server); never a password."""
    try:
        given = parse(url)
    except (InputError, ImportError):
        given = {}
    host = given.get("host") or given.get("hostaddr") or os.environ.get("PGHOST") or "local socket"
    port = given.get("port") or ""
    return f"{host}{':' + port if port and not host.startswith('/') else ''}, database {database}"


def _raw_secrets(url: str) -> list[str]:
    """Password-like parts of a string that may not parse (for blanking an error about it)."""
    found = []
    if "://" in url:
        written = _written_password(url)
        if written:
            found.append(written)
    for m in re.finditer(r"password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)", url, re.IGNORECASE):
        value = m.group(1)
        found.append(value.strip("'"))
        found.append(unquote(value))
    return found


def secrets_of(url: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The passwords that could appear in a message about this connection string (to be blanked out)."""
    env = os.environ if env is None else env
    found = _raw_secrets(url)
    try:
        from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415

        password = conninfo_to_dict(url).get("password")
        if password:
            found.append(str(password))
    except Exception:  # noqa: BLE001 - unreadable: the raw parts above still count
        pass
    if env.get("PGPASSWORD"):
        found.append(env["PGPASSWORD"])
    return sorted({s for s in found if s}, key=len, reverse=True)


def _blank(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        for form in (secret, quote(secret, safe=""), quote(secret)):
            text = text.replace(form, "***")
    return text


def describe_error(exc: BaseException, url: str) -> str:
    """One line from a driver error, with every password blanked out."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return _blank(text, secrets_of(url))


def connect(url: str, *, autocommit: bool = False, **kwargs: Any):
    """A psycopg connection, or a ServerError naming the server (password removed)."""
    import psycopg  # noqa: PLC0415 - only for a server URI

    given = parse(url)  # refused (never connected) when libpq would read it otherwise than written
    # Defaults only where the URI (or a PG* variable) does not say: a server that does not answer
    # is reported within seconds, and the server's activity list names the program.
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        kwargs.setdefault("connect_timeout", 10)
    if "application_name" not in given and not os.environ.get("PGAPPNAME"):
        kwargs.setdefault("application_name", "hsp-tui")
    for key, value in KEEPALIVE.items():
        if key not in given:
            kwargs.setdefault(key, value)
    # the session's limits first: options the URI (or PGOPTIONS) gives come after, and win
    ours = " ".join(f"-c {k}={v}" for k, v in SESSION_SETTINGS.items())
    theirs = given.get("options") or os.environ.get("PGOPTIONS") or ""
    kwargs.setdefault("options", f"{ours} {theirs}".strip())
    try:
        return psycopg.connect(url, autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        raise ServerError(f"{redact(url)}: cannot connect ({describe_error(exc, url)})") from None
    except Exception as exc:  # noqa: BLE001 - a bad URI makes libpq raise plain errors too
        raise ServerError(f"{redact(url)}: cannot connect ({describe_error(exc, url)})") from None


def translate(exc: BaseException, url: str, doing: str = "") -> Exception:
    """The user's one-line error for a driver error (raise the result `from None`).

    The change functions raise SQLSTATE HS400 (bad input), HS404 (no such thing) and HS409
    (conflict); 55P03 a lock not free in time (busy); 42501 is the database refusing the user's role (said in the officer's words, never
    with the database's names for its functions); a lost or refused connection is a ServerError.
    Passwords are blanked out of every message.
    """
    from hsp_tui.domain.errors import BusyError, ConflictError, InputError, NotFoundError  # noqa: PLC0415

    state = getattr(exc, "sqlstate", None) or ""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    message = describe_error(type(exc)(primary) if primary else exc, url) if primary else describe_error(exc, url)
    if state == "HS400":
        return InputError(message)
    if state == "HS404":
        return NotFoundError(message)
    if state == "HS409":
        return ConflictError(message)
    prefix = redact(url)
    if state == "55P03":
        return BusyError(f"{prefix}: what you are changing is being changed by another session (waited over "
                         f"{LOCK_WAIT_SECONDS} s); nothing was changed; try again when it has finished")
    if state == "42501":
        return RefusedError(f"{prefix}: {refusal_words(message, doing)}; nothing was changed")
    if state == "55P03":  # lock_timeout ran out: someone else's change holds the row
        return BusyError(f"{prefix}: someone else is changing it (its lock was not free in time); nothing was saved")
    if state.startswith(("08", "57P")) or state == "" and _is_connection_error(exc):
        return ServerError(f"{prefix}: the connection to the server was lost ({message})")
    return ServerError(f"{prefix}: the server refused{' to ' + doing if doing else ''} ({message})")


# What a role needs, by the database object a refusal names (one reason each, in officers' words).
_AUDITOR_ONLY = ("verify",)
_DENIED = re.compile(r"permission denied for (function|procedure|table|relation|schema|sequence) (\S+)")


def refusal_words(message: str, doing: str = "") -> str:
    """Why the database refused, for the officer: who may do it (never a function's name)."""
    what = doing or "change the plan"
    found = _DENIED.search(message)
    if found is None:  # the server's own words (e.g. "history is append-only ..."): already plain
        return f"the database refused to let your role {what} ({message})"
    kind, name = found.group(1), found.group(2).rsplit(".", 1)[-1].strip('"')
    if kind in ("function", "procedure") and name in _AUDITOR_ONLY:
        return "only an auditor (database role hsp_auditor) may record the auditor's verdict"
    if kind in ("function", "procedure"):
        return f"your database role may not {what}: changes need the hsp_officer role"
    if kind == "schema":
        return ("your database role may not read hsp-tui's plans here: ask the database's owner for the "
                "hsp_reader, hsp_officer or hsp_auditor role")
    return f"only the database's owner may {what}"


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import psycopg  # noqa: PLC0415
    except ImportError:  # pragma: no cover - only called with a psycopg error
        return False
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))
