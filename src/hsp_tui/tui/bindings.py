"""The words and names of the app's keys: each binding's title in the help and the command palette,
and a key as Textual names it. (The bindings as a whole, for a settings file's remapping, are in
keymap.py.) Only Textual's public `Binding` and `BindingsMap` are used."""

from __future__ import annotations

from textual.binding import Binding, BindingsMap, InvalidBinding

COMMAND_TITLES = {
    "add_note": "Add a progress note", "edit": "Edit owner and deadline",
    "milestone": "Mark a milestone done / open", "undo": "Undo my last change",
    "overdue_only": "Overdue only on / off", "filter": "Filter by text",
    "cycle_sort": "Sort by number / due / owner / status", "export": "Export (JSON, CSV, Markdown, HTML)",
    "progress_chart": "Progress over time (chart and figures by week)",
    "verify": "Verify a done or dropped item: accept (Verified, or the drop final) or reject (sent back)",
    "clear_filters": "Clear filters", "help": "Help: keys", "quit": "Quit", "quit_ctrl_c": "Quit (from any screen)",
    "review_date": "Review date: judge the plan as of another day",
}


def command_title(b: Binding) -> str:
    if b.id in COMMAND_TITLES:
        return COMMAND_TITLES[b.id]
    if b.id and b.id.startswith("set_"):
        return f"Set status: {b.description}"
    return b.description


def key_name(key: str) -> str:
    """A key as Textual names it ('?' is 'question_mark', '/' is 'slash'), as a binding made with it
    would have it."""
    key = key.strip()
    try:
        return next(iter(BindingsMap([Binding(key, "")]).key_to_bindings), key)
    except InvalidBinding:  # '' or ',': not a key a binding can have
        return key
