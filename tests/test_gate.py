"""TrainingGate: at most `cores` chunks compute at once, first come first served,
BLAS at one thread while several sessions train and at every core for one alone."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from labs import gate as gate_module
from labs.gate import TrainingGate


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


@pytest.fixture
def restore_blas():
    before = blas_threads()
    yield
    from threadpoolctl import threadpool_limits

    if before:
        threadpool_limits(limits=max(before), user_api="blas")


def test_blas_is_there():
    np.ones((2, 2)) @ np.ones((2, 2))
    assert blas_threads(), "numpy's BLAS was not found by threadpoolctl"


@pytest.mark.parametrize("cores", [1, 2, 3])
def test_at_most_cores_hold_a_slot(cores):
    gate = TrainingGate(cores=cores)
    inside = 0
    most = 0
    lock = threading.Lock()

    def chunk(i: int) -> None:
        nonlocal inside, most
        for _ in range(3):
            with gate.slot(f"s{i}"):
                with lock:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.01)
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=chunk, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert most == cores  # never more, and the slots are used
    assert gate.max_holders == cores
    assert gate.chunks == 24


def test_waiters_are_served_in_arrival_order():
    gate = TrainingGate(cores=1)
    order: list[int] = []
    release = threading.Event()

    def hold() -> None:
        with gate.slot("first"):
            release.wait(10)

    def wait_turn(i: int) -> None:
        with gate.slot(f"s{i}"):
            order.append(i)

    holder = threading.Thread(target=hold)
    holder.start()
    wait_until(lambda: gate.max_holders == 1)
    waiters = []
    try:
        for i in range(6):
            t = threading.Thread(target=wait_turn, args=(i,))
            t.start()
            waiters.append(t)
            wait_until(lambda i=i: len(gate._queue) == i + 1)  # queued before the next one arrives
    finally:
        release.set()
    for t in [holder, *waiters]:
        t.join(timeout=10)
    assert order == list(range(6))


def test_a_run_alone_keeps_one_core_for_the_pages(restore_blas):
    for cores, solo in ((1, 1), (2, 1), (4, 3)):
        gate = TrainingGate(cores=cores)
        with gate.slot("alone"):
            assert gate.blas_threads() == solo and blas_threads() == {solo}
        gate.leave("alone")


def test_blas_threads_follow_the_number_of_training_sessions(restore_blas):
    gate = TrainingGate(cores=2, solo_threads=2)
    with gate.slot("alone"):
        assert gate.active_sessions() == 1
        assert blas_threads() == {2}
        assert gate.blas_threads() == 2
    # A second session starts while the first is still training (between chunks).
    with gate.slot("other"):
        assert gate.active_sessions() == 2
        assert blas_threads() == {1}
    gate.leave("other")
    gate.leave("alone")
    with gate.slot("alone"):  # alone again: every core
        assert blas_threads() == {2}


def test_waiting_sessions_count_as_training(restore_blas):
    gate = TrainingGate(cores=1)
    release = threading.Event()
    seen: list[int] = []

    def hold() -> None:
        with gate.slot("a"):
            release.wait(10)

    def wait_turn() -> None:
        with gate.slot("b"):
            seen.append(gate.active_sessions())
            seen.append(max(blas_threads()))

    a = threading.Thread(target=hold)
    a.start()
    wait_until(lambda: gate.max_holders == 1)
    b = threading.Thread(target=wait_turn)
    b.start()
    try:
        wait_until(lambda: len(gate._queue) == 1)
        assert gate.active_sessions() == 2  # one computing, one queueing
    finally:
        release.set()
    a.join(10)
    b.join(10)
    assert seen == [2, 1]


def test_leave_forgets_the_session_at_once():
    gate = TrainingGate(cores=2)
    with gate.slot("a"):
        pass
    with gate.slot("b"):
        pass
    assert gate.active_sessions() == 2
    gate.leave("a")
    assert gate.active_sessions() == 1
    gate.leave("b")
    gate.leave("never-seen")  # harmless
    assert gate.active_sessions() == 0


def test_stale_sessions_expire():
    gate = TrainingGate(cores=2, active_window_s=0.2)
    with gate.slot("gone"):
        pass
    assert gate.active_sessions() == 1
    time.sleep(0.3)
    assert gate.active_sessions() == 0
    with gate.slot("new"):
        assert gate.active_sessions() == 1


def test_a_failing_chunk_releases_its_slot():
    gate = TrainingGate(cores=1)
    with pytest.raises(RuntimeError), gate.slot("a"):
        raise RuntimeError("chunk failed")
    done = threading.Event()

    def next_chunk() -> None:
        with gate.slot("b"):
            done.set()

    t = threading.Thread(target=next_chunk)
    t.start()
    t.join(5)
    assert done.is_set()


def in_thread(work) -> None:
    """Run ``work`` in a thread of its own, as run workers do: OpenBLAS ignores thread counts
    set from other threads once the main thread has set one, so tests never set it there."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join(30)
    if errors:
        raise errors[0]


def test_each_core_has_one_slot_whose_buffers_are_reused():
    in_thread(_slots_reuse_their_buffers)


def _slots_reuse_their_buffers() -> None:
    """Work buffers belong to the slots: as many sets as cores, made again only for a new shape."""
    gate = TrainingGate(cores=2)
    seen = []
    for _ in range(3):
        with gate.slot("a") as slot:
            seen.append((slot.index, slot.workspace(64, 32, "float32")))
    assert {index for index, _ in seen} <= {0, 1}
    by_slot = {index: {id(ws) for i, ws in seen if i == index} for index, _ in seen}
    assert all(len(ids) == 1 for ids in by_slot.values())  # the same buffers each time
    with gate.slot("a") as slot:
        other = slot.workspace(128, 32, "float32")
        assert other.batch == 128 and other is not slot.workspace(64, 32, "float32")
    gate.release_buffers()
    assert all(slot._workspace is None for slot in gate._slots)


def test_two_holders_never_share_a_slot():
    gate = TrainingGate(cores=2)
    inside: list[int] = []
    both = threading.Barrier(2, timeout=5)

    def chunk() -> None:
        with gate.slot("x") as slot:
            inside.append(slot.index)
            both.wait()

    threads = [threading.Thread(target=chunk) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(inside) == [0, 1]


# Eight threads each allocate small blocks at the same time, then glibc prints one
# "Arena N:" section per malloc arena it made to stderr (malloc_stats).
ARENA_PROBE = """
import ctypes, ctypes.util, sys, threading
if sys.argv[1] == "limit":
    from labs.gate import limit_malloc_retention
    assert limit_malloc_retention()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
together = threading.Barrier(8)
def work():
    blocks = [libc.malloc(4096) for _ in range(64)]
    together.wait()
    for block in blocks:
        libc.free(block)
threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc.malloc_stats()
"""


def malloc_arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    probe = [sys.executable, "-c", ARENA_PROBE, mode]
    done = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_malloc_arenas_are_limited_on_glibc():
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's malloc only")
    assert malloc_arenas("plain") > gate_module.MALLOC_ARENA_MAX  # threads get arenas of their own ...
    assert malloc_arenas("limit") <= gate_module.MALLOC_ARENA_MAX  # ... until the process limits them


class Interrupted(Exception):
    pass


@contextmanager
def slot_held(gate: TrainingGate) -> Iterator[None]:
    """Slot "a" held by a thread of its own until the block ends."""
    release = threading.Event()

    def hold() -> None:
        with gate.slot("a"):
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    wait_until(lambda: gate.max_holders == 1)
    try:
        yield
    finally:
        release.set()
        holder.join(10)


def interrupt_when(event: threading.Event):
    def interrupt() -> None:
        if event.is_set():
            raise Interrupted

    return interrupt


def queued(gate: TrainingGate, name: str, outcome: list[str], interrupt=None) -> threading.Thread:
    """A thread waiting for a slot as ``name``: it records ``name`` once it trains, "``name`` left" if interrupted."""

    def wait_turn() -> None:
        try:
            with gate.slot(name, interrupt=interrupt):
                outcome.append(name)
        except Interrupted:
            outcome.append(f"{name} left")

    thread = threading.Thread(target=wait_turn)
    thread.start()
    return thread


def test_a_waiting_chunk_can_be_interrupted():
    """A click while a chunk waits for its turn ends the wait: the chunk leaves the queue untrained."""
    gate = TrainingGate(cores=1)
    clicked = threading.Event()
    outcome: list[str] = []
    with slot_held(gate):
        b = queued(gate, "b", outcome, interrupt_when(clicked))
        wait_until(lambda: len(gate._queue) == 1)
        time.sleep(2 * gate_module.POLL_S)  # not interrupted while nobody clicks
        assert outcome == []
        clicked.set()
        b.join(5 * gate_module.POLL_S + 1)
        assert outcome == ["b left"]
        assert len(gate._queue) == 0 and "b" not in gate._inside
    with gate.slot("c"):  # the queue is not blocked by the chunk that left
        pass
    assert gate.chunks == 2


def test_an_interrupted_head_of_the_queue_lets_the_next_one_in():
    gate = TrainingGate(cores=1)
    stop_b = threading.Event()
    order: list[str] = []
    with slot_held(gate):
        b = queued(gate, "b", order, interrupt_when(stop_b))
        wait_until(lambda: len(gate._queue) == 1)
        c = queued(gate, "c", order)
        wait_until(lambda: len(gate._queue) == 2)
        stop_b.set()
        wait_until(lambda: order == ["b left"])
    for t in (b, c):
        t.join(10)
    assert order == ["b left", "c"]


def test_arrive_counts_the_session_and_sets_blas_threads(restore_blas):
    gate = TrainingGate(cores=2, solo_threads=2)
    seen: list[tuple] = []

    def session(name: str) -> None:  # in a thread of its own, as a session's script runs
        gate.arrive(name)
        seen.append((gate.active_sessions(), gate.blas_threads()))

    for name in ("a", "b"):  # the second presses Start: its first batch runs on one BLAS thread
        t = threading.Thread(target=session, args=(name,))
        t.start()
        t.join(10)
    assert seen == [(1, 2), (2, 1)]
    assert blas_threads() == {1}
    gate.leave("a")
    gate.leave("b")
    assert gate.active_sessions() == 0


def test_freezing_the_startup_heap_happens_once():
    import gc

    gate_module.freeze_startup_heap()  # the first call (here or in an earlier test) froze the heap
    assert gc.get_freeze_count() > 0
    assert gate_module.freeze_startup_heap() is False
