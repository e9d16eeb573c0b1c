"""The detail of one recommendation: full text, response, deadlines, milestones, history."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...cli import fmt_date
from ...review import ItemReview
from ...textsafe import visible
from ..view import deadline_story, due_text, when_text


def render_detail(item: ItemReview | None, reference) -> Text:
    """The pane's text. Every piece of file text is appended as plain text (never markup)."""
    out = Text()
    if item is None:
        out.append("No recommendation selected.\n", style="italic")
        out.append("Nothing matches the current filters: press Escape to clear them.")
        return out
    rec = item.rec
    head = "bold"
    out.append(f"No. {rec.number}", style=head)
    out.append(f"  Ref {visible(rec.ref)}  ·  {rec.status.label}")
    if item.overdue:
        out.append("  ·  ")
        out.append(f"OVERDUE by {item.days_overdue} day{'s' if item.days_overdue != 1 else ''}",
                   style="bold red")
    elif item.due_soon:
        out.append("  ·  ")
        out.append("due soon", style="bold yellow")
    out.append("\nOwner: ", style=head)
    out.append(visible(rec.owner))
    out.append("\nDeadline: ", style=head)
    out.append(deadline_story(rec))
    out.append("\nDue: ", style=head)
    out.append(due_text(item))
    warning = rec.current(reference).warning
    if warning:
        out.append(f"\nWarning: {visible(warning)}", style="yellow")
    for r in rec.revisions:
        out.append("\n  Revised to ")
        out.append(visible(r.deadline))
        out.append(f" on {when_text(r.at)} by ")
        out.append(visible(r.by))
        out.append(": ")
        out.append(visible(r.reason))
    if rec.milestones:
        out.append("\n\nMilestones", style=head)
        if rec.revised:
            out.append("  (for reference: the revised deadline now sets the due date)", style="italic")
        out.append("  (m then the number marks one done/open)", style="dim")
        for k, m in enumerate(rec.milestones, start=1):
            due = m.parsed(reference).due
            out.append(f"\n  {k}. [{'x' if m.done else ' '}] {'done' if m.done else 'open'}  ")
            out.append(visible(m.label))
            out.append(" — ")
            out.append(visible(m.deadline))
            out.append(f" (due {fmt_date(due, 'no date')})", style="dim")
    out.append("\n\nRecommendation\n", style=head)
    out.append(visible(rec.recommendation, multiline=True))
    out.append("\n\nManagement response\n", style=head)
    out.append(visible(rec.management_response, multiline=True))
    out.append("\n\nHistory", style=head)
    out.append("  (newest first)", style="dim")
    if not rec.history:
        out.append("\n  none yet")
    undone = {h.undoes for h in rec.history if h.action == "undo"}
    for h in reversed(rec.history):
        out.append(f"\n  #{h.id}  {when_text(h.at)}  ")
        out.append(visible(h.by), style="bold")
        out.append("  ")
        out.append(visible(h.describe()))
        if h.id in undone:
            out.append("  (undone)", style="dim")
        if h.note:
            out.append("\n      ")
            out.append(visible(h.note, multiline=True).replace("\n", "\n      "), style="italic")
    return out


class DetailPane(VerticalScroll):
    """Focusable, so the officer can scroll long text with the keyboard."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False, id="detail_down"),
        Binding("k", "scroll_up", "Up", show=False, id="detail_up"),
    ]

    _shown: tuple | None = None  # (item, reference) shown now

    def compose(self) -> ComposeResult:
        yield Static(id="detail-text", markup=False)

    def show(self, item: ItemReview | None, reference) -> None:
        if self._shown == (item, reference):  # e.g. the whole plan read after its first items
            return
        self._shown = (item, reference)
        self.query_one("#detail-text", Static).update(render_detail(item, reference))
        self.border_subtitle = f"No. {item.number}" if item else ""
