"""The lab store: what goes in comes out, quotas and expiry hold, and a broken file or a
full disk leaves the app working in memory. Two processes may write at once. What the
store promises is checked on SQLite and on PostgreSQL alike (the ``where`` fixture);
the file's own troubles are SQLite's."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from labs.store import (
    CORRUPT,
    DISK_FULL,
    MIGRATIONS,
    SCHEMA_VERSION,
    UNAVAILABLE,
    LabStore,
    QuotaExceeded,
    Quotas,
    RunRecord,
    migration_sql,
    new_lab_id,
    open_store,
    valid_lab_id,
)


def run(number: int, status: str = "finished", **meta) -> RunRecord:
    return RunRecord(number, {"hidden": 8}, [{"epoch": 1, "test_accuracy": 0.5}], status, 1.5, dict(meta))


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_lab_ids_are_128_random_bits_and_checked():
    ids = {new_lab_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(valid_lab_id(i) for i in ids)
    for bad in ("", "abc", "x" * 21 + "!", "../../etc/passwd", None, 42, "a" * 23):
        assert not valid_lab_id(bad)


def test_round_trip(where):
    store = open_store(where)
    lab = store.new_lab()
    store.put_doc(lab, {"active": "trained", "active_run": 1})
    store.save_run(lab, run(1, extra="x"), b"weights", b"trainer")
    store.save_run(lab, run(2, "paused"))
    number = store.add_upload(lab, "my model.npz", b"npz bytes")
    store.put_blob(lab, "lessons", b"\x00\x01")
    store.close()

    again = open_store(where)  # as after a restart
    assert again.problem == "" and not again.in_memory
    assert again.has_lab(lab) and not again.has_lab(new_lab_id())
    assert again.get_doc(lab) == {"active": "trained", "active_run": 1}
    runs = again.runs(lab)
    assert [(r.number, r.status, r.meta) for r in runs] == [(1, "finished", {"extra": "x"}), (2, "paused", {})]
    assert runs[0].history == [{"epoch": 1, "test_accuracy": 0.5}] and runs[0].config == {"hidden": 8}
    assert again.run_checkpoint(lab, 1) == (b"weights", b"trainer")
    assert again.run_checkpoint(lab, 2) is None  # a summary without weights
    assert again.next_run_number(lab) == 3
    assert [(u.number, u.name, u.size) for u in again.uploads(lab)] == [(number, "my model.npz", 9)]
    assert again.upload_bytes(lab, number) == b"npz bytes"
    assert again.get_blob(lab, "lessons") == b"\x00\x01"
    again.put_blob(lab, "lessons", None)
    assert again.get_blob(lab, "lessons") is None
    assert again.lab_bytes(lab) == len(b"weights") + len(b"trainer") + 9


def test_updating_a_run_keeps_its_checkpoint_unless_given_a_new_one(where):
    store = open_store(where)
    lab = store.new_lab()
    store.save_run(lab, run(1, "running"), b"w1", b"t1")
    store.save_run(lab, run(1, "paused"))
    assert store.run_checkpoint(lab, 1) == (b"w1", b"t1")
    store.save_run(lab, run(1, "finished"), b"w2", None)
    assert store.run_checkpoint(lab, 1) == (b"w2", None)
    assert [r.status for r in store.runs(lab)] == ["finished"]


def test_run_quota(where):
    store = open_store(where, quotas=Quotas(runs=2))
    lab = store.new_lab()
    store.save_run(lab, run(1))
    store.save_run(lab, run(2))
    with pytest.raises(QuotaExceeded) as info:
        store.save_run(lab, run(3))
    assert info.value.what == "runs" and info.value.limit == 2
    store.save_run(lab, run(2, "paused"))  # an update is not a new run
    assert [r.number for r in store.runs(lab)] == [1, 2]
    other = store.new_lab()  # quotas are per lab
    store.save_run(other, run(1))


def test_upload_quota_keeps_the_newest(where):
    store = open_store(where, quotas=Quotas(uploads=3))
    lab = store.new_lab()
    numbers = [store.add_upload(lab, f"m{i}.npz", b"x" * i) for i in range(1, 6)]
    assert numbers == [1, 2, 3, 4, 5]
    assert [u.name for u in store.uploads(lab)] == ["m3.npz", "m4.npz", "m5.npz"]


def test_byte_quota_refuses_and_changes_nothing(where):
    store = open_store(where, quotas=Quotas(bytes=1000))
    lab = store.new_lab()
    store.save_run(lab, run(1), b"w" * 600, b"t" * 100)
    with pytest.raises(QuotaExceeded) as info:
        store.add_upload(lab, "big.npz", b"u" * 400)
    assert info.value.what == "bytes"
    assert store.uploads(lab) == []  # the transaction was rolled back
    with pytest.raises(QuotaExceeded):
        store.save_run(lab, run(2), b"w" * 600, b"")
    assert [r.number for r in store.runs(lab)] == [1]


def test_idle_labs_expire_and_open_ones_stay(where):
    clock = Clock()
    store = open_store(where, idle_days=7, clock=clock)
    old, kept, fresh = store.new_lab(), store.new_lab(), store.new_lab()
    store.save_run(old, run(1), b"w", b"t")
    clock.now += 6 * 86400
    store.touch(fresh)
    clock.now += 2 * 86400  # old and kept unused for 8 days, fresh for 2
    assert store.housekeep(keep=frozenset({kept})) == [old]
    assert not store.has_lab(old) and store.has_lab(kept) and store.has_lab(fresh)
    assert store.runs(old) == [] and store.total_bytes() == 0  # its runs went with it


def test_size_cap_evicts_the_labs_unused_longest(where):
    clock = Clock()
    store = open_store(where, cap_bytes=2500, clock=clock)
    labs = []
    for _ in range(4):
        lab = store.new_lab()
        store.save_run(lab, run(1), b"w" * 1000, None)
        labs.append(lab)
        clock.now += 60
    store.touch(labs[0])  # the first lab was used again last
    assert store.total_bytes() == 4000
    gone = store.housekeep()
    assert gone == [labs[1], labs[2]]  # oldest use first, until under the cap
    assert store.total_bytes() == 2000
    assert store.has_lab(labs[0]) and store.has_lab(labs[3])


def test_a_corrupt_file_leaves_the_store_working_in_memory(tmp_path):
    path = tmp_path / "labs.sqlite3"
    path.write_bytes(b"this is not a database, it is a file someone broke" * 100)
    store = LabStore(path)
    assert store.problem == CORRUPT and store.in_memory and store.problem_detail
    lab = store.new_lab()
    store.save_run(lab, run(1), b"w", b"t")
    assert store.run_checkpoint(lab, 1) == (b"w", b"t")
    assert path.read_bytes().startswith(b"this is not a database")  # the broken file is left for its owner


def test_a_folder_that_cannot_be_made_leaves_the_store_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data folder should be")
    store = LabStore(blocker / "labs.sqlite3")
    assert store.problem == UNAVAILABLE and store.in_memory
    assert store.has_lab(store.new_lab())


def test_a_full_disk_moves_to_memory_keeping_everything(tmp_path):
    store = LabStore(tmp_path / "s.sqlite3")
    lab = store.new_lab()
    store.save_run(lab, run(1), b"w" * 1000, b"t")
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLite reports SQLITE_FULL past it
    store.add_upload(lab, "big.npz", b"u" * 200_000)  # does not fit on "disk"
    assert store.problem == DISK_FULL and store.in_memory
    assert store.run_checkpoint(lab, 1) == (b"w" * 1000, b"t")  # copied over
    assert [u.name for u in store.uploads(lab)] == ["big.npz"]  # and the write that failed went through


def _writer(where: str, lab: str, name: str, n: int) -> None:
    store = open_store(where, quotas=Quotas(uploads=100))
    own = store.new_lab()
    for i in range(1, n + 1):
        store.save_run(own, run(i), b"w" * 5000, b"t")
        store.add_upload(lab, f"{name}-{i}.npz", b"u")
        store.put_doc(own, {"i": i})
    store.put_blob(lab, name, own.encode())


def test_two_processes_write_at_once(where):
    """Two servers on one store: SQLite's file (WAL), or one PostgreSQL database."""
    store = open_store(where, quotas=Quotas(uploads=100))
    shared = store.new_lab()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(where, shared, name, 25)) for name in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(store.uploads(shared)) == 50
    for name in ("a", "b"):
        own = store.get_blob(shared, name).decode()
        assert [r.number for r in store.runs(own)] == list(range(1, 26))
        assert store.get_doc(own) == {"i": 25}
    if store.dialect == "sqlite":
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_from_a_newer_version_is_not_used(tmp_path):
    path = tmp_path / "s.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    store = LabStore(path)
    assert store.in_memory and store.problem


def test_the_schema_is_made_by_numbered_migrations(where):
    """A new store applies every migration once and records how far; opening it again changes nothing."""
    store = open_store(where)
    if store.dialect == "sqlite":
        version = store._conn.execute("PRAGMA user_version").fetchone()[0]
    else:
        version = store._conn.execute("SELECT version FROM schema_version").fetchone()[0]
    assert version == SCHEMA_VERSION == len(MIGRATIONS)
    lab = store.new_lab()
    store.close()
    again = open_store(where)
    assert again.has_lab(lab) and not again.in_memory
    again.close()


def test_an_old_sqlite_store_gains_only_the_new_migrations(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for sql in migration_sql(1, "sqlite"):
        conn.execute(sql)
    conn.execute("INSERT INTO labs (id, created, used) VALUES ('x' , 1, 1)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = LabStore(path)
    assert not store.in_memory and store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store._conn.execute("SELECT id FROM labs").fetchall() == [("x",)]  # kept
    assert store.room("ABCDEF") is None  # the rooms' tables are there


def test_postgres_retries_collisions_with_growing_waits(monkeypatch):
    """A unit of work that collides with other servers' many times in a row (SERIALIZABLE)
    is retried after random, growing, capped waits until it goes through."""
    import contextlib

    from psycopg import errors

    from labs import pgstore

    waits: list[float] = []
    monkeypatch.setattr(pgstore.time, "sleep", waits.append)
    conn = pgstore.Connection.__new__(pgstore.Connection)

    class Fake:
        def transaction(self):
            return contextlib.nullcontext()

    conn.conn = Fake()
    collisions = 12  # more than the 8 retries that were not enough for 120 Starts at once on 3 servers
    tries = []

    def work(cursor):
        tries.append(1)
        if len(tries) <= collisions:
            raise errors.SerializationFailure("could not serialize access")
        return "done"

    assert conn.transact(work) == "done"
    assert len(waits) == collisions
    assert all(w <= pgstore.RETRY_WAIT_MAX_S * 1.5 for w in waits)
    assert max(waits) > 10 * pgstore.RETRY_WAIT_S * 1.5  # they grow
    tries.clear()
    with pytest.raises(errors.SerializationFailure):
        conn.transact(lambda cursor: (_ for _ in ()).throw(errors.SerializationFailure("again")))
