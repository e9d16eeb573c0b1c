"""Evidence behind an item's Done (issue 24): `evidence add|list|get|withdraw`, and `check`, which
checks a whole plan (every copy there and matching its hash, every history entry well formed).

Arguments: `followup_args.add_evidence`, `add_check`. Every failure is an `HspError` (one line).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hsp_tui.cli.invocation import Context, parse_number, report_change
from hsp_tui.cli.output import say
from hsp_tui.domain.errors import Exit, InputError, NotFoundError
from hsp_tui.domain.history import size_words
from hsp_tui.domain.limits import EVIDENCE_FILE_BYTES
from hsp_tui.domain.records import HistoryEntry, Recommendation
from hsp_tui.domain.textsafe import visible
from hsp_tui.formats.formatting import author_text, entry_when, plural


def cmd_evidence(ctx: Context) -> int:
    return {"add": _add, "list": _list, "get": _get, "withdraw": _withdraw}[ctx.args.evidence_command](ctx)


def _add(ctx: Context) -> int:
    a = ctx.args
    number = parse_number(a.number)
    if a.url is not None and a.files:
        raise InputError("give files or --url, not both (one attachment a link)")
    if a.url is None and not a.files:
        raise InputError(f"name the files to attach (evidence add {number} FILE...) or a link (--url URL)")
    store = ctx.store()
    if a.url is not None:
        return report_change(ctx, store.attach_link(number, a.url, by=ctx.user, note=a.note, **ctx.when()))
    read = [(Path(f).expanduser(), _read_file(Path(f).expanduser())) for f in a.files]  # all, before any is kept
    for path, content in read:
        change = store.attach_copy(number, path.name, content, by=ctx.user, note=a.note, **ctx.when())
        report_change(ctx, change)
    return 0


def _read_file(path: Path) -> bytes:
    """The bytes of a file to attach: an ordinary file, at most a copy's limit (one line otherwise)."""
    from hsp_tui.storage.file.safefiles import read_bytes  # noqa: PLC0415

    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0  # read_bytes says what is wrong
    if size > EVIDENCE_FILE_BYTES:
        raise InputError(f"{path}: is {size_words(size)}; a copy is at most {size_words(EVIDENCE_FILE_BYTES)}; "
                         "nothing was attached")
    return read_bytes(path, InputError, limit=EVIDENCE_FILE_BYTES)


def _item(ctx: Context, number: int, *, as_it_stood: bool = False) -> Recommendation:
    """Item `number` as it is (as it stood at the end of the review date, for a view)."""
    plan = ctx.store().load()
    if as_it_stood:
        from hsp_tui.domain.asof import as_it_stood as replayed  # noqa: PLC0415

        plan = replayed(plan, ctx.as_of)
    rec = plan.get(number)
    if rec is None:
        raise NotFoundError(f"no recommendation {number} in {ctx.store().describe()}")
    return rec


def _list(ctx: Context) -> int:
    a = ctx.args
    number = parse_number(a.number)
    rec = _item(ctx, number, as_it_stood=True)
    withdrawn = rec.withdrawn_ids
    shown = rec.attachments if a.all else rec.evidence
    if not shown:
        say(f"recommendation {number} has no evidence" + ("" if a.all or not rec.attachments
                                                          else " standing (--all shows the withdrawn)"))
        return 0
    for h in shown:
        say(evidence_line(h))
        gone = withdrawn.get(h.id)
        if gone is not None:
            say(f"      withdrawn by {author_text(gone)}, {entry_when(gone)}: {visible(str(gone.note))}")
    return 0


def evidence_line(h: HistoryEntry) -> str:
    """'#7  report.pdf  120 KB  sha256 1a2b3c4d  application/pdf  alice  1 Jun 2010 09:00' (a link:
    its URL), then its note; every text spelled out safe to show."""
    new = h.new
    if "url" in new:
        what = f"link {visible(str(new['url']))}"
    else:
        what = (f"{visible(str(new['name']))}  {size_words(new['size'])}  sha256 {new['sha256'][:8]}  "
                f"{visible(str(new['media_type']))}")
    note = f"  ({visible(h.note)})" if h.note else ""
    return f"#{h.id}  {what}  {author_text(h)}  {entry_when(h)}{note}"


def _attachment(rec: Recommendation, entry_id: int) -> HistoryEntry:
    found = next((h for h in rec.attachments if h.id == entry_id), None)
    if found is None:
        raise NotFoundError(f"recommendation {rec.number} has no attachment #{entry_id} "
                            f"(hsp-tui evidence list {rec.number} --all)")
    return found


def _get(ctx: Context) -> int:
    a = ctx.args
    rec = _item(ctx, parse_number(a.number))
    h = _attachment(rec, parse_number(a.id, "attachment id"))
    if "url" in h.new:  # a link is never fetched: here it is
        say(visible(str(h.new["url"])))
        return 0
    content = ctx.store().read_copy(h.new["sha256"])  # its hash checked: never a copy that does not match
    if a.output:
        from hsp_tui.storage.file.outputfiles import write_output  # noqa: PLC0415 - export's own safe writing

        out = Path(a.output).expanduser()
        write_output(out, content, plan_path=ctx.path)
        say(f"wrote {visible(str(h.new['name']))} ({size_words(len(content))}, sha256 checked) to {out}", err=True)
        return 0
    if sys.stdout.isatty():  # text shown spelled out; anything else goes to a file or a pipe
        if not str(h.new["media_type"]).startswith("text/"):
            raise InputError(f"attachment #{h.id} is {visible(str(h.new['media_type']))}: write it to a file "
                             "with -o FILE (or redirect standard output)")
        say(visible(content.decode("utf-8", errors="replace"), multiline=True))
        return 0
    sys.stdout.flush()
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()
    return 0


def _withdraw(ctx: Context) -> int:
    a = ctx.args
    change = ctx.store().withdraw(parse_number(a.number), parse_number(a.id, "attachment id"), reason=a.note,
                                  by=ctx.user, **ctx.when())
    return report_change(ctx, change)


def cmd_check(ctx: Context) -> int:
    """Every history entry well formed (read at all, ids increasing, what an undo or a withdrawal
    names there, a verdict's evidence among the item's attachments) and every copy there and
    matching its hash: one line per problem, exit 3 when any."""
    from hsp_tui.domain.plancheck import check_plan  # noqa: PLC0415

    store = ctx.store()
    plan = store.load()  # a plan that does not read at all is one line, exit 3, as for any command
    problems, copies = check_plan(plan, store.read_copy)
    for problem in problems:
        say(problem, err=True)
    if problems:
        say(f"{store.describe()}: {plural(len(problems), 'problem')} found", err=True)
        return Exit.UNAVAILABLE
    say(f"plan checked: {plural(len(plan.recommendations), 'item')}, {plural(copies, 'copy', 'copies')}, no problems")
    return 0

