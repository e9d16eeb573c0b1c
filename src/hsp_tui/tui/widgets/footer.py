"""The footer: one line of the keys in force, drawn from the screen's bindings (public API only).

The five status keys read as one entry ("1-5 Status"); on a narrow terminal only the keys an
officer needs most are shown (the rest are in the help screen and the command palette). A click on
an entry runs its action, as a key press would.
"""

from __future__ import annotations

from typing import Callable

from textual.content import Content
from textual.markup import escape
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from hsp_tui.domain.textsafe import visible

STATUS_ACTION = "set_status("
# Left out on a narrow terminal when the line would not hold them, the first first (and the command
# palette's ^p): a read-only plan's footer, without the change keys, has room for `r`, its way out.
NARROW_HIDDEN = ("cycle_sort", "toggle_overdue", "review_date")
NARROW_BELOW = 110  # columns


class HspFooter(Static):
    DEFAULT_CSS = """
    HspFooter {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $footer-background;
        color: $footer-description-foreground;
        text-wrap: nowrap;
        text-overflow: clip;
        /* The keys are the clickable part: in the footer's key colour, bold, not underlined. */
        link-color: $footer-key-foreground;
        link-background: $footer-background;
        link-style: bold;
        link-color-hover: $footer-key-foreground;
        link-background-hover: $footer-key-foreground 25%;
        link-style-hover: bold;
    }
    """

    narrow: reactive[bool] = reactive(False)
    covered: reactive[bool] = reactive(False)  # the filter line is over it: nothing to redraw

    def __init__(self, status_keys: Callable[[], str], **kwargs) -> None:
        """`status_keys()`: how the status keys read now ("1-5", or the remapped keys)."""
        super().__init__("", **kwargs)
        self.status_keys = status_keys
        # What the footer shows: (keys as displayed, description, action run on a click); of those
        # it would show (`offered`), the ones that fit.
        self.entries: list[tuple[str, str, str]] = []
        self.offered: list[tuple[str, str, str]] = []
        self.palette = False  # the ^p hint at the right

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.call_after_refresh(self.bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Redrawn only when the keys it shows change (the focus moving between panes, or into the
        filter box that covers the footer, changes none of them)."""
        if self.covered or not self.is_attached or screen is not self.screen:
            return
        entries: list[tuple[str, str, str]] = []
        status_shown = False
        for node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or not enabled or self.app.refusal_for(binding.action):  # not this user's to do
                continue
            namespace = "app" if node is self.app else "screen" if node is screen else None
            if namespace is None:  # a pane's own keys (none are shown)
                continue
            if binding.action.startswith(STATUS_ACTION):
                if not status_shown:  # one entry for the five keys; a click opens the help, which lists them
                    status_shown = True
                    entries.append((visible(self.status_keys()), "Status", "app.help"))
                continue
            entries.append((visible(self.app.get_key_display(binding)), binding.description,
                            f"{namespace}.{binding.action}"))
        palette = not self.narrow and self.app.ENABLE_COMMAND_PALETTE
        if (entries, palette) == (self.offered, self.palette):
            return
        self.offered, self.palette = entries, palette
        self._draw()

    def _draw(self) -> None:
        width = self.content_region.width or self.app.size.width - 2

        def parts_of(entries: list[tuple[str, str, str]]) -> list[str]:
            return [f"[@click={action}]{escape(keys)}[/] {escape(description)}" for keys, description, action in entries]

        entries = list(self.offered)
        for left_out in NARROW_HIDDEN if self.narrow else ():
            if Content.from_markup(" ".join(parts_of(entries))).cell_length <= width:
                break
            entries = [e for e in entries if e[2].partition(".")[2] != left_out]
        self.entries = entries
        parts = parts_of(entries)
        line = Content.from_markup("  ".join(parts))
        if line.cell_length > width:  # closer together rather than cut off at the right
            line = Content.from_markup(" ".join(parts))
        hint = Content.from_markup("[@click=app.command_palette]^p[/] palette")
        gap = width - line.cell_length - hint.cell_length
        if self.palette and gap >= 2:  # where there is room (Help lists it too)
            line = line + Content(" " * gap) + hint
        self.update(line)

    def on_resize(self) -> None:
        self._draw()

    def watch_narrow(self) -> None:
        if self.is_mounted:
            self.bindings_changed(self.screen)

    def watch_covered(self, covered: bool) -> None:
        if not covered and self.is_attached:  # once the focus has moved back
            self.call_after_refresh(lambda: self.is_attached and self.bindings_changed(self.screen))
