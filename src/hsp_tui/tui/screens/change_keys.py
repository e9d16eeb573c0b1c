"""The main screen's keys that change the plan: status, note, edit, milestone, undo, verify, and
the dialogs beside them (evidence, export, review date, progress, contacts, reminders).

Each key reads the highlighted item, asks what it needs through a dialog (a ModalScreen that
validates before it answers), then posts one `PlanChangeRequested` up to the app, which runs it
through the store. Nothing here saves or judges the plan.

Each dialog's module is imported by the key that opens it, not with the main screen: the first
screen shows none of them (issue 25: the first screen at the floor app's speed).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import events

from hsp_tui.domain.commands import AddNote, Command, Revise, SetMilestone, SetOwner, SetStatus, Verify
from hsp_tui.domain.errors import HspError
from hsp_tui.domain.history import effective_day
from hsp_tui.domain.vocabulary import Action
from hsp_tui.domain.records import Recommendation, Status
from hsp_tui.domain.textsafe import visible
from hsp_tui.domain.verdicts import awaiting_verdict, claim, same_person
from hsp_tui.tui.messages import PlanChangeRequested
from hsp_tui.tui.view import STATUS_KEYS

if TYPE_CHECKING:
    from textual.screen import Screen as _Screen

    from hsp_tui.tui.screens.dialog import DayChoice
    from hsp_tui.tui.screens.edit import EditResult
    from hsp_tui.tui.planapp import PlanApp
    from hsp_tui.tui.widgets.rectable import RecTable
else:
    _Screen = object  # a mixin of the main screen; typed as a screen


class ChangeKeys(_Screen):
    """Mixed into the main screen: its `action_*` methods for the keys that change the plan."""

    app: "PlanApp"
    table: "RecTable"
    export_format: str = "json"  # the last format exported in this session (offered first next time)
    # `m` on an item without milestones: the digit typed next is the milestone's number, not a
    # status key, so it is swallowed (any other key is handled as usual). The item's number.
    _milestone_digit_pending: int | None = None

    def _ask(self, command: type[Command], *args: object, on: date | None = None) -> None:
        """Ask the app for a change (`on`: the day it happened, as a dialog was told); arguments it
        refuses are said at once."""
        try:
            request = PlanChangeRequested(command(*args), on)
        except HspError as exc:
            self.app.notify(f"Not saved: {exc}", severity="error", timeout=8)
            return
        self.post_message(request)

    def _refused(self, action: str) -> bool:
        """Say so, before any dialog opens, when this user may not do it here (a reader's `n`)."""
        why = self.app.refusal_for(action)
        if why:
            self.app.notify(why, severity="warning", timeout=8)
        return why is not None

    def _day(self, rec: Recommendation) -> DayChoice:
        """The day a change to `rec` happened, as a dialog offers it (see `DayChoice`): the review date
        when one was given and changes are allowed on it (never after today), else today."""
        from hsp_tui.tui.screens.dialog import DayChoice  # noqa: PLC0415 - with the dialog it is for

        app, today = self.app, self.app.today()
        offered = min(app.as_of, today) if app.as_of_given and not app.plan_view.replayed else today
        since = max((effective_day(h) for h in rec.history if h.action not in (Action.CREATE, Action.IMPORT)),
                    default="")
        return DayChoice(offered, today, app.review.plan.meta.date, since)

    def _current_rec(self) -> Recommendation | None:
        number = self.table.current_number
        if number is None:
            self.app.notify("No recommendation is highlighted", severity="warning")
            return None
        return self.app.review.plan.get(number)

    def swallow_milestone_digit(self, event: events.Key) -> None:
        """The digit typed right after `m` on an item without milestones is not a status key."""
        number, self._milestone_digit_pending = self._milestone_digit_pending, None
        if number is not None and event.character is not None and event.character.isdigit():
            event.stop()
            event.prevent_default()
            self.app.notify(f"No. {number} has no milestones: {event.character} ignored (the status is "
                            "unchanged)", severity="warning")

    def action_set_status(self, key: int) -> None:
        if self._refused("set_status"):
            return
        number = self.table.current_number  # the row highlighted now, whatever happens meanwhile
        if number is None:
            self.app.notify("No recommendation is highlighted", severity="warning")
            return
        # Whether this changes anything is decided by the store, on the plan under its lock (a
        # colleague may have changed the item since it was drawn).
        status = STATUS_KEYS[key - 1]
        rec = self.app.review.plan.get(number)
        if status is Status.DROPPED and rec is not None:  # a drop needs its reason (the auditor agrees it)
            from hsp_tui.tui.screens.note import NoteScreen  # noqa: PLC0415

            def save(text: str | None) -> None:
                if text is not None:
                    self._ask(SetStatus, number, status, text, on=dialog.on)

            dialog = NoteScreen(rec, title="Drop: why? (the auditor then agrees it or not)",
                                prompt="The reason for dropping it (Enter saves, Escape cancels)", day=self._day(rec))
            self.app.push_screen(dialog, save)
            return
        self._ask(SetStatus, number, status)

    def action_note(self) -> None:
        from hsp_tui.tui.screens.note import NoteScreen  # noqa: PLC0415

        rec = None if self._refused("note") else self._current_rec()
        if rec is None:
            return

        def save(text: str | None) -> None:
            if text is not None:
                self._ask(AddNote, rec.number, text, on=dialog.on)

        # a note whose save failed (server gone, lock held, refused) is offered again as typed
        dialog = NoteScreen(rec, draft=self.app.drafts.get(rec.number, ""), day=self._day(rec))
        self.app.push_screen(dialog, save)

    def action_edit(self) -> None:
        from hsp_tui.tui.screens.edit import EditScreen  # noqa: PLC0415

        rec = None if self._refused("edit") else self._current_rec()
        if rec is None:
            return
        reference = self.app.review.plan.meta.date

        def save(result: EditResult | None) -> None:
            if result is None:
                return
            if result.owner is None and result.deadline is None:
                self.app.notify(f"No change: No. {rec.number}'s owner and deadline are as they were")
                return
            if result.owner is not None:
                self._ask(SetOwner, rec.number, result.owner, on=dialog.on)
            if result.deadline is not None:
                self._ask(Revise, rec.number, result.deadline, result.reason or "", reference, on=dialog.on)

        dialog = EditScreen(rec, reference, self._day(rec))
        self.app.push_screen(dialog, save)

    def action_milestone(self) -> None:
        from hsp_tui.tui.screens.milestone import MilestoneScreen  # noqa: PLC0415

        rec = None if self._refused("milestone") else self._current_rec()
        if rec is None:
            return
        if not rec.milestones:
            self.app.notify(f"No. {rec.number} has no milestones", severity="warning")
            self._milestone_digit_pending = rec.number
            return

        def toggle(index: int | None) -> None:
            if index is None:
                return
            done = not rec.milestones[index - 1].done
            self._ask(SetMilestone, rec.number, index, done, on=dialog.on)

        dialog = MilestoneScreen(rec, self._day(rec))
        self.app.push_screen(dialog, toggle)

    def action_undo(self) -> None:
        if not self._refused("undo"):
            self.app.undo_last()

    def action_verify(self) -> None:
        """The auditor's verdict on the highlighted item, if it is done and awaiting verification."""
        from hsp_tui.tui.screens.verify import Verdict, VerifyScreen  # noqa: PLC0415

        rec = None if self._refused("verify") else self._current_rec()
        if rec is None:
            return
        if not awaiting_verdict(rec):
            self.app.notify(f"No. {rec.number} is {rec.status.words}: only an item done, or dropped, and "
                            "awaiting the auditor can be verified", severity="warning")
            return
        # Four eyes, said before the auditor's note is typed: the store would refuse it once given.
        entry, me = claim(rec), self.app.access.user or self.app.user
        if entry is not None and same_person(entry.by, me):
            what = "done" if rec.status is Status.DONE else "dropped"
            self.app.notify(f"No. {rec.number} was set {what} by you ({visible(entry.by)}): the verdict must be "
                            "given by someone else (four eyes)", severity="warning", timeout=8)
            return

        def save(verdict: Verdict | None) -> None:
            if verdict is not None:
                self._ask(Verify, rec.number, verdict.accepted, verdict.note, on=dialog.on)

        dialog = VerifyScreen(rec, self._day(rec))
        self.app.push_screen(dialog, save)

    def action_evidence(self) -> None:
        """The highlighted item's evidence: each copy opened (its hash checked) or written to a file."""
        from hsp_tui.storage.file.outputfiles import write_output  # noqa: PLC0415 - as exports are written
        from hsp_tui.tui.screens.evidence_list import EvidenceScreen  # noqa: PLC0415

        rec = self._current_rec()
        if rec is None:
            return
        path = self.app.store.path

        def write(out, content: bytes) -> None:
            write_output(out, content, plan_path=path)

        self.app.push_screen(EvidenceScreen(rec, self.app.store.read_copy, path, write))

    def action_contacts(self) -> None:
        if not self._refused("contacts"):
            self.app.open_contacts()

    def action_remind(self) -> None:
        if not self._refused("remind"):
            self.app.open_reminders()

    def action_progress(self) -> None:
        from hsp_tui.tui.screens.progress_chart import ProgressScreen  # noqa: PLC0415

        self.app.push_screen(ProgressScreen())

    def action_export(self) -> None:
        from hsp_tui.tui.screens.export import ExportScreen  # noqa: PLC0415

        def write(fmt: str, path) -> str | None:
            failure = self.app.export(fmt, path)
            if failure is None:
                self.export_format = fmt  # the dialog offers it first next time (this session)
            return failure

        self.app.push_screen(ExportScreen(self.app.as_of, self.app.store.path, write, self.export_format))

    def action_review_date(self) -> None:
        """Judge the plan as of another date (what is overdue then), without restarting."""
        from hsp_tui.tui.screens.review_date import ReviewDateScreen  # noqa: PLC0415

        def chosen(day: date | None) -> None:
            if day is not None:
                self.app.review_on(day)

        hint = None if self.app.as_of_given else self.app.long_past
        self.app.push_screen(ReviewDateScreen(self.app.as_of, self.app.review.plan.meta.date, hint, self.app.today()),
                             chosen)
