"""The model built from stored documents is the same as one built through the constructors."""

import gc
from datetime import date

import msgspec
import pytest

from hsp_tui.domain.records import HistoryEntry, Milestone, Recommendation, Revision, Status


def test_from_dict_equals_the_constructor(seed_data):
    doc = dict(seed_data["recommendations"]["2"])
    doc["status"] = "blocked"
    doc["revisions"] = [{"deadline": "March 2011", "reason": "slipped", "by": "a", "at": "2010-06-01T09:00:00+01:00"}]
    doc["history"] = doc["history"] + [{"id": 2, "at": "2010-06-01T09:00:00+01:00", "by": "a", "action": "undo",
                                        "field": "status", "old": "done", "new": "blocked", "note": None,
                                        "undoes": 1}]
    built = Recommendation.from_dict(doc)
    expected = Recommendation(
        number=2, ref=doc["ref"], recommendation=doc["recommendation"],
        management_response=doc["management_response"], deadline=doc["deadline"], owner=doc["owner"],
        status=Status.BLOCKED,
        milestones=tuple(Milestone(m["label"], m["deadline"], m["done"]) for m in doc["milestones"]),
        revisions=(Revision("March 2011", "slipped", "a", "2010-06-01T09:00:00+01:00"),),
        history=tuple(HistoryEntry(**{k: h.get(k) for k in HistoryEntry.__struct_fields__ if k not in ("on", "evidence")},
                                   on=date.fromisoformat(h["on"]) if h.get("on") else None) for h in doc["history"]),
        repairs=tuple(doc["repairs"]),
    )
    assert built == expected
    assert built.to_dict() == {**doc, "history": [{k: v for k, v in h.items() if k != "undoes" or v is not None}
                                                  for h in doc["history"]]}
    with pytest.raises(AttributeError):
        built.owner = "someone else"  # still immutable


def test_records_are_left_out_of_the_cycle_collector(seed_data):
    """A plan's records are trees freed by reference counting: a collection never walks them."""
    rec = Recommendation.from_dict(seed_data["recommendations"]["2"])
    assert not any(gc.is_tracked(x) for x in (rec, *rec.milestones, *rec.history))


def test_values_are_checked_not_coerced(seed_data):
    doc = dict(seed_data["recommendations"]["2"])
    for key, bad in (("owner", {"a": 1}), ("number", "2"), ("status", "finished"), ("milestones", [
            {"label": "x", "deadline": "May 2010", "done": "false"}])):
        with pytest.raises(msgspec.ValidationError):
            Recommendation.from_dict({**doc, key: bad})
