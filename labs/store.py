"""The lab store: every lab's runs, uploads and small documents, in SQLite.

One file (``labs.sqlite3``) in a data folder: ``BACKPROP_LAB_DATA`` when set,
else the user's cache folder (``$XDG_CACHE_HOME/backprop-lab`` or
``~/.cache/backprop-lab``). WAL mode and a busy timeout let several server
processes on one host share the folder. Everything a page needs goes through
:class:`LabStore`'s methods, an interface small enough for a server database
to implement later.

What is kept, per lab:

- a document (JSON): the active model, the Train page's settings, ...;
- runs: settings, per-epoch history, status, and a checkpoint (the weights
  as a model file, see :mod:`mlp_core.io`, and the trainer's state);
- uploaded model files, as they were uploaded (they were validated first);
- named blobs (the Draw page's lessons).

And the workshop rooms (see :mod:`labs.rooms`): a room's short code, its
teacher's token, its settings, and who joined it (a seat number, a display
name, the lab). The board reads summaries of the room's runs only: never
weights, drawings or uploads.

Bounded: a quota per lab (:class:`Quotas`), labs unused for ``idle_days``
are removed by :meth:`LabStore.housekeep`, and the whole store has a size
cap, the labs unused the longest evicted first.

When the file cannot be used (a corrupt database, a full disk, a folder that
cannot be written) the store moves to an in-memory database, copying what it
could still read, and says why in :attr:`LabStore.problem`: the app keeps
working, and a page tells the user that this server will not keep their work
past a restart.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

DATA_ENV = "BACKPROP_LAB_DATA"
DB_NAME = "labs.sqlite3"
ID_BYTES = 16  # 128 bits: a lab id is a capability, as unguessable as a document link
LAB_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16)

# Why the store is in memory (LabStore.problem); "" while the file is used.
NO_PROBLEM, CORRUPT, DISK_FULL, UNAVAILABLE = "", "corrupt", "disk_full", "unavailable"

T = TypeVar("T")


class QuotaExceeded(Exception):
    """A lab is full: ``what`` is "runs", "uploads" or "bytes"; ``limit`` the quota."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"this lab holds the most {what} it may ({limit})")
        self.what = what
        self.limit = limit


@dataclass(frozen=True)
class Quotas:
    runs: int = 30  # runs kept per lab
    uploads: int = 10  # uploaded model files kept per lab (the oldest go first)
    bytes: int = 160 * 2**20  # checkpoints, uploads and blobs of one lab together


@dataclass
class RunRecord:
    """One run as the store keeps it (without its checkpoint's bytes)."""

    number: int
    config: dict  # TrainConfig.to_dict()
    history: list[dict]  # EpochRecord.to_dict() per epoch
    status: str  # "running", "paused", "finished", "diverged"
    seconds: float  # seconds spent training
    meta: dict = field(default_factory=dict)  # progress, active_before, ...
    updated: float = 0.0
    owner: str | None = None  # the server training it, while its lease holds
    lease_until: float | None = None  # ... until then (store clock); a lapsed lease means nobody trains it


@dataclass(frozen=True)
class RoomRecord:
    code: str
    teacher: str  # the teacher's token: whoever has it runs the board
    created: float
    closed: float | None  # when the teacher closed it; None while open
    settings: dict
    members: int  # seats taken now (removed entries included; a seat number is never given twice)


@dataclass(frozen=True)
class MemberRecord:
    """One participant as the board sees them: a seat, never the lab's id."""

    seat: int
    lab: str  # for the server's own use (a run's live progress); never shown: a lab id is a capability
    name: str  # plain text, never markup
    hidden: bool  # the teacher hid the name
    joined: float


class RoomFull(Exception):
    """The room holds the most participants it may (``limit``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"this room holds the most participants it may ({limit})")
        self.limit = limit


@dataclass
class UploadRecord:
    number: int
    name: str  # the file name the user gave; plain text, never markup
    size: int
    created: float


def default_data_dir() -> Path:
    """The data folder: ``$BACKPROP_LAB_DATA``, else the user's cache folder."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "backprop-lab"


def new_lab_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def valid_lab_id(text: object) -> bool:
    return isinstance(text, str) and bool(LAB_ID.match(text))


# The schema, as numbered migrations the store applies itself, in order, each once, in one
# transaction (SQLite counts them in PRAGMA user_version, PostgreSQL in schema_version).
# Written once for both databases: {blob} and {real} are their names for bytes and floats.
# Never edit a migration that has shipped: add the next one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: labs, runs, uploads, blobs
        """CREATE TABLE IF NOT EXISTS labs (
            id TEXT PRIMARY KEY,
            created {real} NOT NULL,
            used {real} NOT NULL,
            doc TEXT NOT NULL DEFAULT '{{}}'
        )""",
        """CREATE TABLE IF NOT EXISTS runs (
            lab TEXT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            config TEXT NOT NULL,
            history TEXT NOT NULL,
            status TEXT NOT NULL,
            seconds {real} NOT NULL,
            meta TEXT NOT NULL,
            updated {real} NOT NULL,
            weights {blob},
            trainer {blob},
            PRIMARY KEY (lab, number)
        )""",
        """CREATE TABLE IF NOT EXISTS uploads (
            lab TEXT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            name TEXT NOT NULL,
            data {blob} NOT NULL,
            created {real} NOT NULL,
            PRIMARY KEY (lab, number)
        )""",
        """CREATE TABLE IF NOT EXISTS blobs (
            lab TEXT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            data {blob} NOT NULL,
            PRIMARY KEY (lab, key)
        )""",
        "CREATE INDEX IF NOT EXISTS labs_used ON labs(used)",
    ),
    (  # 2: workshop rooms
        """CREATE TABLE IF NOT EXISTS rooms (
            code TEXT PRIMARY KEY,
            teacher TEXT NOT NULL UNIQUE,
            created {real} NOT NULL,
            used {real} NOT NULL,
            closed {real},
            settings TEXT NOT NULL,
            seats INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE IF NOT EXISTS room_members (
            room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
            seat INTEGER NOT NULL,
            lab TEXT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            hidden INTEGER NOT NULL DEFAULT 0,
            removed INTEGER NOT NULL DEFAULT 0,
            joined {real} NOT NULL,
            PRIMARY KEY (room, seat),
            UNIQUE (room, lab)
        )""",
        "CREATE INDEX IF NOT EXISTS rooms_used ON rooms(used)",
    ),
    (  # 3: who trains a run (a server's lease on it, renewed while it trains) and what a page asked of it
        "ALTER TABLE runs ADD COLUMN owner TEXT",
        "ALTER TABLE runs ADD COLUMN lease_until {real}",
        "ALTER TABLE runs ADD COLUMN wanted TEXT",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
TYPES = {"sqlite": {"blob": "BLOB", "real": "REAL"}, "postgres": {"blob": "BYTEA", "real": "DOUBLE PRECISION"}}


def migration_sql(version: int, dialect: str) -> list[str]:
    """The statements of migration ``version`` (1-based) in ``dialect``."""
    return [sql.format(**TYPES[dialect]) for sql in MIGRATIONS[version - 1]]


# The bytes a lab holds: its checkpoints, uploads and blobs.
_LAB_BYTES = """
SELECT (SELECT COALESCE(SUM(LENGTH(weights) + COALESCE(LENGTH(trainer), 0)), 0) FROM runs WHERE lab = :lab)
     + (SELECT COALESCE(SUM(LENGTH(data)), 0) FROM uploads WHERE lab = :lab)
     + (SELECT COALESCE(SUM(LENGTH(data)), 0) FROM blobs WHERE lab = :lab)
"""


class LabStore:
    """Labs in one SQLite database (a file, or memory when ``path`` is None or the file fails),
    or in a PostgreSQL database shared by several servers (``url``, see :func:`open_store`).

    Thread-safe: one connection per store, used under a lock (SQLite serialises
    writers anyway; reads are short). Processes sharing the file coordinate
    through SQLite's own locking (WAL, ``busy_timeout``); servers sharing a
    PostgreSQL database through serializable transactions, retried when two collide.
    """

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        url: str | None = None,
        quotas: Quotas = Quotas(),
        idle_days: float = 7.0,
        cap_bytes: int = 2 * 2**30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.dialect = "postgres" if url else "sqlite"
        self.path = Path(path) if path is not None and not url else None
        self.quotas = quotas
        self.idle_seconds = idle_days * 86400
        self.cap_bytes = cap_bytes
        self.clock = clock
        self.problem = NO_PROBLEM
        self.problem_detail = ""
        self._lock = threading.RLock()
        self._conn = self._open()

    # --- opening, and falling back to memory ------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self.url:
            from . import pgstore  # psycopg is needed only here

            return pgstore.connect(self.url)
        if self.path is None:
            return self._memory()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 10000")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("database disk image is malformed")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
            self._init_schema(conn)
            return conn
        except sqlite3.DatabaseError as exc:  # not a database, malformed, locked for too long
            return self._memory(CORRUPT if _is_corruption(exc) else UNAVAILABLE, exc)
        except OSError as exc:  # the folder cannot be made or written
            return self._memory(UNAVAILABLE, exc)

    def _memory(self, problem: str = NO_PROBLEM, exc: BaseException | None = None) -> sqlite3.Connection:
        if problem:
            self.problem, self.problem_detail = problem, _first_line(exc)
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._init_schema(conn)
        return conn

    @staticmethod
    def _init_schema(conn: sqlite3.Connection) -> None:
        """Apply the migrations this file has not had yet, each in its own transaction."""
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"the store was written by a newer version (schema {version})")
        for number in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql in migration_sql(number, "sqlite"):
                    conn.execute(sql)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _to_memory(self, problem: str, exc: BaseException) -> None:
        """Carry on in memory with what the file still gives (a full disk can still be read)."""
        old = self._conn
        self._conn = self._memory(problem, exc)
        try:
            old.backup(self._conn)
            self._conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error:
            pass  # a corrupt file gives nothing: the memory store starts empty
        old.close()

    @property
    def in_memory(self) -> bool:
        return not self.url and (self.path is None or bool(self.problem))

    def _do(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one transaction; a full disk or a corrupt file moves the store
        to memory and runs it again there."""
        if self.url:
            with self._lock:
                return self._conn.transact(work)
        with self._lock:
            for attempt in range(2):
                conn = self._conn
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = work(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:  # SQLite may have rolled back by itself (a full disk)
                            conn.execute("ROLLBACK")
                        raise
                    return result
                except sqlite3.OperationalError as exc:
                    if attempt or not _is_full(exc):
                        raise
                    self._to_memory(DISK_FULL, exc)
                except sqlite3.DatabaseError as exc:
                    if attempt or not _is_corruption(exc):
                        raise
                    self._to_memory(CORRUPT, exc)
            raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- labs ----------------------------------------------------------------------

    def new_lab(self) -> str:
        lab = new_lab_id()
        now = self.clock()
        self._do(lambda c: c.execute("INSERT INTO labs (id, created, used) VALUES (?, ?, ?)", (lab, now, now)))
        return lab

    def has_lab(self, lab: str) -> bool:
        if not valid_lab_id(lab):
            return False
        return bool(self._do(lambda c: c.execute("SELECT 1 FROM labs WHERE id = ?", (lab,)).fetchone()))

    def touch(self, lab: str) -> None:
        """The lab is in use now (idle expiry counts from its last use)."""
        now = self.clock()
        self._do(lambda c: c.execute("UPDATE labs SET used = ? WHERE id = ?", (now, lab)))

    def get_doc(self, lab: str) -> dict:
        row = self._do(lambda c: c.execute("SELECT doc FROM labs WHERE id = ?", (lab,)).fetchone())
        return json.loads(row[0]) if row else {}

    def put_doc(self, lab: str, doc: dict) -> None:
        text = json.dumps(doc, sort_keys=True)
        now = self.clock()
        self._do(lambda c: c.execute("UPDATE labs SET doc = ?, used = ? WHERE id = ?", (text, now, lab)))

    def delete_lab(self, lab: str) -> None:
        self._do(lambda c: c.execute("DELETE FROM labs WHERE id = ?", (lab,)))

    def lab_bytes(self, lab: str) -> int:
        return int(self._do(lambda c: c.execute(_LAB_BYTES, {"lab": lab}).fetchone()[0]))

    # --- runs ----------------------------------------------------------------------

    def next_run_number(self, lab: str) -> int:
        row = self._do(lambda c: c.execute("SELECT MAX(number) FROM runs WHERE lab = ?", (lab,)).fetchone())
        return (row[0] or 0) + 1

    def save_run(
        self,
        lab: str,
        run: RunRecord,
        weights: bytes | None = None,
        trainer: bytes | None = None,
    ) -> None:
        """Insert or update a run; ``weights``/``trainer`` replace the checkpoint when given.
        A new run beyond the lab's run quota, or bytes beyond its byte quota, raise QuotaExceeded."""
        now = self.clock()

        def work(c: sqlite3.Connection) -> None:
            exists = c.execute("SELECT 1 FROM runs WHERE lab = ? AND number = ?", (lab, run.number)).fetchone()
            if not exists:
                count = c.execute("SELECT COUNT(*) FROM runs WHERE lab = ?", (lab,)).fetchone()[0]
                if count >= self.quotas.runs:
                    raise QuotaExceeded("runs", self.quotas.runs)
                c.execute(
                    "INSERT INTO runs (lab, number, config, history, status, seconds, meta, updated)"
                    " VALUES (?, ?, '{}', '[]', '', 0, '{}', 0)",
                    (lab, run.number),
                )
            c.execute(
                "UPDATE runs SET config = ?, history = ?, status = ?, seconds = ?, meta = ?, updated = ?"
                " WHERE lab = ? AND number = ?",
                (
                    json.dumps(run.config, sort_keys=True),
                    json.dumps(run.history),
                    run.status,
                    float(run.seconds),
                    json.dumps(run.meta, sort_keys=True),
                    now,
                    lab,
                    run.number,
                ),
            )
            if weights is not None:
                c.execute(
                    "UPDATE runs SET weights = ?, trainer = ? WHERE lab = ? AND number = ?",
                    (weights, trainer, lab, run.number),
                )
                self._check_bytes(c, lab)
            c.execute("UPDATE labs SET used = ? WHERE id = ?", (now, lab))

        self._do(work)

    def runs(self, lab: str) -> list[RunRecord]:
        rows = self._do(
            lambda c: c.execute(
                "SELECT number, config, history, status, seconds, meta, updated, owner, lease_until FROM runs"
                " WHERE lab = ? ORDER BY number",
                (lab,),
            ).fetchall()
        )
        return [
            RunRecord(n, json.loads(cfg), json.loads(hist), status, seconds, json.loads(meta), updated, owner, until)
            for n, cfg, hist, status, seconds, meta, updated, owner, until in rows
        ]

    # --- who trains a run: leases ---------------------------------------------------------

    def lease_run(self, lab: str, number: int, owner: str, seconds: float) -> bool:
        """``owner`` (a server) takes the run for ``seconds``: True unless another server's
        lease on it still holds. Two servers never both get it (one transaction decides)."""
        now = self.clock()

        def work(c: sqlite3.Connection) -> bool:
            done = c.execute(
                "UPDATE runs SET owner = ?, lease_until = ?, wanted = 'run' WHERE lab = ? AND number = ?"
                " AND (owner IS NULL OR owner = ? OR lease_until < ?)",
                (owner, now + seconds, lab, number, owner, now),
            )
            return done.rowcount == 1

        return self._do(work)

    def renew_lease(self, lab: str, number: int, owner: str, seconds: float) -> str | None:
        """The owner's lease for ``seconds`` more: what a page asked of the run ("run" or
        "pause"), or None when the lease was lost (it lapsed and another server took the run)."""
        now = self.clock()

        def work(c: sqlite3.Connection) -> str | None:
            done = c.execute(
                "UPDATE runs SET lease_until = ? WHERE lab = ? AND number = ? AND owner = ?",
                (now + seconds, lab, number, owner),
            )
            if done.rowcount != 1:
                return None
            row = c.execute("SELECT wanted FROM runs WHERE lab = ? AND number = ?", (lab, number)).fetchone()
            return row[0] or "run"

        return self._do(work)

    def release_lease(self, lab: str, number: int, owner: str) -> None:
        self._do(
            lambda c: c.execute(
                "UPDATE runs SET owner = NULL, lease_until = NULL WHERE lab = ? AND number = ? AND owner = ?",
                (lab, number, owner),
            )
        )

    def request_pause(self, lab: str, number: int) -> None:
        """A page on another server asks the run's owner to pause it (seen at its next renewal)."""
        self._do(lambda c: c.execute("UPDATE runs SET wanted = 'pause' WHERE lab = ? AND number = ?", (lab, number)))

    def run_checkpoint(self, lab: str, number: int) -> tuple[bytes, bytes | None] | None:
        """The run's last checkpoint: (model file bytes, trainer state bytes or None), or None."""
        row = self._do(
            lambda c: c.execute(
                "SELECT weights, trainer FROM runs WHERE lab = ? AND number = ?", (lab, number)
            ).fetchone()
        )
        if row is None or row[0] is None:
            return None
        return bytes(row[0]), (bytes(row[1]) if row[1] is not None else None)

    # --- uploads -------------------------------------------------------------------

    def add_upload(self, lab: str, name: str, data: bytes) -> int:
        """Keep an uploaded model file; the lab's oldest upload goes when its quota is full."""
        now = self.clock()

        def work(c: sqlite3.Connection) -> int:
            numbers = [r[0] for r in c.execute("SELECT number FROM uploads WHERE lab = ? ORDER BY number", (lab,))]
            for old in numbers[: max(0, len(numbers) - self.quotas.uploads + 1)]:
                c.execute("DELETE FROM uploads WHERE lab = ? AND number = ?", (lab, old))
            number = (numbers[-1] if numbers else 0) + 1
            c.execute(
                "INSERT INTO uploads (lab, number, name, data, created) VALUES (?, ?, ?, ?, ?)",
                (lab, number, name, data, now),
            )
            self._check_bytes(c, lab)
            c.execute("UPDATE labs SET used = ? WHERE id = ?", (now, lab))
            return number

        return self._do(work)

    def uploads(self, lab: str) -> list[UploadRecord]:
        rows = self._do(
            lambda c: c.execute(
                "SELECT number, name, LENGTH(data), created FROM uploads WHERE lab = ? ORDER BY number", (lab,)
            ).fetchall()
        )
        return [UploadRecord(*row) for row in rows]

    def upload_bytes(self, lab: str, number: int) -> bytes | None:
        row = self._do(
            lambda c: c.execute("SELECT data FROM uploads WHERE lab = ? AND number = ?", (lab, number)).fetchone()
        )
        return bytes(row[0]) if row else None

    # --- blobs ---------------------------------------------------------------------

    def put_blob(self, lab: str, key: str, data: bytes | None) -> None:
        """Keep (or with None, drop) a named blob of the lab."""

        def work(c: sqlite3.Connection) -> None:
            if data is None:
                c.execute("DELETE FROM blobs WHERE lab = ? AND key = ?", (lab, key))
                return
            c.execute(
                "INSERT INTO blobs (lab, key, data) VALUES (?, ?, ?)"
                " ON CONFLICT (lab, key) DO UPDATE SET data = excluded.data",
                (lab, key, data),
            )
            self._check_bytes(c, lab)

        self._do(work)

    def get_blob(self, lab: str, key: str) -> bytes | None:
        row = self._do(lambda c: c.execute("SELECT data FROM blobs WHERE lab = ? AND key = ?", (lab, key)).fetchone())
        return bytes(row[0]) if row else None

    # --- bounds --------------------------------------------------------------------

    def _check_bytes(self, c: sqlite3.Connection, lab: str) -> None:
        if c.execute(_LAB_BYTES, {"lab": lab}).fetchone()[0] > self.quotas.bytes:
            raise QuotaExceeded("bytes", self.quotas.bytes)

    def total_bytes(self) -> int:
        def work(c: sqlite3.Connection) -> int:
            return int(
                c.execute(
                    "SELECT (SELECT COALESCE(SUM(LENGTH(weights) + COALESCE(LENGTH(trainer), 0)), 0) FROM runs)"
                    " + (SELECT COALESCE(SUM(LENGTH(data)), 0) FROM uploads)"
                    " + (SELECT COALESCE(SUM(LENGTH(data)), 0) FROM blobs)"
                ).fetchone()[0]
            )

        return self._do(work)

    # --- rooms -----------------------------------------------------------------------

    def new_room(self, code: str, teacher: str, settings: dict) -> bool:
        """Open a room; False when ``code`` is taken (the caller draws another)."""
        now = self.clock()
        text = json.dumps(settings, sort_keys=True)

        def work(c: sqlite3.Connection) -> bool:
            if c.execute("SELECT 1 FROM rooms WHERE code = ?", (code,)).fetchone():
                return False
            c.execute(
                "INSERT INTO rooms (code, teacher, created, used, settings) VALUES (?, ?, ?, ?, ?)",
                (code, teacher, now, now, text),
            )
            return True

        return self._do(work)

    def _room_row(self, c: sqlite3.Connection, where: str, value: str) -> RoomRecord | None:
        row = c.execute(
            f"SELECT code, teacher, created, closed, settings FROM rooms WHERE {where} = ?", (value,)
        ).fetchone()
        if row is None:
            return None
        seats = c.execute("SELECT COUNT(*) FROM room_members WHERE room = ?", (row[0],)).fetchone()[0]
        return RoomRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), seats)

    def room(self, code: str) -> RoomRecord | None:
        return self._do(lambda c: self._room_row(c, "code", code))

    def room_of_teacher(self, teacher: str) -> RoomRecord | None:
        return self._do(lambda c: self._room_row(c, "teacher", teacher))

    def set_room_settings(self, code: str, settings: dict) -> None:
        text, now = json.dumps(settings, sort_keys=True), self.clock()
        self._do(lambda c: c.execute("UPDATE rooms SET settings = ?, used = ? WHERE code = ?", (text, now, code)))

    def close_room(self, code: str) -> None:
        now = self.clock()
        self._do(lambda c: c.execute("UPDATE rooms SET closed = ?, used = ? WHERE code = ?", (now, now, code)))

    def join_room(self, code: str, lab: str, name: str, limit: int) -> tuple[int, bool]:
        """Seat ``lab`` in the room as ``name`` (a lab that joined before keeps its seat and
        takes the new name): (seat, True if the lab was already in). Raises RoomFull, and
        LookupError when the room is unknown, closed, or removed this lab."""
        now = self.clock()

        def work(c: sqlite3.Connection) -> tuple[int, bool]:
            room = c.execute("SELECT closed FROM rooms WHERE code = ?", (code,)).fetchone()
            if room is None or room[0] is not None:
                raise LookupError("closed" if room else "unknown")
            seat = c.execute(
                "SELECT seat, removed FROM room_members WHERE room = ? AND lab = ?", (code, lab)
            ).fetchone()
            if seat is not None:
                if seat[1]:
                    raise LookupError("removed")
                c.execute("UPDATE room_members SET name = ? WHERE room = ? AND seat = ?", (name, code, seat[0]))
                return seat[0], True
            count = c.execute("SELECT COUNT(*) FROM room_members WHERE room = ?", (code,)).fetchone()[0]
            if count >= limit:
                raise RoomFull(limit)
            c.execute("UPDATE rooms SET seats = seats + 1, used = ? WHERE code = ?", (now, code))
            seat = c.execute("SELECT seats FROM rooms WHERE code = ?", (code,)).fetchone()[0]
            c.execute(
                "INSERT INTO room_members (room, seat, lab, name, joined) VALUES (?, ?, ?, ?, ?)",
                (code, seat, lab, name, now),
            )
            return seat, False

        return self._do(work)

    def leave_room(self, code: str, lab: str) -> None:
        """The participant leaves; a seat the teacher removed stays (it cannot join again)."""
        self._do(
            lambda c: c.execute("DELETE FROM room_members WHERE room = ? AND lab = ? AND removed = 0", (code, lab))
        )

    def seat_of(self, code: str, lab: str) -> tuple[int, str, bool] | None:
        """(seat, name, removed) of ``lab`` in the room, or None."""
        row = self._do(
            lambda c: c.execute(
                "SELECT seat, name, removed FROM room_members WHERE room = ? AND lab = ?", (code, lab)
            ).fetchone()
        )
        return (row[0], row[1], bool(row[2])) if row else None

    def set_member(self, code: str, seat: int, *, hidden: bool | None = None, removed: bool | None = None) -> None:
        """The teacher hides (or shows) a name, or removes an entry from the board."""
        for column, value in (("hidden", hidden), ("removed", removed)):
            if value is not None:
                self._do(
                    lambda c, column=column, value=value: c.execute(
                        f"UPDATE room_members SET {column} = ? WHERE room = ? AND seat = ?", (int(value), code, seat)
                    )
                )

    def room_members(self, code: str) -> list[MemberRecord]:
        """Everyone in the room, removed entries left out, by seat."""
        rows = self._do(
            lambda c: c.execute(
                "SELECT seat, lab, name, hidden, joined FROM room_members WHERE room = ? AND removed = 0 ORDER BY seat",
                (code,),
            ).fetchall()
        )
        return [MemberRecord(seat, lab, name, bool(hidden), joined) for seat, lab, name, hidden, joined in rows]

    def room_runs(self, code: str) -> dict[str, list[RunRecord]]:
        """The runs of everyone in the room (removed entries left out), by lab, in one query:
        the board's refresh reads the store once, however full the room. No weights."""
        rows = self._do(
            lambda c: c.execute(
                "SELECT r.lab, r.number, r.config, r.history, r.status, r.seconds, r.meta, r.updated, r.owner,"
                " r.lease_until FROM runs r JOIN room_members m ON m.lab = r.lab"
                " WHERE m.room = ? AND m.removed = 0 ORDER BY r.lab, r.number",
                (code,),
            ).fetchall()
        )
        out: dict[str, list[RunRecord]] = {}
        for lab, n, cfg, hist, status, seconds, meta, updated, owner, until in rows:
            out.setdefault(lab, []).append(
                RunRecord(
                    n, json.loads(cfg), json.loads(hist), status, seconds, json.loads(meta), updated, owner, until
                )
            )
        return out

    def touch_room(self, code: str) -> None:
        """The room is in use now (its board is open): it expires counting from its last use."""
        now = self.clock()
        self._do(lambda c: c.execute("UPDATE rooms SET used = ? WHERE code = ?", (now, code)))

    def housekeep(self, keep: frozenset[str] = frozenset()) -> list[str]:
        """Remove labs unused for ``idle_days``, then the labs unused the longest until the
        store is under its size cap; labs in ``keep`` (open now) stay. Returns the removed ids."""
        now = self.clock()

        def work(c: sqlite3.Connection) -> list[str]:
            gone = [
                lab
                for (lab,) in c.execute("SELECT id FROM labs WHERE used < ?", (now - self.idle_seconds,))
                if lab not in keep
            ]
            for lab in gone:
                c.execute("DELETE FROM labs WHERE id = ?", (lab,))
            # rooms expire as labs do, counted from the board's or a participant's last use
            c.execute("DELETE FROM rooms WHERE used < ?", (now - self.idle_seconds,))
            sizes = [
                (lab, c.execute(_LAB_BYTES, {"lab": lab}).fetchone()[0])
                for (lab,) in c.execute("SELECT id FROM labs ORDER BY used").fetchall()
            ]
            total = sum(size for _, size in sizes)
            for lab, size in sizes:  # oldest use first
                if total <= self.cap_bytes:
                    break
                if lab in keep:
                    continue
                c.execute("DELETE FROM labs WHERE id = ?", (lab,))
                gone.append(lab)
                total -= size
            return gone

        return self._do(work)


def _is_full(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR) or "full" in str(exc) or "disk I/O" in str(exc)


def _is_corruption(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc)
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in text or "not a database" in text


def _first_line(exc: BaseException | None) -> str:
    return str(exc).splitlines()[0] if exc is not None and str(exc) else type(exc).__name__


DATABASE_ENV = "BACKPROP_LAB_DATABASE_URL"


def open_store(where: str | os.PathLike | None, **options) -> LabStore:
    """A store at ``where``: a ``postgresql://`` URL (a server database several app servers
    share), a SQLite file's path, or None (memory)."""
    if isinstance(where, str) and where.startswith(("postgresql://", "postgres://")):
        return LabStore(url=where, **options)
    return LabStore(where, **options)


def open_default_store() -> LabStore:
    """The database of ``$BACKPROP_LAB_DATABASE_URL`` when set (PostgreSQL), else the SQLite
    file in the data folder (see :func:`default_data_dir`)."""
    return open_store(os.environ.get(DATABASE_ENV) or default_data_dir() / DB_NAME)


__all__ = [
    "CORRUPT",
    "DISK_FULL",
    "UNAVAILABLE",
    "LabStore",
    "MemberRecord",
    "QuotaExceeded",
    "Quotas",
    "RoomFull",
    "RoomRecord",
    "RunRecord",
    "UploadRecord",
    "default_data_dir",
    "new_lab_id",
    "open_default_store",
    "open_store",
    "valid_lab_id",
]
