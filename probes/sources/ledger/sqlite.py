"""Ledger records from a SQLite table, read-only and safe next to a writer in WAL mode.

The database is opened with a `file:...?mode=ro` URI, so this process can never write or create it, and only when
it (and its -wal, -shm or -journal file, if there is one) is a regular file: SQLite would wait on a FIFO. Each poll
reads the rows whose id (the rowid, or the first column of `query`) is above the last one seen, in pages, each
in its own short read transaction: a WAL writer is never blocked, and we never see half a transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import urllib.parse
from collections.abc import Mapping

from probes.files.safe import NotRegularFile, check_regular
from probes.spend.records import FIELDS, BadRecord, RecordSink

PAGE = 20_000


def _ident(name: str) -> str:
    """A quoted SQL identifier (a column or table name from the config)."""
    return '"' + name.replace('"', '""') + '"'


class SqliteSource:
    """Incremental reads of one table (or query) by increasing id."""

    def __init__(self, path: str, table: str, query: str | None, columns: Mapping[str, str]) -> None:
        self.path = path
        self.columns = {f: columns.get(f, f) for f in FIELDS}
        self.custom = bool(query)
        if query:  # its first column is the id; the others are found by name through `columns`
            self.sql = query
        else:
            cols = ", ".join(_ident(self.columns[f]) for f in FIELDS)
            self.sql = f"SELECT rowid, {cols} FROM {_ident(table)} WHERE rowid > :after ORDER BY rowid LIMIT {PAGE}"
        self.top_sql = f"SELECT max(rowid) FROM {_ident(table)}"
        self.after: int | float = -1
        self.conn: sqlite3.Connection | None = None
        self.ident: tuple[int, int] | None = None
        self.resets = 0

    def _connect(self) -> sqlite3.Connection:
        st = check_regular(self.path)  # FileNotFoundError before SQLite makes up an error of its own
        for side in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                mode = os.stat(self.path + side).st_mode
                if not stat.S_ISREG(mode):
                    raise NotRegularFile(self.path + side, mode)
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path)) + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=0.5, check_same_thread=False, isolation_level=None)
        if self.ident is not None and self.ident != (st.st_dev, st.st_ino):
            self.after = -1  # a different database file at the path: read it from its start
            self.resets += 1
        self.ident = (st.st_dev, st.st_ino)
        return conn

    def poll(self, sink: RecordSink, max_rows: int) -> bool:
        """Add new rows to `sink`; returns True when more rows are waiting. Raises sqlite3.Error, OSError."""
        st = os.stat(self.path)
        if self.conn is not None and self.ident != (st.st_dev, st.st_ino):
            self.close()
        if self.conn is None:
            self.conn = self._connect()
        done = 0
        while done < max_rows:
            cur = self.conn.execute(self.sql, {"after": self.after})
            rows = cur.fetchmany(PAGE)
            names = [d[0] for d in cur.description or ()]
            cur.close()
            if not rows and self.after != -1:
                top = self.conn.execute(self.top_sql).fetchone() if not self.custom else None
                if top is not None and top[0] is not None and top[0] < self.after:
                    self.after = -1  # the table was emptied and refilled: start over (like a truncation)
                    self.resets += 1
                    continue
            for row in rows:
                if self.custom:
                    sink.add_mapping(dict(zip(names, row, strict=True)))
                    continue
                try:
                    sink.add_values(list(row[1:]))
                except BadRecord:
                    sink.bad += 1
            if rows:
                self.after = rows[-1][0]
            done += len(rows)
            if len(rows) < PAGE:
                return False
        return True

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
