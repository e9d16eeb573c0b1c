"""`python -m hsp_tui`: the same as the `hsp-tui` command."""

from hsp_tui.cli.program import run

if __name__ == "__main__":
    run()
