"""What the panes show, as plain data: sorting, filtering and the words in each cell.

No Textual here (only Rich text), so the rules are easy to test and cheap to run on 10,000 items.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable, Iterable, Sequence

from ..cli import fmt_date
from ..model import Recommendation, Status
from ..review import ItemReview, Review
from ..textsafe import one_line, visible

SORTS = ("number", "due", "owner", "status")
STATUS_ORDER = {s: k for k, s in enumerate(Status)}
# The status keys, in the order of the number keys 1-5.
STATUS_KEYS = tuple(Status)


def due_text(item: ItemReview) -> str:
    """The current due date ('30 Apr 2010'), 'Ongoing' when there is none, 'no date' when unreadable."""
    if item.due:
        return fmt_date(item.due)
    if item.rec.current(None).precision == "ongoing":
        return "Ongoing"
    return "no date"


def sort_items(items: Iterable[ItemReview], key: str) -> list[ItemReview]:
    far = date.max
    keys: dict[str, Callable[[ItemReview], tuple]] = {
        "number": lambda i: (i.number,),
        "due": lambda i: (i.due is None, i.due or far, i.number),
        "owner": lambda i: (i.rec.owner.casefold(), i.number),
        "status": lambda i: (STATUS_ORDER[i.rec.status], i.number),
    }
    return sorted(items, key=keys[key])


def matches(item: ItemReview, needle: str) -> bool:
    """Text filter: the number, ref, recommendation, response or owner contains `needle` (any case)."""
    rec = item.rec
    return (needle == str(rec.number) or needle in rec.ref.casefold() or needle in rec.owner.casefold()
            or needle in rec.recommendation.casefold() or needle in rec.management_response.casefold())


def select(rv: Review, *, text: str = "", owner: str | None = None, overdue_only: bool = False,
           sort: str = "number") -> list[ItemReview]:
    needle = text.strip().casefold()
    items: Sequence[ItemReview] = rv.items
    if owner is not None:
        items = [i for i in items if i.rec.owner == owner]
    if overdue_only:
        items = [i for i in items if i.overdue]
    if needle:
        items = [i for i in items if matches(i, needle)]
    return sort_items(items, sort)


def when_text(at: str) -> str:
    """An ISO timestamp as officers read it: '1 Jun 2010 09:00'; anything else as it is."""
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return visible(str(at))
    return f"{moment.day} {moment:%b %Y %H:%M}"


def deadline_story(rec: Recommendation) -> str:
    """'April – May 2010' or 'agreed April – May 2010, revised to July 2010' (then 'and to ...')."""
    agreed = visible(rec.deadline) or "none given"
    if not rec.revisions:
        return agreed
    steps = [visible(r.deadline) for r in rec.revisions]
    story = f"agreed {agreed}, revised to {steps[0]}"
    for step in steps[1:]:
        story += f", then to {step}"
    return story


def filter_words(*, text: str, owner: str | None, overdue_only: bool) -> list[str]:
    words = []
    if overdue_only:
        words.append("overdue only")
    if owner is not None:
        words.append(f"owner {one_line(owner, 30)}")
    if text.strip():
        words.append(f"text {one_line(text.strip(), 30)!r}")
    return words
