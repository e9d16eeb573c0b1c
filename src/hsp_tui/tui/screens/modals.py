"""The modal screens. Each validates what was typed before it dismisses with a value."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Generic, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...formatting import fmt_date
from ...deadlines import parse_deadline
from ...model import Recommendation
from ...outputfiles import protected_file
from ...textsafe import one_line, visible

EXPORT_FORMATS = ("json", "csv", "md", "html")


def heading(rec: Recommendation) -> Text:
    return Text(f"No. {rec.number} · {one_line(rec.title, 60)}")


T = TypeVar("T")


class Dialog(ModalScreen[T], Generic[T]):
    """A dialog that decides once, in the order the keys were typed.

    Keys typed in one burst (a paste, a fast typist, SSH) all arrive before the dialog has acted on
    the first. Enter and Escape are therefore decided here, as each key reaches the dialog in turn,
    not by Input's Submitted message (which would arrive after a later Escape had already closed the
    dialog). The first Enter or Escape that closes the dialog wins: the change it confirms is handed
    on exactly once, and the keys typed after it go to the screen below, in order. Keys typed
    before the dialog had focused its first field go into that field, as typed.
    """

    HOLDS_KEYS = True  # see on_screen_resume
    KEYS_IN_ORDER = True  # an Enter is decided before the keys typed after it reach the dialog

    def __init__(self) -> None:
        super().__init__()
        self.decided = False

    def on_screen_resume(self) -> None:
        """Composed and focused: the keys typed meanwhile (held by the app) come in now."""
        release = getattr(self.app, "release_keys", None)  # an app without KeyGate holds nothing
        if release is not None:
            release()

    def decide(self, value: T | None) -> AwaitComplete:
        """Close with `value`, once: a second Enter or Escape does nothing."""
        if self.decided or not self.is_current:
            return AwaitComplete.nothing()
        self.decided = True
        return self.dismiss(value)

    def confirm(self) -> None:
        """Enter in one of the dialog's fields."""

    def action_cancel(self) -> None:
        self.decide(None)

    def takes_enter_and_escape(self) -> bool:
        """Whether Enter and Escape belong to the dialog now (not to the focused widget)."""
        return isinstance(self.focused, Input)

    def _handled(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        handled = getattr(self.app, "key_handled", None)
        if handled is not None:
            handled(event)

    def on_key(self, event: events.Key) -> None:
        if self.decided:
            # Typed after the dialog decided, before it closed: it belongs to the screen below.
            self._handled(event)
            self.app.post_message(events.Key(event.key, event.character))
            return
        if event.key in ("enter", "escape") and self.takes_enter_and_escape():
            self._handled(event)
            if event.key == "enter":
                self.confirm()
            else:
                self.action_cancel()
            return


class NoteScreen(Dialog[str]):
    """A progress note for one item. Enter saves, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note_cancel")]

    def __init__(self, rec: Recommendation) -> None:
        super().__init__()
        self.rec = rec

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Add a progress note"
            yield Label(heading(self.rec), classes="dialog-heading")
            yield Input(placeholder="What happened? (Enter saves, Escape cancels)", id="note-text")
            yield Label("", id="note-error", classes="error", markup=False)

    def confirm(self) -> None:
        text = self.query_one("#note-text", Input).value
        if not text.strip():
            self.query_one("#note-error", Label).update("The note is empty: type something, or Escape to cancel.")
            return
        self.decide(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()


@dataclass(frozen=True)
class EditResult:
    owner: str | None  # None: unchanged
    deadline: str | None  # None: unchanged
    reason: str | None


class EditScreen(Dialog[EditResult]):
    """Owner and deadline. A changed deadline is a revision and needs a reason.

    Tab goes Owner, Deadline, Reason, Save, Cancel and stops there (Shift+Tab back to Owner and
    stops): a Tab too many never comes round to the owner. The owner's text is selected when the
    dialog opens, so typing replaces it; a field reached by Tab afterwards keeps its text and
    takes the typing at its cursor."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit_cancel"),
                Binding("tab", "next_field", "Next field", show=False, id="edit_next"),
                Binding("shift+tab", "previous_field", "Previous field", show=False, id="edit_previous")]

    def __init__(self, rec: Recommendation, reference: date | None) -> None:
        super().__init__()
        self.rec = rec
        self.reference = reference

    AUTO_FOCUS = "#edit-owner"

    def compose(self) -> ComposeResult:
        rec = self.rec
        with Vertical(classes="dialog") as box:
            box.border_title = "Edit owner and deadline"
            yield Label(heading(rec), classes="dialog-heading")
            yield Label("Owner")
            yield Input(rec.owner, id="edit-owner")
            yield Label(Text("Deadline (agreed: ") + Text(visible(rec.deadline)) + Text(")"))
            yield Input(rec.current_deadline, id="edit-deadline",
                        placeholder="e.g. July 2010, 31/03/2011, Q3 2010/11, Ongoing")
            yield Label("", id="edit-resolves", markup=False)
            yield Label("Reason for the new deadline (needed if it changes)")
            yield Input(id="edit-reason", placeholder="why the deadline moved")
            yield Label("", id="edit-error", classes="error", markup=False)
            yield Label("Enter saves · Escape cancels · Tab moves", classes="dim")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="edit-save")
                yield Button("Cancel", id="edit-cancel")

    def on_mount(self) -> None:
        self._show_resolution(self.rec.current_deadline)

    def _move_focus(self, step: int) -> None:
        for box in self.query(Input):
            box.select_on_focus = False  # set before the focus moves, so the next field sees it
            if box.selection.start != box.selection.end:  # the owner as selected on opening
                box.cursor_position = len(box.value)
        chain = self.focus_chain
        if not chain:
            return
        here = chain.index(self.focused) if self.focused in chain else -1
        there = here + step
        if 0 <= there < len(chain):
            self.set_focus(chain[there])

    def action_next_field(self) -> None:
        self._move_focus(1)

    def action_previous_field(self) -> None:
        self._move_focus(-1)

    @on(Button.Pressed, "#edit-save")
    def save_pressed(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#edit-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def _show_resolution(self, text: str) -> bool:
        label = self.query_one("#edit-resolves", Label)
        if not text.strip():
            label.update("→ a deadline is needed")
            label.set_class(True, "error")
            return False
        parsed = parse_deadline(text, self.reference)
        if parsed.warning:
            label.update(f"→ {visible(parsed.warning)}")
        elif parsed.due:
            label.update(f"→ due {fmt_date(parsed.due)}")
        else:
            label.update("→ Ongoing (no due date)")
        label.set_class(bool(parsed.warning), "error")
        return not parsed.warning

    @on(Input.Changed, "#edit-deadline")
    def deadline_changed(self, event: Input.Changed) -> None:
        self._show_resolution(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        error = self.query_one("#edit-error", Label)
        owner = self.query_one("#edit-owner", Input).value
        deadline = self.query_one("#edit-deadline", Input).value
        reason = self.query_one("#edit-reason", Input).value
        if not owner.strip():
            error.update("The owner is empty.")
            return
        new_deadline = deadline.strip() != self.rec.current_deadline.strip()
        if new_deadline:
            if not self._show_resolution(deadline):
                error.update("The deadline cannot be read: fix it, or Escape to cancel.")
                return
            if not reason.strip():
                error.update("A new deadline is a revision: give the reason for it.")
                self.query_one("#edit-reason", Input).focus()
                return
        owner_changed = owner != self.rec.owner
        if not owner_changed and not new_deadline:
            self.decide(EditResult(None, None, None))  # saved as it was: the caller says "No change"
            return
        self.decide(EditResult(owner if owner_changed else None,
                               deadline.strip() if new_deadline else None,
                               reason if new_deadline else None))


EXPORT_CHOICES = (("JSON: all data, for re-import", "json"), ("CSV: opens in Excel", "csv"),
                  ("Markdown: the board report", "md"), ("HTML: the board report, to print", "html"))


def default_export_path(day: date, fmt: str) -> str:
    return f"./hsp-export-{day.isoformat()}.{fmt}"


class ExportScreen(Dialog[Path]):
    """Format and file; writes the export itself (errors stay in the dialog). A file that exists is
    replaced only when Export is pressed a second time for it; the plan's own files never are."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export_cancel")]
    AUTO_FOCUS = "#export-path"

    def __init__(self, day: date, plan_path: Path, write: Callable[[str, Path], str | None],
                 fmt: str = "json") -> None:
        """`write(fmt, path)` writes the export and returns None, or why it could not; `fmt`: the
        format chosen at first (the last one used in this session)."""
        super().__init__()
        self.day = day
        self.plan_path = plan_path
        self.write = write
        self.fmt = fmt if fmt in EXPORT_FORMATS else "json"
        self._confirmed: Path | None = None  # the existing file Export was pressed once for

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Export the plan"
            yield Label("Format (Shift+Tab, then Enter to change it)")
            yield Select(EXPORT_CHOICES, value=self.fmt, allow_blank=False, id="export-format")
            yield Label("File")
            yield Input(default_export_path(self.day, self.fmt), id="export-path")
            yield Label("", id="export-error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Select.Changed, "#export-format")
    def format_changed(self, event: Select.Changed) -> None:
        if event.value not in EXPORT_FORMATS:
            return
        old, self.fmt = self.fmt, str(event.value)
        path = self.query_one("#export-path", Input)
        if path.value == default_export_path(self.day, old):
            path.value = default_export_path(self.day, self.fmt)
        self._confirmed = None
        self.call_after_refresh(path.focus)  # Enter now exports

    @on(Input.Changed, "#export-path")
    def path_changed(self) -> None:
        self._confirmed = None

    def confirm(self) -> None:
        self._submit()

    def _submit(self) -> None:
        if self.decided:  # nothing is written after a cancel (or a second time)
            return
        raw = self.query_one("#export-path", Input).value.strip()
        error = self.query_one("#export-error", Label)
        if not raw:
            error.update("Give a file to write to.")
            return
        path = Path(raw).expanduser()
        shown = visible(str(path))
        if path.is_dir():
            error.update(f"{shown} is a folder: give a file name.")
            return
        if not path.parent.exists():
            error.update(f"The folder {visible(str(path.parent))} does not exist.")
            return
        what = protected_file(path, self.plan_path)
        if what is not None:
            error.update(f"{shown} is {what}: choose another name.")
            return
        if path.exists() and self._confirmed != path:
            self._confirmed = path
            error.update(f"{shown} exists: press Export (or Enter) again to replace it.")
            return
        failure = self.write(self.fmt, path)
        if failure is not None:
            self._confirmed = None
            error.update(failure)
            return
        self.decide(path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    @on(Button.Pressed, "#export-ok")
    def ok(self) -> None:
        self._submit()

    @on(Button.Pressed, "#export-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()


class MilestoneScreen(Dialog[int]):
    """Pick a milestone to mark done/open: its number, or Enter on the highlighted one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="milestone_cancel")]

    def __init__(self, rec: Recommendation) -> None:
        super().__init__()
        self.rec = rec

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Mark a milestone done / open"
            yield Label(heading(self.rec), classes="dialog-heading")
            options = []
            for k, m in enumerate(self.rec.milestones, start=1):
                line = Text(f"{k}. [{'x' if m.done else ' '}] {'done' if m.done else 'open'}  ")
                line.append(one_line(m.label, 70))
                line.append(f" — {one_line(m.deadline, 30)}", style="dim")
                options.append(Option(line, id=str(k)))
            yield OptionList(*options, id="milestones")
            yield Label("Press the milestone's number, or Enter on it · Escape cancels", classes="dim")

    def takes_enter_and_escape(self) -> bool:
        return isinstance(self.focused, OptionList)

    def confirm(self) -> None:
        index = self.query_one("#milestones", OptionList).highlighted
        if index is not None:
            self.decide(index + 1)

    def on_key(self, event: events.Key) -> None:
        if not self.decided and event.character and event.character.isdigit():
            k = int(event.character)
            if 1 <= k <= len(self.rec.milestones):
                self._handled(event)
                self.decide(k)
        # Otherwise Dialog.on_key handles it (Textual calls each class's handler in turn).

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.decide(int(event.option.id))


KEYS_WIDTH = 16  # the keys column of the help, right-aligned; descriptions start two cells after it
HELP_FOOTNOTE = ("\nChanges are saved to the file at once; u undoes your last change (the undo is kept in "
                 "the history).\nThe file is re-read when someone else changes it.")


def help_text(rows: list[tuple[str, str]], width: int) -> Text:
    """The keys and what they do, `width` cells wide: a description too long for one line goes on
    under the description column (not under the keys), so the keys stand out down the left."""
    text = Text()
    for keys, description in rows:
        head = f"{keys:>{KEYS_WIDTH}}  "
        indent = max(len(head), KEYS_WIDTH + 2)
        lines = textwrap.wrap(description, max(width - indent, 12), break_on_hyphens=False) or [""]
        text.append(head, style="bold")
        text.append(lines[0] + "\n")
        for more in lines[1:]:
            text.append(" " * indent + more + "\n")
    text.append(HELP_FOOTNOTE, style="dim")
    return text


class HelpText(Static):
    """The help's text, laid out again for its width whenever that changes."""

    def __init__(self, rows: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(help_text(rows, 80), **kwargs)
        self.rows = rows
        self._width = 0

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            self.update(help_text(self.rows, self._width))


class HelpScreen(ModalScreen[None]):
    """Every key, as currently bound (remapped keys included)."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help_close")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help") as box:
            box.border_title = "Keys"
            with VerticalScroll():
                yield HelpText(self.rows, id="help-text")
            yield Label("Up/Down, PgUp/PgDn, Home/End scroll · Escape or ? closes", classes="dim")

    def on_resize(self) -> None:
        # The keys scroll inside the dialog, which fits the terminal: at 80x24 every line is reachable.
        # The dialog leaves a row above and below; its border and the closing line take three more.
        height = max(6, self.size.height - 2)
        self.query_one(".dialog", Vertical).styles.max_height = height
        self.query_one(VerticalScroll).styles.max_height = height - 3

    def action_close(self) -> None:
        if self.is_current:
            self.dismiss(None)
