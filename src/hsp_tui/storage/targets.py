"""Telling a PostgreSQL server's connection string from a plan file's path, for every command's
`--db` (`backends.server_target`), without loading the server's code (`postgres/`): a
`postgresql://` or `postgres://` URI, or a libpq key=value string (`host=/var/run/postgresql
dbname=hsp`). Something that looks like a connection string but
is not one of these (`postgresql+psycopg://`, `jdbc:postgresql://`, `mysql://`, `name=...`) is
refused in one line, never taken for a file's path.
"""

from __future__ import annotations

import os
import re

from hsp_tui.domain.errors import InputError

SCHEMES = ("postgresql://", "postgres://")
# Any "scheme://", also behind a prefix such as "jdbc:"; a Windows drive ("C:\", "C:/") is not one.
_URL_LIKE = r"^\s*[A-Za-z][A-Za-z0-9+.\-]*(:[A-Za-z][A-Za-z0-9+.\-]*)*://"
_KEY_VALUE = r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*="
# libpq's connection keywords (PostgreSQL 16): a target starting "keyword=" is a key=value string.
KEYWORDS = frozenset("""
    host hostaddr port dbname user password passfile channel_binding connect_timeout client_encoding
    options application_name fallback_application_name keepalives keepalives_idle keepalives_interval
    keepalives_count tcp_user_timeout replication gssencmode sslmode requiressl sslcompression sslcert
    sslkey sslpassword sslcertmode sslrootcert sslcrl sslcrldir sslsni requirepeer ssl_min_protocol_version
    ssl_max_protocol_version krbsrvname gsslib gssdelegation service target_session_attrs load_balance_hosts
    require_auth""".split())


def is_server_url(target: str | os.PathLike | None) -> bool:
    """True for a connection string hsp-tui takes; False for a file's path. Anything that looks
    like a connection string but is not a supported one is refused (InputError), never a path."""
    if not isinstance(target, str):
        return False
    if target.lower().lstrip().startswith(SCHEMES):
        return True
    # (each pattern compiled only for a target it may match: a plan file's path seldom holds "://" or "=")
    if "://" in target and re.match(_URL_LIKE, target):
        scheme = target.strip().split("://", 1)[0]
        raise InputError(f"--db {scheme}://...: not a connection string hsp-tui takes (give a postgresql:// "
                         "URI, a libpq key=value string such as 'host=/var/run/postgresql dbname=hsp', or "
                         "a plan file's path); nothing was done")
    found = re.match(_KEY_VALUE, target) if "=" in target else None
    if found:
        if found.group(1).lower() in KEYWORDS:
            return True
        raise InputError(f"--db {found.group(1)}=...: not a libpq keyword (a key=value connection string "
                         "takes host=, dbname=, user=, port= ...); a plan file's name cannot start "
                         "with 'name='; nothing was done")
    return False
