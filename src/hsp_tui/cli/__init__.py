"""The command line: parser, the commands, and the run's context (settings, store, review date)."""
