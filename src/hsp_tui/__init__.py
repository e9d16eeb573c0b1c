"""hsp-tui: track an audit action plan (owners, deadlines, status, overdue) from the terminal."""

__version__ = "0.1.0"
