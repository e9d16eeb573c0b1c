"""The evidence rules (issue 24) written as SQL from `domain/rules.py` (`rules_sql`): a copy's hash,
media type and file name and a link's URL are taken or refused alike by the database's functions
and by Python's checks, so the server's hsp.attach (evserver) applies what `Attach` applies."""

from __future__ import annotations

import re

import psycopg

from hsp_tui.domain.rules import LIMITS, MEDIA_TYPE_PATTERN, NAME_PATTERN, SHA256_PATTERN, URL_PATTERN, WHITESPACE
from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from pgharness import OWNER

SAMPLES = {
    "_sha256_pattern": (SHA256_PATTERN, ["ab" * 32, "AB" * 32, "ab" * 31, "ab" * 33, "g" * 64, "ab" * 32 + "\n"]),
    "_media_type_pattern": (MEDIA_TYPE_PATTERN, ["application/pdf", "text/plain", "application/vnd.ms-excel",
                                                 "image/svg+xml", "Text/Plain", "text", "text/", "/plain",
                                                 "text/plain; charset=utf-8", "text/pl ain", "a" * 127 + "/b"]),
    "_url_pattern": (URL_PATTERN, ["https://example.org/a?b=1#c", "http://x", "mailto:pmo@haringey.gov.uk",
                                   "ftp://x", "javascript:alert(1)", "HTTPS://x", "https://x y", "https://x\x1b[2J",
                                   "https://x\u0085", "https://x\u00a0", "https://x\u2028", "https://café.example/é",
                                   "https://"] + [f"https://x{c}y" for c in WHITESPACE]),
    "_name_pattern": (NAME_PATTERN, ["report.pdf", "Board minutes 28 May.docx", "a/b.pdf", "tab\there", "é.txt",
                                     "line\nbreak", "del\x7f", ".", "..", "...", "\u202ereversed"]),
}


def test_the_database_takes_and_refuses_evidence_as_python_does(pg_cluster, pg_db):
    conn = pgconnect.connect(pg_cluster.url(pg_db, OWNER))
    try:
        pgschema.install(conn)
    finally:
        conn.close()
    with psycopg.connect(pg_cluster.url(pg_db, OWNER), autocommit=True) as conn:
        for function, (pattern, texts) in SAMPLES.items():
            for text in texts:
                (server,) = conn.execute(f"SELECT %s ~ hsp.{function}()", [text]).fetchone()
                assert server == bool(re.fullmatch(pattern, text)), (function, text)
        for what in ("file name", "url", "media type"):
            assert conn.execute("SELECT hsp._limit(%s)", [what]).fetchone()[0] == LIMITS[what]
