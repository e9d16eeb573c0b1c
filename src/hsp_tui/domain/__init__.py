"""The domain: the plan's records, its rules (commands) and its review as of a date. No file, clock-free rules, no storage, no Textual."""
