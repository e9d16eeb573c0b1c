"""The model built from stored documents is the same as one built through the constructors."""

import dataclasses

import pytest

from hsp_tui.model import HistoryEntry, Milestone, Recommendation, Revision, Status


@pytest.mark.parametrize("cls", [HistoryEntry, Recommendation])
def test_fast_construction_relies_on_plain_dataclasses(cls):
    assert not hasattr(cls, "__post_init__") and "__slots__" not in cls.__dict__


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
        history=tuple(HistoryEntry(**{k: h.get(k) for k in (f.name for f in dataclasses.fields(HistoryEntry))})
                      for h in doc["history"]),
        repairs=tuple(doc["repairs"]),
    )
    assert built == expected
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.owner = "someone else"  # still immutable
