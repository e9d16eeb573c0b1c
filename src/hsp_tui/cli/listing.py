"""What `list` and `summary` print: the table for people, rows for scripts, the summary by status,
owner and month. Pure: the items, the review and the width are passed in.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Sequence

from hsp_tui.formats.formatting import due_words, fmt_date, month_label, status_label
from hsp_tui.domain.review import ItemReview, Review
from hsp_tui.domain.textsafe import one_line, visible

ROW_FIELDS = ("number", "ref", "title", "owner", "deadline", "due", "status", "flag", "days_overdue")


def render_table(items: list[ItemReview], width: int | None) -> str:
    """The plan as a table. With a `width` (a terminal), the title and owner columns share it and
    long cells are cut with '…'; without one (a pipe, a file), no cell is ever cut."""
    headers = ("No.", "Ref", "Recommendation", "Owner", "Due", "Status", "Flag")
    rows = []
    for i in items:
        due = due_words(i)
        if i.rec.revised:
            due += " (rev)"
        rows.append((str(i.number), one_line(i.rec.ref), one_line(i.rec.title), one_line(i.rec.owner),
                     due, status_label(i.rec), i.flag))
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(headers)]
    if width is not None:
        # Share what is left between the title and owner columns.
        others = sum(widths) - widths[2] - widths[3] + 2 * (len(headers) - 1)
        room = max(30, width - others)
        owner_w = min(widths[3], max(12, room // 3))
        title_w = min(widths[2], max(16, room - owner_w))
        widths[2], widths[3] = title_w, owner_w
        widths[1] = min(widths[1], 12)

    def line(cells: Sequence[str]) -> str:
        out = []
        for k, c in enumerate(cells):
            c = c if len(c) <= widths[k] else c[: widths[k] - 1] + "…"
            out.append(c.rjust(widths[k]) if k == 0 else c.ljust(widths[k]))
        return "  ".join(out).rstrip()

    lines = [line(headers), line(["-" * w for w in widths])]
    lines += [line(r) for r in rows]
    return "\n".join(lines)


def row(item: ItemReview) -> dict[str, object]:
    """One item for scripts: the data as stored (status as its value, due as YYYY-MM-DD or null)."""
    rec = item.rec
    return {"number": rec.number, "ref": rec.ref, "title": rec.title, "owner": rec.owner,
            "deadline": rec.current_deadline, "due": item.due.isoformat() if item.due else None,
            "status": rec.status.value, "flag": item.flag, "days_overdue": item.days_overdue}


def _tsv_cell(value: object) -> str:
    # TSV has no quoting: a tab or a line break inside a value would split it, so it becomes a space.
    text = "" if value is None else str(value)
    return text.replace("\r\n", " ").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def render_rows(items: list[ItemReview], fmt: str) -> str:
    """The items as machine-readable rows: tsv or csv (a header line first), or a JSON array."""
    rows = [row(i) for i in items]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if fmt == "tsv":
        lines = ["\t".join(ROW_FIELDS)] + ["\t".join(_tsv_cell(r[f]) for f in ROW_FIELDS) for r in rows]
        return "\n".join(lines) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ROW_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({f: ("" if r[f] is None else r[f]) for f in ROW_FIELDS} for r in rows)
    return buf.getvalue()


def summary_line(rv: Review, shown: int, width: int | None = None) -> str:
    """What the table shows, as of when, and the counts by status; on a terminal `width` wide, the
    counts by status go on a line of their own when both would not fit on one (the terminal would
    break the line mid-word: "10 not started\n, 1 in progress")."""
    counts = rv.by_status()
    parts = [f"{n} {s.words.lower()}" for s, n in counts.items() if n]
    head = (f"{shown} of {len(rv.items)} shown as of {fmt_date(rv.as_of)}: {len(rv.overdue)} overdue, "
            f"{len(rv.due_soon)} due within {rv.due_soon_days} days;")
    tail = ", ".join(parts)
    apart = width is not None and len(head) + 1 + len(tail) > width
    return head + ("\n" if apart else " ") + tail


def render_summary(rv: Review) -> str:
    out = [f"{visible(rv.plan.meta.title)}: {len(rv.items)} recommendations as of {fmt_date(rv.as_of)}",
           f"{len(rv.overdue)} overdue, {len(rv.due_soon)} due within {rv.due_soon_days} days, "
           f"{rv.share_done:.0%} done, {rv.share_verified:.0%} verified", "", "By status:"]
    out += [f"  {s.words:<28} {n:>5}" for s, n in rv.by_status().items()]
    owners = rv.by_owner()
    width = min(40, max((len(one_line(o.owner)) for o in owners), default=5))
    out += ["", "By owner:", f"  {'owner':<{width}}  {'open':>5} {'overdue':>7} {'done':>5} {'total':>5}"]
    out += [f"  {one_line(o.owner, width):<{width}}  {o.open:>5} {o.overdue:>7} {o.done:>5} {o.total:>5}"
            for o in owners]
    out += ["", "By month due:"]
    for month, items in rv.by_month():
        label = month_label(month, "%b %Y")
        overdue = sum(1 for i in items if i.overdue)
        out.append(f"  {label:<17} {len(items):>5}" + (f"  ({overdue} overdue)" if overdue else ""))
    return "\n".join(out)
