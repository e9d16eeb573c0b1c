"""What goes in and out: imports (CSV, JSON), exports, the board report, reminders' messages, display text."""
