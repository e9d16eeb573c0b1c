"""A plan on a PostgreSQL server: schema (hsp.sql), connection, reads, changes, notifications."""
