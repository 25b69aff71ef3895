"""The lab store's PostgreSQL connection: the same SQL as SQLite, through psycopg 3.

:class:`labs.store.LabStore` writes its statements once, with SQLite's ``?`` and
``:name`` placeholders; :class:`Connection` hands them to PostgreSQL as ``%s`` and
``%(name)s``. Every unit of work is one SERIALIZABLE transaction, retried when it
collides with another server's (PostgreSQL then behaves as SQLite, which runs one
writer at a time: a quota counted and then filled cannot be overtaken between the two).
The schema is :data:`labs.store.MIGRATIONS`, applied in order under an advisory lock,
so replicas starting together upgrade it once; ``schema_version`` records how far.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg import errors

T = TypeVar("T")

RETRIES = 16  # a serialization failure is retried this many times, after a random wait ...
RETRY_WAIT_S = 0.005  # ... this long at first, doubling with each retry ...
RETRY_WAIT_MAX_S = 0.25  # ... up to this: 120 people pressing Start at once on 3 servers collide a lot
MIGRATION_LOCK = 0x6261636B  # advisory lock id: one server migrates at a time
_NAMED = re.compile(r":([A-Za-z_]\w*)")


def pg_sql(sql: str) -> str:
    """SQLite's placeholders -> psycopg's (the store's SQL has no ``?`` or ``:`` otherwise)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("?", "%s"))


def retry_wait(attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): exponential, capped, jittered so
    that transactions which collided do not collide again in step."""
    return min(RETRY_WAIT_MAX_S, RETRY_WAIT_S * 2**attempt) * random.uniform(0.5, 1.5)


def connect(url: str) -> Connection:
    return Connection(url)


class Cursorish:
    """What the store's statements are run on inside a transaction: ``execute`` with SQLite's
    placeholders, returning psycopg's cursor (fetchone, fetchall, iteration)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor:
        return self.conn.execute(pg_sql(sql), params or None)


class Connection:
    """One psycopg connection (autocommit off, SERIALIZABLE) used by one LabStore under its lock."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=False)
        self.conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
        self.migrate()

    def transact(self, work: Callable[[Cursorish], T]) -> T:
        for attempt in range(RETRIES + 1):
            try:
                with self.conn.transaction():
                    return work(Cursorish(self.conn))
            except (errors.SerializationFailure, errors.DeadlockDetected):
                if attempt == RETRIES:
                    raise
                time.sleep(retry_wait(attempt))
        raise AssertionError("unreachable")

    def migrate(self) -> None:
        from .store import SCHEMA_VERSION, migration_sql

        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self.conn.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            if row is None:
                self.conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            if version > SCHEMA_VERSION:
                raise psycopg.DatabaseError(f"the store was written by a newer version (schema {version})")
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for sql in migration_sql(number, "postgres"):
                    self.conn.execute(sql)
                self.conn.execute("UPDATE schema_version SET version = %s", (number,))

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor:
        """A statement outside the store's units of work (its own transaction)."""
        with self.conn.transaction():
            return Cursorish(self.conn).execute(sql, params)

    def close(self) -> None:
        self.conn.close()
