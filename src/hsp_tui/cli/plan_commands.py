"""The commands about the plan as a whole: `export`, `import`, `plans`, `init`, `schema`, `where`."""

from __future__ import annotations

from pathlib import Path

from hsp_tui.domain.errors import InputError
from hsp_tui.formats.formatting import before_plan_hint, plural
from hsp_tui.cli.invocation import Context, parse_date_arg, seed_data
from hsp_tui.cli.output import say, write_data
from hsp_tui.domain.clock import now_iso
from hsp_tui.storage.backends import set_up_server
from hsp_tui.storage.store import Store


def cmd_export(ctx: Context) -> int:
    from hsp_tui.formats.exports import FORMAT_WORDS, render_export, write_export  # noqa: PLC0415 - not for other commands

    a = ctx.args
    options = {}
    if a.format in ("md", "html"):  # the board report: who recorded what is checked only on a server
        options["names_typed"] = ctx.server is None
        options["escalate_after"] = ctx.settings.escalate_after  # the report lists the items escalated
        if a.since:
            options["since"] = parse_date_arg(a.since, "--since")
    elif a.since:
        raise InputError("--since adds the changes since a date to the board report: use it with --format md or html")
    if a.with_evidence is not None and (a.format != "json" or a.output):
        raise InputError("--with-evidence writes a folder (DIR/plan.json and DIR/evidence/): use it with "
                         "--format json and without -o")
    rv = ctx.review(ctx.store().load())
    if ctx.as_of_given and (early := before_plan_hint(rv)) is not None:
        say(early, err=True)  # (the export itself is what scripts and the board read)
    if a.with_evidence is not None:
        from hsp_tui.formats.evidence_move import write_with_evidence  # noqa: PLC0415

        folder = Path(a.with_evidence).expanduser()
        copies = write_with_evidence(rv, ctx.store(), folder, exported_at=now_iso(), plan_path=ctx.path, mode=a.mode)
        say(f"wrote {FORMAT_WORDS['json']} of {plural(len(rv.items), 'recommendation')} and "
            f"{plural(copies, 'evidence copy', 'evidence copies')}, each hash checked, to {folder}", err=True)
    elif a.output:
        out = Path(a.output).expanduser()
        write_export(rv, a.format, out, exported_at=now_iso(), plan_path=ctx.path, mode=a.mode, **options)
        say(f"wrote {FORMAT_WORDS[a.format]} of {plural(len(rv.items), 'recommendation')} to {out}", err=True)
    else:
        write_data(render_export(rv, a.format, now_iso(), **options))
    return 0


def cmd_import(ctx: Context) -> int:
    a = ctx.args
    src = Path(a.file).expanduser()
    plan_date = parse_date_arg(a.plan_date, "--plan-date") if a.plan_date else None
    from hsp_tui.cli.catalog import import_plan, import_to_server

    if ctx.server is not None:
        return import_to_server(ctx, src, plan_date)
    store = Store(ctx.path)
    import_plan(store, src, a, plan_date, by=ctx.user, name=store.describe(),
                refusal="add --replace to overwrite it (a .bak copy is kept)")
    return 0


def cmd_plans(ctx: Context) -> int:
    from hsp_tui.cli.catalog import plan_rows, render_plans

    store = Store(ctx.server, plan=ctx.plan) if ctx.server else ctx.store()
    say(render_plans(plan_rows(store, ctx.as_of, ctx.due_soon_days)))
    return 0


def cmd_init(ctx: Context) -> int:
    if ctx.server is None:
        raise InputError("init sets up a PostgreSQL database: give --db postgresql://... (a plan file "
                         "needs no setup: it is created on first use)")
    seed = None if ctx.args.empty else (lambda: seed_data(""))  # the server stamps who created it
    return set_up_server(ctx.server, seed=seed, out=say)


def cmd_schema(ctx: Context) -> int:
    from hsp_tui.formats.schema import schema_text

    write_data(schema_text())
    return 0


def cmd_where(ctx: Context) -> int:
    if ctx.server is not None:
        say(Store(ctx.server, plan=ctx.plan).describe())  # never the password
        return 0
    say(str(ctx.path))
    return 0
