"""Connecting to a PostgreSQL server named by a `postgresql://` or `postgres://` URI.

The URI goes to libpq as given, so everything libpq accepts works: a Unix socket as `?host=/path`,
`sslmode=verify-full`, `~/.pgpass`, `PGPASSWORD` and the other PG* variables. A password is never
printed: `redact` removes it from the URI and `describe_error` from any message. psycopg is
imported here only, and this module only when a server URI is given (the file path's start-up
time is unchanged).
"""

from __future__ import annotations

import os
from typing import Any, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from hsp_tui.domain.errors import PlanFileError

SCHEMES = ("postgresql://", "postgres://")


class ServerError(PlanFileError):
    """The server cannot be reached, refused the login, or the connection was lost (exit 3)."""


class RefusedError(PlanFileError):
    """The database refused a change: the user's role lacks the right (exit 3, as a read-only file)."""


def is_server_url(target: str | os.PathLike | None) -> bool:
    return isinstance(target, str) and target.lower().startswith(SCHEMES)


def redact(url: str) -> str:
    """The URI without its password (user name, host, database and options kept)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("://", 1)[0] + "://(unreadable URI)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostport = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{hostport}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != "password"]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="/:", quote_via=quote), parts.fragment))


def secrets_of(url: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The passwords that could appear in a message about this URI (to be blanked out)."""
    env = os.environ if env is None else env
    found = []
    try:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            userinfo = parts.netloc.rsplit("@", 1)[0]
            if ":" in userinfo:
                found.append(unquote(userinfo.split(":", 1)[1]))
        found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() == "password"]
    except ValueError:
        pass
    if env.get("PGPASSWORD"):
        found.append(env["PGPASSWORD"])
    return [s for s in found if s]


def describe_error(exc: BaseException, url: str) -> str:
    """One line from a driver error, with every password blanked out."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    for secret in secrets_of(url):
        text = text.replace(secret, "***")
        text = text.replace(quote(secret, safe=""), "***")
    return text


def connect(url: str, *, autocommit: bool = False, **kwargs: Any):
    """A psycopg connection, or a ServerError naming the server (password removed)."""
    import psycopg  # noqa: PLC0415 - only for a server URI

    from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415

    try:
        given = conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise ServerError(f"{redact(url)}: not a valid PostgreSQL URI ({describe_error(exc, url)})") from None
    # Defaults only where the URI (or a PG* variable) does not say: a server that does not answer
    # is reported within seconds, and the server's activity list names the program.
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        kwargs.setdefault("connect_timeout", 10)
    if "application_name" not in given and not os.environ.get("PGAPPNAME"):
        kwargs.setdefault("application_name", "hsp-tui")
    try:
        return psycopg.connect(url, autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        raise ServerError(f"{redact(url)}: cannot connect ({describe_error(exc, url)})") from None
    except Exception as exc:  # noqa: BLE001 - a bad URI makes libpq raise plain errors too
        raise ServerError(f"{redact(url)}: cannot connect ({describe_error(exc, url)})") from None


def translate(exc: BaseException, url: str, doing: str = "") -> Exception:
    """The user's one-line error for a driver error (raise the result `from None`).

    The change functions raise SQLSTATE HS400 (bad input), HS404 (no such thing) and HS409
    (conflict); 42501 is the database refusing the user's role; a lost or refused connection is
    a ServerError (exit 3). Passwords are blanked out of every message.
    """
    from hsp_tui.domain.errors import ConflictError, InputError, NotFoundError  # noqa: PLC0415

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
    if state == "42501":
        what = f" to {doing}" if doing else ""
        return RefusedError(f"{prefix}: your database role has no right{what} ({message}); nothing was changed "
                            "(changes need the hsp_officer role, an auditor's verdict hsp_auditor)")
    if state.startswith(("08", "57P")) or state == "" and _is_connection_error(exc):
        return ServerError(f"{prefix}: the connection to the server was lost ({message})")
    return ServerError(f"{prefix}: the server refused{' to ' + doing if doing else ''} ({message})")


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import psycopg  # noqa: PLC0415
    except ImportError:  # pragma: no cover - only called with a psycopg error
        return False
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))
