"""The export dialog: a format and a file; it writes the export itself."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from hsp_tui.storage.file.outputfiles import planted_output, protected_file
from hsp_tui.domain.textsafe import visible
from hsp_tui.tui.screens.dialog import Dialog

EXPORT_FORMATS = ("json", "csv", "md", "html")
EXPORT_CHOICES = (("JSON: all data, for re-import", "json"), ("CSV: opens in Excel", "csv"),
                  ("Markdown: the board report", "md"), ("HTML: the board report, to print", "html"))


def default_export_path(day: date, fmt: str) -> str:
    return f"./hsp-export-{day.isoformat()}.{fmt}"


def output_path(typed: str, plan_path: Path | None) -> tuple[Path | None, str]:
    """The file a dialog is to write (an export, an evidence copy), or None and why not in words:
    no name, a folder, a folder missing, the plan's own files, a colleague's planted link or FIFO.
    An existing file is the caller's to confirm (a second Enter replaces it)."""
    raw = typed.strip()
    if not raw:
        return None, "Give a file to write to."
    path = Path(raw).expanduser()
    shown = visible(str(path))
    if path.is_dir():
        return None, f"{shown} is a folder: give a file name."
    if not path.parent.exists():
        return None, f"The folder {visible(str(path.parent))} does not exist."
    what = protected_file(path, plan_path) if plan_path is not None else None
    if what is not None:
        return None, f"{shown} is {what}: choose another name."
    trap = planted_output(path)
    if trap is not None:  # a colleague's link or FIFO: never "press again to replace it"
        return None, visible(trap)
    return path, ""


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

    @on(Select.Changed, "#export-format")
    def format_changed(self, event: Select.Changed) -> None:
        if event.value not in EXPORT_FORMATS or event.value == self.fmt:
            # Not a choice: Select also says Changed for the value it was built with, late (after keys
            # typed with `x` may have moved the focus and opened the list: it must stay open).
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
        error = self.query_one("#export-error", Label)
        path, why = output_path(self.query_one("#export-path", Input).value, self.plan_path)
        if path is None:
            error.update(why)
            return
        if path.exists() and self._confirmed != path:
            self._confirmed = path
            error.update(f"{visible(str(path))} exists: press Export (or Enter) again to replace it.")
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
