"""The full-screen app (Textual). Only `hsp-tui` with no command imports this package (the program,
`hsp_tui.__main__`, gives the command line `run_app` to open it)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hsp_tui.cli.config import Settings
    from hsp_tui.storage.store import Store
    from hsp_tui.tui.app import HspApp

__all__ = ["app_for", "build_app", "run_app"]

def build_app(store: "Store", *, as_of: date, user: str, as_of_given: bool = False, due_soon_days: int = 14,
              settings: "Settings | None" = None, **kwargs: Any) -> "HspApp":
    """The app for this store. Refuses (InputError) a settings file naming an unknown theme or key id,
    or giving one key to two bindings active at the same time."""
    from hsp_tui.tui.app import HspApp

    app = HspApp(store, as_of=as_of, user=user, as_of_given=as_of_given, due_soon_days=due_soon_days,
                 settings=settings, **kwargs)
    if settings is not None:
        settings.check_theme(app.available_themes)
    if settings is not None and settings.keys:
        # Checked against every screen's bindings (tui/keymap.py imports every dialog): only when
        # the file remaps a key; the first screen loads no dialog otherwise (issue 25).
        from hsp_tui.tui.bindings import key_name
        from hsp_tui.tui.keymap import binding_ids, binding_scopes

        settings.check_keys(binding_ids())
        settings.check_key_clashes(binding_scopes(), normalize=key_name)
    return app


def run_app(ctx: Any) -> int:
    """Open the app for the CLI context. File and settings errors raise HspError before it starts."""
    from hsp_tui.tui.collector import hold_for_start, release_start

    hold_for_start()  # no cycle collection until the first screen shows (tui/collector.py)
    try:
        from hsp_tui.tui.crash import crash_folder, run_reporting_crashes

        import sys

        from hsp_tui.tui.ascii import ascii_where_needed, terminal_encoding, users_environment

        app = app_for(ctx)
        # Textual draws on stderr, in the terminal's encoding (the user's locale, not Python's UTF-8 mode).
        with ascii_where_needed(sys.__stderr__, terminal_encoding(users_environment())):
            result = run_reporting_crashes(app, crash_folder(ctx.env))
    finally:
        release_start()  # the app stopped before its first screen showed (a bad plan, a crash)
    if app.failure is not None:  # the rest of a large plan could not be read (a damaged record)
        raise app.failure
    return int(result or 0)  # CRASH_EXIT after a crash (reported as one line, the details in a log)


def app_for(ctx: Any) -> "HspApp":
    """The app for the CLI context: settings (read once, by the context) checked, the plan file
    opened and read. `ctx.due_soon_days` is the file's window unless the command line gave one."""
    # A long-running program: the store keeps what it read and wrote, so its next save need not
    # read the file again. The plan is read and checked as the app is built (a bad file is refused
    # before the app starts).
    store = ctx.store(long_running=True)
    return build_app(store, as_of=ctx.as_of, user=ctx.user, as_of_given=ctx.as_of_given,
                     due_soon_days=ctx.due_soon_days, settings=ctx.settings)
