"""Opening an SQLite database the way every Atelier component keeps its records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils


def open_sqlite(path: Path) -> sqlite_utils.Database:
    """A sqlite-utils database at ``path`` (folders created), in WAL mode, usable from worker threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False))
    db.enable_wal()
    return db
