"""Exports: the plan as JSON, CSV (for Excel) or the board report (Markdown or HTML), and writing one to a file.

The command line and the app both export through here, so a file written from either is the same.
Rendering is pure; the bytes on disk go through outputfiles.write_output, which never replaces the plan's
own files.
"""

from __future__ import annotations

from pathlib import Path

from hsp_tui.domain.errors import InputError
from hsp_tui.formats.schema import export_json
from hsp_tui.formats.spreadsheets import export_csv
from hsp_tui.domain.review import Review
from hsp_tui.storage.file.outputfiles import write_output

FORMATS = ("json", "csv", "md", "html")
# What each format is, in the words the app and the command line use when they say what they wrote.
FORMAT_WORDS = {"json": "JSON data", "csv": "a CSV spreadsheet", "md": "a Markdown report",
                "html": "an HTML report"}


def render_export(review: Review, fmt: str, exported_at: str, **options) -> str:
    """The whole export as text (the CSV starts with a BOM so that Excel reads it as UTF-8).
    `options`: the board report's (`report.build_report`: since=, names_typed=,
    escalate_after=; the other formats take none)."""
    if fmt == "json":
        return export_json(review, exported_at=exported_at)
    if fmt == "csv":
        return export_csv(review)
    if fmt == "md":
        from hsp_tui.formats.report import render_markdown

        return render_markdown(review, exported_at=exported_at, **options)
    if fmt == "html":
        from hsp_tui.formats.report_html import render_html

        return render_html(review, exported_at=exported_at, **options)
    raise InputError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")


def write_export(review: Review, fmt: str, path: Path, *, exported_at: str, plan_path: Path | None,
                 mode: int | None = None, **options) -> None:
    """Render the export and write it to `path` whole (never over the plan's own files); `mode`:
    its permissions (default: never more open than the plan's, see outputfiles.export_mode)."""
    write_output(path, render_export(review, fmt, exported_at, **options), plan_path=plan_path, mode=mode)
