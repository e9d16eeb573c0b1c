"""The app's key bindings as a whole: the ids a settings file may remap, and which bindings are
active at the same time (so that a remapping giving one key to two of them is refused). It looks at
every screen and pane, so it sits above them all (only `build_app` uses it). Only Textual's public
`Binding` and `BindingsMap` are used."""

from __future__ import annotations

from textual.binding import Binding, BindingsMap

from hsp_tui.tui.app import HspApp
from hsp_tui.tui.screens.edit import EditScreen
from hsp_tui.tui.screens.evidence_list import EvidenceScreen
from hsp_tui.tui.screens.export import ExportScreen
from hsp_tui.tui.screens.help import HelpScreen
from hsp_tui.tui.screens.main import MainScreen
from hsp_tui.tui.screens.milestone import MilestoneScreen
from hsp_tui.tui.screens.note import NoteScreen
from hsp_tui.tui.screens.review_date import ReviewDateScreen
from hsp_tui.tui.widgets.detail import DetailPane
from hsp_tui.tui.widgets.panes import DeadlinesPane, OwnersPane
from hsp_tui.tui.widgets.rectable import RecTable


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
    app = _entries(HspApp)
    scopes = [(f"on the main screen, in the {name}", app + _entries(MainScreen) + _entries(cls))
              for name, cls in (("table", RecTable), ("detail", DetailPane), ("owners pane", OwnersPane),
                                ("deadlines pane", DeadlinesPane))]
    scopes += [(f"in the {name} dialog", app + _entries(cls))
               for name, cls in (("note", NoteScreen), ("edit", EditScreen), ("export", ExportScreen),
                                 ("milestone", MilestoneScreen), ("help", HelpScreen),
                                 ("review date", ReviewDateScreen), ("evidence", EvidenceScreen))]
    return scopes


def binding_ids() -> set[str]:
    """Every binding id a [keys] table may remap."""
    ids = set()
    for cls in (HspApp, MainScreen, RecTable, DetailPane, OwnersPane, DeadlinesPane):
        ids |= {b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id}
    return ids
