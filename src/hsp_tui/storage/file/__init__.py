"""The plan file (TinyDB JSON) in a folder others may share: safe reads and writes, locks, journals."""
