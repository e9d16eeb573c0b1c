"""The plan file is a TinyDB database: `PlanStorage` is a drop-in TinyDB storage, and TinyDB reads what
the file backend writes (which bypasses TinyDB's tables for speed: see backends/jsonfile.py)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from tinydb import Query, TinyDB
from tinydb.storages import JSONStorage

from hsp_tui.storage.file.tinystorage import PlanStorage
from hsp_tui.domain.errors import PlanFileError
from hsp_tui.domain.records import Status
from hsp_tui.domain.records import META, RECS
from hsp_tui.storage.store import Store


@pytest.fixture(params=[JSONStorage, PlanStorage], ids=["tinydb", "ours"])
def storage(request):
    """Each behaviour is checked on TinyDB's own JSONStorage too: ours must do as it does."""
    return request.param


def test_insert_search_update_remove(tmp_path: Path, storage) -> None:
    path = tmp_path / "db.json"
    with TinyDB(path, storage=storage) as db:
        db.insert({"int": 1, "char": "a"})
        db.insert_multiple([{"int": 2, "char": "b"}, {"int": 3, "char": "c"}])
        db.update({"char": "z"}, Query().int == 2)
        db.remove(Query().int == 3)
    with TinyDB(path, storage=storage) as db:  # read back by a new database
        assert [(d.doc_id, d["char"]) for d in db.all()] == [(1, "a"), (2, "z")]
        assert db.search(Query().char == "z")[0]["int"] == 2
    with TinyDB(path) as plain:  # and by TinyDB with its own storage
        assert len(plain) == 2


def test_a_missing_file_is_created_on_open(tmp_path: Path, storage) -> None:
    path = tmp_path / "new.json"
    with TinyDB(path, storage=storage) as db:
        assert path.exists() and len(db) == 0
        db.table("t").insert({"a": 1})
    assert json.loads(path.read_text(encoding="utf-8")) == {"t": {"1": {"a": 1}}}


def test_create_dirs(tmp_path: Path, storage) -> None:
    path = tmp_path / "a" / "b" / "db.json"
    with pytest.raises(OSError):
        TinyDB(path, storage=storage)  # no such folder
    with TinyDB(path, storage=storage, create_dirs=True) as db:
        db.insert({"x": 1})
    assert path.exists()


def test_json_options_and_encoding_are_those_of_json_dumps(tmp_path: Path, storage) -> None:
    path = tmp_path / "db.json"
    with TinyDB(path, storage=storage, indent=4, sort_keys=True, ensure_ascii=False, encoding="latin-1") as db:
        db.insert({"b": "café", "a": 1})
    text = path.read_bytes().decode("latin-1")
    assert text == json.dumps({"_default": {"1": {"b": "café", "a": 1}}}, indent=4, sort_keys=True,
                              ensure_ascii=False)
    with TinyDB(path, storage=storage, encoding="latin-1") as db:
        assert db.all() == [{"b": "café", "a": 1}]


def test_read_only_access_mode_reads_and_refuses_writes(tmp_path: Path, storage) -> None:
    path = tmp_path / "db.json"
    with TinyDB(path, storage=storage) as db:
        db.insert({"a": 1})
    before = path.read_bytes()
    with TinyDB(path, storage=storage, access_mode="r") as db:
        assert db.all() == [{"a": 1}]
        with pytest.raises(IOError, match='Access mode is "r"'):
            db.insert({"a": 2})
    assert path.read_bytes() == before
    with pytest.raises(FileNotFoundError):
        TinyDB(tmp_path / "absent.json", storage=storage, access_mode="r")


def test_a_bad_access_mode_warns_and_a_folder_is_refused(tmp_path: Path, storage) -> None:
    with pytest.warns(UserWarning, match="access_mode"):
        TinyDB(tmp_path / "w.json", storage=storage, access_mode="a+").close()
    with pytest.raises(OSError), warnings.catch_warnings():
        TinyDB(tmp_path, storage=storage)  # a folder, not a file


def test_our_writes_are_whole_file_replacements_with_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    with TinyDB(path, storage=PlanStorage) as db:
        db.insert({"a": 1})
        inode = path.stat().st_ino
        db.insert({"a": 2})
        assert path.stat().st_ino != inode  # a new file put in place of the old, never rewritten in place
    assert json.loads(path.with_name("db.json.bak").read_bytes()) == {"_default": {"1": {"a": 1}}}
    assert not list(tmp_path.glob(".*.tmp"))


def test_tinydb_reads_what_the_file_backend_writes(plan_path: Path, store: Store) -> None:
    store.set_status(3, "in progress", by="alice")
    store.add_note(3, "Kick-off [b]held[/b]", by="alice")
    for storage in (JSONStorage, PlanStorage):
        with TinyDB(plan_path, storage=storage) as db:
            assert db.table(META).get(doc_id=1)["app"] == "hsp-tui"
            doc = db.table(RECS).get(doc_id=3)
            assert doc["status"] == "in_progress" and doc["history"][-1]["note"] == "Kick-off [b]held[/b]"
            assert len(db.table(RECS)) == 12


def test_the_file_backend_reads_what_tinydb_writes(plan_path: Path, store: Store) -> None:
    with TinyDB(plan_path, storage=PlanStorage) as db:
        db.table(RECS).update({"owner": "Head of Policy"}, doc_ids=[4])
    assert store.load().get(4).owner == "Head of Policy"
    store.set_status(4, Status.DONE, by="alice")  # a change on top of TinyDB's write keeps it
    rec = Store(plan_path).load().get(4)
    assert rec.owner == "Head of Policy" and rec.status is Status.DONE


def test_a_write_through_the_storage_takes_the_plans_lock(plan_path: Path) -> None:
    from hsp_tui.storage.file.lockfile import plan_lock

    class Impatient(PlanStorage):
        lock_timeout = 0.2

    before = plan_path.read_bytes()
    with plan_lock(plan_path):  # someone is saving the plan
        with TinyDB(plan_path, storage=Impatient) as db:
            with pytest.raises(PlanFileError, match="held the lock"):
                db.table(RECS).update({"owner": "x"}, doc_ids=[1])
    assert plan_path.read_bytes() == before


def test_a_table_that_is_not_ours_is_kept_by_every_change(plan_path: Path) -> None:
    """A TinyDB user may keep tables of their own in the file: the backend's changes leave them as they are."""
    with TinyDB(plan_path, storage=PlanStorage) as db:
        db.table("my_notes").insert({"text": "ask about No. 4", "tags": ["audit", 2010]})
    store = Store(plan_path, long_running=True)
    store.set_status(4, Status.DONE, by="alice")
    store.add_note(4, "done", by="alice")  # the second change starts from what the first wrote
    with TinyDB(plan_path) as db:
        assert db.table("my_notes").all() == [{"text": "ask about No. 4", "tags": ["audit", 2010]}]
        assert db.table(RECS).get(doc_id=4)["status"] == "done"
