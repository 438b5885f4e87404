"""The release history: an append-only record of every apply and rollback (SQLite by default)."""
