"""Run the real CLI as another user: `python as_user.py UID GID GROUPS UMASK ARGS...`, started as root.

The CLI's modules are imported first (the checkout may be readable by root only), then the process
drops to UID, GID and the supplementary GROUPS (comma-separated) for good and sets UMASK (octal),
so every file the command reads or writes is read or written as that user.
"""

import encodings.ascii  # noqa: F401 - the interpreter's own files may be root's only too
import encodings.latin_1  # noqa: F401
import encodings.utf_8_sig  # noqa: F401 - an import of a CSV export as another user
import encodings.utf_16  # noqa: F401
import grp  # noqa: F401
import mimetypes  # evidence add: a copy's media type, by its name
import os
import pwd  # noqa: F401
import sys

from hsp_tui.__main__ import main
from hsp_tui.formats import exports, importing, report, schema
from hsp_tui.storage.file import acl, backups, folders, inplace, journal, notices, outputfiles, paths, planlock, safefiles  # noqa: F401
from hsp_tui.storage import store
from hsp_tui.storage.file import jsonfile, lockfile  # noqa: F401 - loaded as root (opened lazily by the CLI)
from hsp_tui.storage.file import evidencefolder  # noqa: F401 - the evidence commands (issue 24)
from hsp_tui.cli import evidence_commands  # noqa: F401
from hsp_tui.domain import asof, evidence, plancheck  # noqa: F401

# Modules the commands import where they are used (issue 25: a command loads only what it needs),
# which the interpreter's own folder, root's only here, would refuse once the process is the user.
import dateutil.relativedelta  # noqa: E402,F401 - a month's end (six's importer needs importlib.util)
import getpass  # noqa: E402,F401 - the login name when no --user is given
import hashlib  # noqa: E402,F401 - a journal's digest
import importlib.util  # noqa: E402,F401
import shutil  # noqa: E402,F401

mimetypes.init()  # its tables read as root

uid, gid, groups, umask = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4], 8)
os.setgroups([int(g) for g in groups.split(",") if g])
os.setresgid(gid, gid, gid)
os.setresuid(uid, uid, uid)
os.umask(umask)
sys.exit(main(sys.argv[5:]))
