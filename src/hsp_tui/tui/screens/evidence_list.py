"""An item's evidence (issue 24): every attachment, withdrawn ones marked; Enter on one shows a
text copy's first lines, or asks where to write any other copy (`w` asks for any copy); a link is
shown, never fetched.

A copy is read through the store, which checks its SHA-256 on the way: a copy that does not match
is refused and said, never shown or written. It is written with the export dialog's checks
(`export.output_path`) and its safe writing (never over the plan's files, nor through a link or
FIFO a colleague planted). Closes with None."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from hsp_tui.domain.errors import HspError
from hsp_tui.domain.history import size_words
from hsp_tui.domain.records import HistoryEntry, Recommendation
from hsp_tui.domain.textsafe import visible
from hsp_tui.formats.formatting import SHORT_HASH, author_text, entry_when, evidence_label
from hsp_tui.tui.screens.dialog import Dialog, heading
from hsp_tui.tui.screens.export import output_path

TEXT_LINES = 12  # of a text copy, shown in the dialog
# Shown as text: the text/* types, and these (read as UTF-8, every control character spelled out).
TEXT_TYPES = ("application/json", "application/xml", "application/csv")


def is_text(evidence: dict) -> bool:
    media = str(evidence.get("media_type", ""))
    return media.startswith("text/") or media in TEXT_TYPES


def first_lines(content: bytes, count: int = TEXT_LINES) -> str:
    """A text copy's first `count` lines, spelled out safe to show, and how many more there are."""
    lines = content.decode("utf-8", errors="replace").splitlines()
    shown = "\n".join(visible(line) for line in lines[:count])
    more = len(lines) - count
    return shown + (f"\n… and {more} more line{'s' if more != 1 else ''}" if more > 0 else "")


class EvidenceScreen(Dialog[None]):
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="evidence_close"),
        Binding("w", "write", "Write the copy to a file", id="evidence_write"),
    ]
    AUTO_FOCUS = "#evidence-list"

    def __init__(self, rec: Recommendation, read: Callable[[str], bytes], plan_path: Path | None,
                 write: Callable[[Path, bytes], None]) -> None:
        """`read(sha256)`: a copy's bytes, hash checked (EvidenceError otherwise); `write(path,
        content)`: writes a file as exports are written (InputError or OSError when it cannot)."""
        super().__init__()
        self.rec = rec
        self.read = read
        self.plan_path = plan_path
        self.write = write
        self.writing: HistoryEntry | None = None  # the attachment whose copy the path box is for
        self._confirmed: Path | None = None  # the existing file Enter was pressed once for

    def compose(self) -> ComposeResult:
        rec = self.rec
        withdrawn = rec.withdrawn_ids
        with Vertical(classes="dialog evidence") as box:
            box.border_title = "Evidence"
            yield Label(heading(rec), classes="dialog-heading")
            options = []
            for h in rec.attachments:
                line = Text(f"#{h.id}  {evidence_label(h.new)}", no_wrap=True, overflow="ellipsis")
                gone = withdrawn.get(h.id)
                if gone is not None:
                    line.stylize("dim")
                    line.append("  (withdrawn)", style="dim italic")
                options.append(Option(line, id=str(h.id)))
            if not options:
                options.append(Option(Text("No evidence attached (hsp-tui evidence add on the command line).",
                                           style="italic"), disabled=True))
            yield OptionList(*options, id="evidence-list")
            with VerticalScroll(id="evidence-view-box"):
                yield Static("", id="evidence-view", markup=False)
            yield Label("", id="evidence-path-label", markup=False)
            yield Input(id="evidence-path", placeholder="the file to write")
            yield Label("", id="evidence-error", classes="error", markup=False)
            yield Label("Enter opens one · w writes its copy to a file · Escape closes", classes="dim")

    def on_mount(self) -> None:
        self._show_path(False)

    def _show_path(self, shown: bool) -> None:
        self.query_one("#evidence-path-label").display = shown
        self.query_one("#evidence-path").display = shown

    def _chosen(self) -> HistoryEntry | None:
        listed = self.query_one("#evidence-list", OptionList)
        option = listed.highlighted_option
        if option is None or option.id is None:
            return None
        return next((h for h in self.rec.attachments if str(h.id) == option.id), None)

    def _say(self, text: str | Text, error: str = "") -> None:
        self.query_one("#evidence-view", Static).update(text)
        self.query_one("#evidence-error", Label).update(error)

    @on(OptionList.OptionHighlighted, "#evidence-list")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The attachment in full: who, when, the note, the whole SHA-256 (to compare with a copy)."""
        event.stop()
        h = self._chosen()
        if h is None or self.writing is not None:
            return
        out = Text.assemble((f"#{h.id}", "bold"), f" attached by {author_text(h)}, {entry_when(h)}")
        if h.note:
            out.append(f": {visible(h.note)}")
        gone = self.rec.withdrawn_ids.get(h.id)
        if gone is not None:
            out.append(f"\nWithdrawn by {author_text(gone)}, {entry_when(gone)}: {visible(str(gone.note))}",
                       style="bold")
        if "url" in h.new:
            out.append(f"\n{visible(str(h.new['url']))}\nA link, never fetched here. Enter shows it.")
        else:
            out.append(f"\nsha256 {h.new['sha256']}")
            out.append("\nEnter shows its first lines · w writes it to a file" if is_text(h.new)
                       else "\nEnter or w writes it to a file")
        self._say(out)

    @on(OptionList.OptionSelected, "#evidence-list")
    def opened(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open(self._chosen())

    def open(self, h: HistoryEntry | None) -> None:
        """Enter on an attachment: a link shown, a text copy's first lines, else where to write it."""
        if h is None:
            return
        self._show_path(False)
        if "url" in h.new:
            self._say(Text(f"#{h.id} is a link (never fetched here: open it yourself):\n{visible(str(h.new['url']))}"))
            return
        if not is_text(h.new):
            self.action_write()
            return
        content = self._read(h)
        if content is not None:
            self._say(Text.assemble((f"#{h.id} {visible(str(h.new['name']))}, first lines (w writes it to a "
                                     "file):\n", "bold"), first_lines(content)))

    def _read(self, h: HistoryEntry) -> bytes | None:
        try:
            return self.read(h.new["sha256"])
        except HspError as exc:  # missing, or not matching its hash: never shown nor written
            self._say("", f"#{h.id}: {visible(str(exc))}")
            return None

    def action_write(self) -> None:
        """Where to write the highlighted copy (its own name in the current folder at first)."""
        h = self._chosen()
        if h is None:
            return
        if "url" in h.new:
            self._say("", f"#{h.id} is a link: there is no copy to write.")
            return
        self.writing, self._confirmed = h, None
        self.query_one("#evidence-path-label", Label).update(
            f"Write #{h.id} ({visible(str(h.new['name']))}, {size_words(h.new['size'])}) to · Enter writes "
            "· Escape closes")
        box = self.query_one("#evidence-path", Input)
        box.value = f"./{Path(str(h.new['name'])).name}"
        self._show_path(True)
        self._say("")
        box.focus()

    @on(Input.Changed, "#evidence-path")
    def path_changed(self) -> None:
        self._confirmed = None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def confirm(self) -> None:
        """Enter in the path box: write the copy there (an existing file only on a second Enter)."""
        h = self.writing
        if h is None:
            return
        path, why = output_path(self.query_one("#evidence-path", Input).value, self.plan_path)
        if path is None:
            self._say("", why)
            return
        if path.exists() and self._confirmed != path:
            self._confirmed = path
            self._say("", f"{visible(str(path))} exists: press Enter again to replace it.")
            return
        content = self._read(h)
        if content is None:
            return
        try:
            self.write(path, content)
        except (HspError, OSError) as exc:
            self._confirmed = None
            self._say("", f"Not written: {visible(str(exc))}")
            return
        self.writing = None
        self._show_path(False)
        self.query_one("#evidence-list", OptionList).focus()
        self._say(Text(f"Wrote #{h.id} {visible(str(h.new['name']))} ({size_words(len(content))}, sha256 "
                       f"{h.new['sha256'][:SHORT_HASH]}… checked) to {visible(str(path))}"))
