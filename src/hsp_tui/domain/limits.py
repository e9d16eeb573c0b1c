"""What one officer may add to a plan on a database server (docs/server.md, "Limits").

Each text's own limit (a note, an owner) is `rules.limit_of`. The server enforces these
(hsp.sql, `hsp._bounds()`); a test checks that the numbers here and there
agree. A plan file has no one to enforce them against, and keeps its own reading limits.
"""

from __future__ import annotations

PLAN_NAME_PATTERN = r"^[-_0-9a-z]{1,64}$"  # lower-case ASCII letters, digits, '-' and '_'
ITEMS_PER_PLAN = 100_000
ITEM_CHARS = 2_000_000     # one item's history, all its entries together (a note alone: rules.TEXT_LIMIT)
PLAN_CHARS = 200_000_000   # a plan's documents when it is imported

# Evidence copies (`hsp-tui evidence add`): a file's copy at most EVIDENCE_FILE_BYTES, a plan's
# copies together (each kept once, however often attached) at most EVIDENCE_PLAN_BYTES; enforced by
# the file backend (storage/file/evidencefolder.py) and by the server (hsp.keep_copy), and in the docs.
EVIDENCE_FILE_BYTES = 25 * 1024 * 1024
EVIDENCE_PLAN_BYTES = 500 * 1024 * 1024
