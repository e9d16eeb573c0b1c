"""The plan's own history of its contacts in words: each `contact set` and `contact remove` (the app's
`c` dialog records the same), with when, who, the owner, and the addresses and sponsor set or removed.

For `hsp-tui contact history` and the app's contacts dialog, laid out as `show`'s history is (newest
first, "#id  when  who  what"). An auditor reads here why a reminder went to an address, or who named
the sponsor an item was escalated to. Every text from the plan goes through `textsafe.visible`
(`formatting.author_text`, `entry_when`). Pure code: the plan as it stood on the review date is
given (`asof.meta_as_of` cuts its history at that day).
"""

from __future__ import annotations

from msgspec import Struct

from hsp_tui.domain.history import contact_state
from hsp_tui.domain.records import HistoryEntry, PlanMeta, owner_key
from hsp_tui.domain.textsafe import visible
from hsp_tui.domain.vocabulary import Action
from hsp_tui.formats.formatting import author_text, effective_text, entry_when


def contact_changes(meta: PlanMeta, owner: str | None = None) -> tuple[HistoryEntry, ...]:
    """The plan's contact changes, oldest first; `owner`: that owner's only, matched as `contact set`
    matches owners (whatever the case or spacing)."""
    key = None if owner is None else owner_key(owner)
    return tuple(h for h in meta.history if h.action == Action.CONTACT and isinstance(h.field, str)
                 and (key is None or owner_key(h.field) == key))


def state_words(state: tuple[tuple[str, ...], tuple[str, ...] | None]) -> str:
    """A contact as one entry left it: 'ace@x, pa@x · sponsor ce@x' ('no sponsor'; 'sponsor not
    recorded' in an entry made before entries recorded it), spelled out safe to show."""
    addresses, sponsor = state
    said = visible(", ".join(addresses)) or "(no address)"
    if sponsor is None:
        return f"{said} · sponsor not recorded"
    return f"{said} · sponsor {visible(', '.join(sponsor))}" if sponsor else f"{said} · no sponsor"


def change_verb(entry: HistoryEntry) -> str:
    """'set' (a new contact), 'changed' or 'removed'."""
    if contact_state(entry.new) is None:
        return "removed"
    return "set" if contact_state(entry.old) is None else "changed"


def change_words(entry: HistoryEntry) -> str:
    """What one contact change did: 'set: ...', 'changed: ... (was ...)' or 'removed (was ...)'."""
    new, old = contact_state(entry.new), contact_state(entry.old)
    if new is None:
        return "removed" + (f" (was {state_words(old)})" if old is not None else "")
    if old is None:
        return f"set: {state_words(new)}"
    if new[1] is None and old[0] == new[0]:  # made before entries recorded the sponsor: only it changed
        return f"changed: {visible(', '.join(new[0]))} · sponsor changed, not recorded"
    return f"changed: {state_words(new)} (was {state_words(old)})"


class ContactLine(Struct, frozen=True):
    """One contact change as shown, every field safe to show."""

    id: int
    when: str  # '1 Jun 2010 09:00', or 'on 1 Sep 2010, recorded 6 Dec 2026 09:12'
    by: str
    owner: str
    what: str


def contact_lines(entries: tuple[HistoryEntry, ...]) -> list[ContactLine]:
    """The changes newest first, as `show`'s history lists an item's."""
    return [ContactLine(h.id, entry_when(h), author_text(h), visible(str(h.field)), change_words(h))
            for h in reversed(entries)]


def history_text(entries: tuple[HistoryEntry, ...], heading: str) -> str:
    """`contact history` as printed: the heading, then one line per change, newest first."""
    lines = [f"{heading}  (newest first)"]
    lines += [f"  #{c.id}  {c.when}  {c.by}  {c.owner}: {c.what}" for c in contact_lines(entries)]
    if len(lines) == 1:
        lines.append("  none yet")
    return "\n".join(lines)


def last_change_words(entries: tuple[HistoryEntry, ...]) -> str | None:
    """Who last changed an owner's contact and on which day it took effect: 'set by alice on 3 Mar
    2026' ('changed by', 'removed by'); None when it never was. For the app's contacts dialog."""
    if not entries:
        return None
    last = entries[-1]
    return f"{change_verb(last)} by {author_text(last)} on {effective_text(last)}"
