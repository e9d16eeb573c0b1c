"""This user's memo of checked plan files (`storage.file.checked`, issue 25): a note on a file whose
bytes this user's hsp-tui checked in full before (or wrote) decodes only the plan's own record and
the one it changes. It must change nothing a user sees: the same bytes as a note that checks the
file whole; any other file (a colleague's save, any byte) checked whole again; a memo planted or
spoiled in any way ignored, never written through, never more readable than its owner's files.
(The same with real other users in a shared folder: tests/reliability/test_checked_memo_people.py.)"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from hsp_tui.domain.errors import HspError
from hsp_tui.storage.file import checked
from hsp_tui.storage.file.planbytes import dumps
from hsp_tui.storage.store import Store

AT = "2011-06-01T09:30:00+00:00"


def store(path: Path) -> Store:
    return Store(path, clock=lambda: AT)


def memo_holds(path: Path) -> bool:
    return checked.lookup(path.read_bytes()) is not None


def outcome(path: Path, number: int = 5) -> tuple[str, object]:
    """What a note does to the file: the bytes it leaves, or the one line that refused it (and the
    file left as it was)."""
    before = path.read_bytes()
    try:
        store(path).add_note(number, "Met the partners.", by="ann")
    except HspError as exc:
        assert path.read_bytes() == before
        return "refused", str(exc)
    return "saved", path.read_bytes()


def refused_as_damaged(plan: Path) -> bool:
    """Whether a note refuses the plan of `_damaged_plan`, naming its damaged record."""
    kind, said = outcome(plan)
    return kind == "refused" and re.search(f"recommendation {COUNT}: .*status", str(said)) is not None


def with_cache(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))


COUNT = 2200  # items: a plan over `checked.WORTH` (2 MB), where a note uses the memo


def make_plan(order: str = "ascending") -> bytes:
    """A plan as hsp-tui writes it, large enough for the memo, with a text that is awkward to find
    in the file's bytes (it looks like the start of record 5); its items numbered 1 to COUNT, in
    that order, or the other way round, or in another order with the last number far larger (a note
    finds its item by where it should stand when the numbers go up evenly, else by searching)."""
    from hsp_tui.formats.importing import seed_to_data
    from hsp_tui.storage.seed import seed_document

    seed = seed_to_data(seed_document(), by="tester", at="2010-06-01T09:00:00+01:00")
    docs = list(seed["recommendations"].values())
    numbers = {"ascending": list(range(1, COUNT + 1)), "descending": list(range(COUNT, 0, -1)),
               "uneven": [*range(2, COUNT, 2), *range(1, COUNT, 2), 50 * COUNT, COUNT]}[order]
    recs = {str(n): dict(docs[n % len(docs)], number=n) for n in numbers}
    recs["3"]["owner"] = 'Directeur général \u2028 "Policy"\n    "5": {'
    raw = dumps({**seed, "recommendations": recs})
    assert len(raw) > checked.WORTH
    return raw


@pytest.fixture(scope="module")
def plan_bytes() -> bytes:
    return make_plan()


@pytest.fixture
def plan(plan_bytes, tmp_path) -> Path:
    path = tmp_path / "plan.json"
    path.write_bytes(plan_bytes)
    return path


@pytest.mark.parametrize("order", ["ascending", "descending", "uneven"])
def test_a_note_through_the_memo_writes_the_same_bytes_as_one_that_checks_the_file_whole(order, tmp_path,
                                                                                        monkeypatch):
    """The same changes on two copies, one with this user's memo, one with none each time (a new
    machine): after each, the two files are byte for byte the same, and the first copy's next change
    found its bytes in the memo (so it did not check them whole)."""
    warm, cold = tmp_path / "plan.json", tmp_path / "cold.json"
    warm.write_bytes(make_plan(order))
    shutil.copyfile(warm, cold)
    memo, nothing = tmp_path / "memo", tmp_path / "no-memo"
    steps = [lambda s: s.add_note(1, "first", by="ann"),
             lambda s: s.add_note(COUNT, 'Met the "partners"\n\u2028 é \x1b[31m', by="bob"),
             lambda s: s.add_note(3, "the awkward one", by="ann"),
             lambda s: s.set_owner(7, "Head of \"Audit\"", by="ann", note="handed over"),
             lambda s: s.set_status(COUNT, "in_progress", by="ann"),
             lambda s: s.set_status(COUNT, "in_progress", by="ann"),  # (the same again: nothing saved)
             lambda s: s.add_note(5, "x" * 5000, by="ann"),
             lambda s: s.add_note(COUNT // 2 + 1, "halfway", by="ann"),
             lambda s: s.add_note(COUNT - 1, "near the end", by="ann")]
    for k, step in enumerate(steps):
        with_cache(monkeypatch, memo)
        assert memo_holds(warm) is (k > 0)
        through_memo = step(store(warm))
        shutil.rmtree(nothing, ignore_errors=True)
        with_cache(monkeypatch, nothing)
        checked_whole = step(store(cold))
        assert warm.read_bytes() == cold.read_bytes(), k
        # What the command is told: the same change, and the whole plan as it left it (built on demand)
        for field in ("number", "entry", "summary", "record", "meta"):
            assert getattr(through_memo, field) == getattr(checked_whole, field), (k, field)
        assert through_memo.plan == checked_whole.plan, k
    with_cache(monkeypatch, memo)
    assert memo_holds(warm)
    with pytest.raises(HspError, match=f"no recommendation {COUNT + 1}"):  # a number the plan does not have
        store(warm).add_note(COUNT + 1, "x", by="ann")


def _colleagues_changes(raw: bytes):
    """The file's bytes as a colleague may leave them: damaged in the ways tests/test_file_format.py
    and the readers refuse, or changed validly, or one byte changed, added or dropped anywhere."""
    yield "a record far down damaged", _status_of_the_last(raw, b"finished-ish"), True
    table = raw[raw.index(b'\n  "recommendations": {'):-3]
    yield "the recommendations given twice", raw[:-3] + b"," + table + b"\n}\n", True
    damaged = raw.replace(b'"owner": "', b'"owner": 7, "x": "', 1)
    yield "given twice, the first damaged", damaged[:-3] + b"," + table + b"\n}\n", True
    yield "a key that is not its number", raw.replace(b'\n    "%d": {' % COUNT, b'\n    "%d": {' % (COUNT + 1)), True
    owner = raw.index(b'\n      "owner": ', raw.index(b'\n    "5": {'))
    yield "a field given twice in the noted record", raw[:owner] + b'\n      "owner": "Mallory",' + raw[owner:], True
    yield "a record removed", raw.replace(b'\n    "5": {', b'\n    "5x": {'), True
    yield "another version", raw.replace(b'"schema_version": 1', b'"schema_version": 2'), True
    yield "not JSON", raw[:len(raw) // 2], True
    yield "a colleague's note", raw.replace(b"Met the partners.", b"Met the partners!"), False
    yield "a colleague's layout", raw.replace(b'\n      "ref"', b'\n        "ref"'), False
    five = raw.index(b'\n    "5": {')
    for at in sorted({0, 1, 2, five - 1, five, five + 3, five + 12, len(raw) // 2, len(raw) - 2, len(raw) - 1}):
        changed = raw[at:at + 1] != b" "
        yield f"byte {at} changed", raw[:at] + (b" " if changed else b"\t") + raw[at + 1:], None
        yield f"byte {at} dropped", raw[:at] + raw[at + 1:], None
        yield f"a byte added at {at}", raw[:at] + b" " + raw[at:], None


def _status_of_the_last(raw: bytes, status: bytes) -> bytes:
    at = raw.rindex(b'"status": "') + len(b'"status": "')
    return raw[:at] + status + raw[raw.index(b'"', at):]


def test_a_file_a_colleague_changed_is_checked_whole_again(plan, tmp_path, monkeypatch):
    """Right after this user's note left its memo, a colleague changes the file: whatever the change,
    the next note does what a note with no memo does (refuses a damaged file before any save, with
    the same line; saves a valid one as the same bytes)."""
    outcome(plan)
    raw = plan.read_bytes()
    assert memo_holds(plan)
    warm_cache, cold_cache = Path(os.environ["XDG_CACHE_HOME"]), tmp_path / "cold-cache"
    warm, cold = tmp_path / "warm" / "plan.json", tmp_path / "cold" / "plan.json"
    warm.parent.mkdir(), cold.parent.mkdir()
    for name, changed, damaged in _colleagues_changes(raw):
        assert changed != raw, name
        warm.write_bytes(changed), cold.write_bytes(changed)
        with_cache(monkeypatch, warm_cache)
        assert checked.lookup(raw) is not None and not memo_holds(warm)
        got = outcome(warm)
        shutil.rmtree(cold_cache, ignore_errors=True)
        with_cache(monkeypatch, cold_cache)
        expected = outcome(cold)
        assert got == (expected[0], expected[1].replace(str(cold.parent), str(warm.parent))
                       if expected[0] == "refused" else expected[1]), name
        if damaged is not None:
            assert (got[0] == "refused") is damaged, (name, got)


def _damaged_plan(plan: Path) -> tuple[bytes, tuple[bytes, int]]:
    """The plan with a record far from the noted one damaged, in hsp-tui's layout, and what the
    memo would hold for it (its digest, its size)."""
    damaged = _status_of_the_last(plan.read_bytes(), b"finished-ish")
    plan.write_bytes(damaged)
    return damaged, (checked.sha256(damaged), len(damaged))


def test_a_memo_as_hsp_tui_writes_it_is_trusted_so_it_must_be_the_users_own(plan, own_cache):
    """The control for the planted memos below: the memo hsp-tui writes, saying a damaged file was
    found whole, is believed (the note does not read the damaged record); that is why only a memo
    this user's hsp-tui wrote, where nobody else may write, is read at all."""
    damaged, entry = _damaged_plan(plan)
    assert refused_as_damaged(plan)
    checked.remember(*entry)
    assert oct(stat.S_IMODE(os.stat(own_cache / "hsp-tui").st_mode)) == "0o700"
    assert oct(stat.S_IMODE(os.stat(own_cache / "hsp-tui" / checked.NAME).st_mode)) == "0o600"
    assert outcome(plan)[0] == "saved"


def _plant(own_cache: Path, how: str, entry: tuple[bytes, int], tmp_path: Path) -> Path:
    """A memo saying the bytes of `entry` were checked, planted as `how`; returns what was planted (a file that
    must be left as it is, or the memo's own path)."""
    import hsp_tui

    folder = own_cache / "hsp-tui"
    if how == "another version's":
        version, hsp_tui.__version__ = hsp_tui.__version__, "0.0.9"
        try:
            checked.remember(*entry)
        finally:
            hsp_tui.__version__ = version
        return folder / checked.NAME
    checked.remember(*entry)  # the very bytes hsp-tui writes ...
    memo = folder / checked.NAME
    body = memo.read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if how == "a link to a memo":
        memo.rename(elsewhere / checked.NAME)
        memo.symlink_to(elsewhere / checked.NAME)
        return elsewhere / checked.NAME
    if how == "a link to a memo folder":
        folder.rename(elsewhere / "hsp-tui")
        folder.symlink_to(elsewhere / "hsp-tui")
        return elsewhere / "hsp-tui" / checked.NAME
    if how == "a hard link":
        os.link(memo, elsewhere / "copy")
        return elsewhere / "copy"
    if how == "group-writable":
        memo.chmod(0o620)
    elif how == "writable by all":
        memo.chmod(0o602)
    elif how == "a folder others may write":
        folder.chmod(0o777)
    elif how == "another user's":
        os.chown(memo, 2002, 2002)
    elif how == "in another user's folder":
        os.chown(folder, 2002, 2002)
    elif how == "a FIFO":
        memo.unlink()
        os.mkfifo(memo, 0o600)
    elif how == "garbage":
        memo.write_bytes(body + b"\x00\xff not a digest\n")
    elif how == "cut short":
        memo.write_bytes(body[:-5])
    elif how == "a digest too short":
        head, last = body[:-1].rsplit(b"\n", 1)
        memo.write_bytes(head + b"\n" + last[2:] + b"\n")  # "<62 hex digits> <size>"
    elif how == "empty":
        memo.write_bytes(b"")
    return memo


PLANTED = ["a link to a memo", "a link to a memo folder", "a hard link", "group-writable", "writable by all",
           "a folder others may write", "another user's", "in another user's folder", "a FIFO",
           "another version's", "garbage", "cut short", "a digest too short", "empty"]


@pytest.mark.parametrize("how", PLANTED)
def test_a_memo_planted_or_spoiled_is_ignored_and_never_written_through(plan, own_cache, tmp_path, how):
    """A memo that says the damaged file was checked, but is a link, another user's, writable by
    others, a FIFO, another version's or garbage: ignored (the damaged file is refused, no command
    fails for the memo itself); what was planted is left as it was, nothing is written through it,
    and a folder others may write gets nothing from this user."""
    needs_root = how in ("another user's", "in another user's folder")
    if needs_root and os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    damaged, entry = _damaged_plan(plan)
    planted = _plant(own_cache, how, entry, tmp_path)
    looked = os.lstat(planted)
    held = os.open(planted, os.O_RDONLY | os.O_NOFOLLOW) if stat.S_ISREG(looked.st_mode) else None
    try:
        content = os.pread(held, 1 << 16, 0) if held is not None else None
        assert refused_as_damaged(plan)
        assert plan.read_bytes() == damaged
        folder = own_cache / "hsp-tui"
        listing = sorted(os.listdir(folder))
        # A valid file: the note goes through (the memo never makes it fail) ...
        plan.write_bytes(_status_of_the_last(damaged, b"in_progress"))
        assert outcome(plan)[0] == "saved"
        # ... and writes nothing into what was planted, nothing into a folder others may write.
        if held is not None:
            assert os.pread(held, 1 << 16, 0) == content
    finally:
        if held is not None:
            os.close(held)
    if how in ("a folder others may write", "in another user's folder", "a link to a memo folder"):
        assert sorted(os.listdir(folder)) == listing
        assert not memo_holds(plan)
    else:  # this user's own folder: a memo is written anew in place of what was there (never into it)
        memo = folder / checked.NAME
        assert stat.S_ISREG(os.lstat(memo).st_mode) and stat.S_IMODE(os.lstat(memo).st_mode) == 0o600
        assert memo_holds(plan)
        if how in ("a link to a memo", "a hard link"):
            assert planted.read_bytes() == content and os.lstat(planted).st_ino == looked.st_ino


def test_the_memo_is_readable_by_its_owner_only_whatever_the_umask(plan, own_cache):
    """A digest lets whoever reads it confirm a guess of a plan's contents: the memo's folders are
    made 0700 and the memo 0600 even under a umask that lets the group and others read everything."""
    shutil.rmtree(own_cache)
    old = os.umask(0o000)
    try:
        outcome(plan)
    finally:
        os.umask(old)
    for path, mode in ((own_cache, 0o700), (own_cache / "hsp-tui", 0o700), (own_cache / "hsp-tui" / checked.NAME, 0o600)):
        assert stat.S_IMODE(os.stat(path).st_mode) == mode, path
    assert memo_holds(plan)


def test_a_small_plan_is_checked_whole_with_no_memo(seed_data, tmp_path, own_cache):
    """Below `checked.WORTH` a note checks the file whole, as before the memo (cheaper there than
    loading OpenSSL and hashing it), and keeps no memo."""
    small = tmp_path / "small.json"
    small.write_bytes(dumps(seed_data))
    assert outcome(small)[0] == "saved" and outcome(small)[0] == "saved"
    assert not (own_cache / "hsp-tui").exists()


def test_no_memo_where_none_can_be_kept(plan, monkeypatch, tmp_path):
    """A cache folder that cannot be made (a file in its way, a home that does not exist): every note
    checks the file whole, and none fails for it."""
    (tmp_path / "a-file").write_text("")
    for cache in (tmp_path / "a-file", Path("/dev/null")):
        with_cache(monkeypatch, cache)
        assert outcome(plan)[0] == "saved" and outcome(plan)[0] == "saved"
        assert not memo_holds(plan)
