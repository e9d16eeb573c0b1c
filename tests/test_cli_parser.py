"""The command line is parsed by a parser given only the command the words name (issue 25:
`program.parse_args`), and must answer exactly as the whole parser does: the same arguments, and
for help and errors the same words on the same stream with the same exit status."""

from __future__ import annotations

import pytest

from hsp_tui.cli import program

COMMANDS = list(program.ARGUMENTS)

WORDS = [
    # every command and sub-command's help, and the program's
    *([name, "--help"] for name in COMMANDS),
    ["--help"], ["-h"], ["--he"], ["-hv"], ["--db", "x", "-h", "note", "1", "t"], ["--as-of", "2010-01-01", "--help"],
    ["contact", "set", "-h"], ["contact", "list", "-h"], ["contact", "remove", "-h"], ["contact", "history", "-h"],
    ["evidence", "add", "-h"], ["evidence", "list", "-h"], ["evidence", "get", "-h"], ["evidence", "withdraw", "-h"],
    ["--version"], ["--version", "note", "1", "t"],
    # commands as scripts give them
    [], ["--db", "p.json"], ["note", "3", "Met the partners."],
    ["--db", "p.json", "--as-of", "2011-06-01", "--user", "ann", "note", "3", "text", "--on", "2011-05-31"],
    ["--db=p.json", "--as", "2011-06-01", "--us", "ann", "set", "3", "done", "--note", "n"],
    ["list", "--overdue", "--format", "json"], ["milestone", "2", "1", "done"], ["evidence", "add", "1", "a", "b"],
    ["contact", "set", "Head of HR", "a@x", "--sponsor", ""], ["contact", "history"],
    ["--as-of", "2010-06-01", "contact", "history", "Head of HR"], ["contact", "history", "a", "b"], ["remind", "--outbox", "o", "--dry-run"],
    ["export", "--format", "md", "--mode", "640", "-o", "out.md"], ["import", "f.csv", "--plan", "p"],
    # a command's name as an option's value: the command is the next word, or there is none
    ["--user", "note", "list"], ["--user", "list", "note", "1", "t"], ["--db", "note"], ["--plan", "where", "where"],
    ["--user", "set", "note", "3", "t"], ["--", "note", "1", "t"],
    # errors: at the top level, and in a command's own parser
    ["bogus"], ["bogus", "note"], ["--db"], ["--due-soon-days", "x", "note", "1", "t"], ["--d", "x", "note", "1", "t"],
    ["note", "1", "t", "--bogus"], ["--bogus", "note", "1", "t"], ["note"], ["note", "1"], ["note", "1", "t", "u"],
    ["milestone", "1", "2", "maybe"], ["export", "--mode", "999"], ["list", "--format", "xml"], ["contact"],
    ["contact", "set"], ["evidence", "get", "1"], ["remind"], ["undo", "1", "--entry"], ["verify", "1", "maybe"],
    ["--as-of", "2010-01-01", "note", "1", "t", "--as-of", "2010-01-02"],
]


def answer(parse, words, capsys):
    try:
        result = ("parsed", vars(parse(words)))
    except SystemExit as exc:
        result = ("exit", exc.code)
    out, err = capsys.readouterr()
    return result, out, err


@pytest.mark.parametrize("words", WORDS, ids=" ".join)
def test_the_one_command_parser_answers_as_the_whole_parser(words, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # help is wrapped to the terminal's width
    whole = answer(lambda w: program.build_parser().parse_args(w), words, capsys)
    assert answer(program.parse_args, words, capsys) == whole


def test_the_program_help_names_every_command(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    (kind, code), out, _ = answer(program.parse_args, ["--help"], capsys)
    assert (kind, code) == ("exit", 0)
    listed = out.split("COMMAND", 1)[1]
    assert all(f"\n    {name} " in listed for name in COMMANDS), out
    assert set(program.ARGUMENTS) == set(program.COMMANDS) - {None}


def test_a_command_is_parsed_without_the_other_commands_arguments(monkeypatch):
    """What the one-command parser is for: a `note` builds the note's arguments alone."""
    built = []
    for name, add in program.ARGUMENTS.items():
        monkeypatch.setitem(program.ARGUMENTS, name, lambda sub, name=name, add=add: (built.append(name), add(sub)))
    args = program.parse_args(["--db", "p.json", "--user", "list", "note", "3", "Met the partners."])
    assert (args.command, args.user, args.number, args.text) == ("note", "list", "3", "Met the partners.")
    assert built == ["list", *program.ARGUMENTS]  # `list` guessed (an option's value), then the whole parser
    built.clear()
    program.parse_args(["--db", "p.json", "note", "3", "Met the partners."])
    assert built == ["note"]


@pytest.mark.parametrize("columns", ["123", "0", "-5", "wide", None])
def test_help_is_as_wide_as_argparse_would_make_it(columns, monkeypatch):
    """The help's width is found without `shutil` (program._columns), as `shutil.get_terminal_size`
    finds it: $COLUMNS when it is a positive number, else the terminal's, else 80."""
    import shutil

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert program._columns() == shutil.get_terminal_size().columns


def test_each_commands_help_says_what_it_does_and_what_each_argument_is(tmp_path):
    """`hsp-tui set --help` began with its usage line alone: the one line that says what `set` does
    was only in the program's list, and `number`, `text` and `owner` had no words at all."""
    import argparse

    from inprocess import run_in_process

    def commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {choice.dest: choice.help for choice in action._choices_actions}
                for name, sub in action.choices.items():
                    yield (*words, name), helps[name], sub
                    yield from commands(sub, (*words, name))

    found = list(commands(program.build_parser()))
    assert len(found) >= len(COMMANDS) + 7  # contact set/list/remove/history, evidence add/list/get/withdraw
    for words, summary, sub in found:
        assert summary and sub.description == summary, words
        for action in sub._actions:
            if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
                assert action.help or action.choices, (words, action.dest)  # choices are listed in the usage
            if action.option_strings and action.nargs != 0 and not action.choices:
                assert action.help, (words, action.option_strings)
    shown = run_in_process(tmp_path, ("set", "--help"))
    assert shown.code == 0
    assert "set a recommendation's status" in shown.out
    assert "the recommendation's number (as 'hsp-tui list' shows it)" in shown.out
    assert "verified" in run_in_process(tmp_path, ("list", "--help")).out
