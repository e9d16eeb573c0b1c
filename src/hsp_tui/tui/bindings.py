"""The app's key bindings as a whole: the ids a settings file may remap, which bindings are active at
the same time (so that a remapping giving one key to two of them is refused), and their titles in
the help and the command palette. Only Textual's public `Binding` and `BindingsMap` are used."""

from __future__ import annotations

from textual.binding import Binding, BindingsMap, InvalidBinding

COMMAND_TITLES = {
    "add_note": "Add a progress note", "edit": "Edit owner and deadline",
    "milestone": "Mark a milestone done / open", "undo": "Undo my last change",
    "overdue_only": "Overdue only on / off", "filter": "Filter by text",
    "cycle_sort": "Sort by number / due / owner / status", "export": "Export (JSON, CSV, Markdown, HTML)",
    "progress_chart": "Progress over time (chart and figures by week)",
    "verify": "Verify a done item: accept (Verified) or reject (back to In progress)",
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


def class_bindings(cls: type) -> BindingsMap:
    """The bindings a class has with those it inherits (a subclass's binding of a key replaces its
    bases'), from each class's BINDINGS."""
    keys: dict[str, list[Binding]] = {}
    for base in reversed(cls.__mro__):
        own = base.__dict__.get("BINDINGS")
        if own:
            keys.update(BindingsMap(own).key_to_bindings)
    return BindingsMap.from_keys(keys)


def _entries(cls: type) -> list[tuple[str, str, str]]:
    """(id or name, keys, action) for each binding of `cls`, one entry per id with all its keys
    (a [keys] entry replaces them all)."""
    merged: dict[str, tuple[str, str]] = {}
    for key, bindings in class_bindings(cls).key_to_bindings.items():
        for b in bindings:
            name = b.id or f"{cls.__name__}'s {b.action}"
            keys, _ = merged.get(name, ("", b.action))
            merged[name] = (f"{keys},{key}" if keys else key, b.action)
    return [(name, keys, action) for name, (keys, action) in merged.items()]


def binding_scopes() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each set of bindings active at the same time, as (where, [(id or name, keys, action)]): the
    app's with the main screen's and one pane's (the focused one), and the app's with each dialog's."""
    from .app import HspApp
    from .screens.main import MainScreen
    from .screens.modals import EditScreen, ExportScreen, HelpScreen, MilestoneScreen, NoteScreen
    from .screens.review_date import ReviewDateScreen
    from .widgets.detail import DetailPane
    from .widgets.panes import DeadlinesPane, OwnersPane
    from .widgets.rectable import RecTable

    app = _entries(HspApp)
    scopes = [(f"on the main screen, in the {name}", app + _entries(MainScreen) + _entries(cls))
              for name, cls in (("table", RecTable), ("detail", DetailPane), ("owners pane", OwnersPane),
                                ("deadlines pane", DeadlinesPane))]
    scopes += [(f"in the {name} dialog", app + _entries(cls))
               for name, cls in (("note", NoteScreen), ("edit", EditScreen), ("export", ExportScreen),
                                 ("milestone", MilestoneScreen), ("help", HelpScreen),
                                 ("review date", ReviewDateScreen))]
    return scopes


def binding_ids() -> set[str]:
    """Every binding id a [keys] table may remap."""
    from .app import HspApp
    from .screens.main import MainScreen
    from .widgets.detail import DetailPane
    from .widgets.panes import DeadlinesPane, OwnersPane
    from .widgets.rectable import RecTable

    ids = set()
    for cls in (HspApp, MainScreen, RecTable, DetailPane, OwnersPane, DeadlinesPane):
        ids |= {b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id}
    return ids
