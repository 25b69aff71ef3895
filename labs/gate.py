"""Sharing the server's cores between runs that train at the same time.

In a workshop thirty people may press Start together. Each run trains in
short chunks on a worker thread of its own (see :mod:`labs.runs`); every chunk
passes through one process-wide gate that lets at most ``cores`` chunks
compute at once (waiters are served strictly in arrival
order, so every session moves forward at the same pace) and sets BLAS to one
thread while several sessions train, so 30 sessions never ask OpenBLAS for 60
threads on 2 cores. A run training alone gets every core but one (see
``TrainingGate.solo_threads``).

The work buffers of a training step (a batch's inputs, activations and
deltas: about 65 MB at hidden 1024 and batch 4096) belong to the gate's
slots, not to the runs: a chunk borrows its slot's :class:`Workspace`, so the
server holds at most one set per core however many runs there are.

A session counts as training while it waits for or holds a slot, and for
``ACTIVE_WINDOW_S`` after its last chunk (the page draws between chunks);
:meth:`TrainingGate.arrive` starts that when a run starts and
:meth:`TrainingGate.leave` ends it at once when a run pauses or ends. A chunk
waiting for its turn checks every ``POLL_S`` whether its script run should stop
(a click), so a Pause never waits for the other sessions' turns.

Also here, as process-wide settings for many sessions in one server, made by
one explicit call, :func:`configure_process`: glibc's malloc arenas
(:func:`limit_malloc_retention`) and the garbage collector
(:func:`freeze_startup_heap`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np  # loads the BLAS library, so the controller below can find it
from threadpoolctl import ThreadpoolController

from mlp_core.fast import Workspace

# A session that has not trained for this long no longer counts as training.
ACTIVE_WINDOW_S = 3.0
# How often a waiting chunk checks whether it should stop waiting (see TrainingGate.slot).
POLL_S = 0.25
# glibc malloc arenas for a server whose sessions each run in a thread of their own.
MALLOC_ARENA_MAX = 2
_M_ARENA_MAX = -8  # mallopt() parameter, from glibc's malloc.h
_malloc_configured: bool | None = None


def limit_malloc_retention() -> bool:
    """Keep freed memory from piling up in glibc's per-thread arenas; False where that is not glibc.

    Every session's script runs in a thread of its own, and glibc gives threads
    up to 8 arenas per core. Each arena keeps the large blocks its threads
    freed (an evaluation's float copy of the test set, once the first such
    block has raised glibc's mmap threshold): with 30 sessions training, the
    server grew by about 28 MB per session instead of the 3 MB a session
    holds. Two arenas keep the server near what the sessions hold. Call it
    early, before many threads have allocated; calling it again does nothing.
    MALLOC_ARENA_MAX set in the environment wins.
    """
    global _malloc_configured
    if _malloc_configured is None:
        _malloc_configured = False
        name = ctypes.util.find_library("c")
        try:
            mallopt = ctypes.CDLL(name).mallopt if name else None
        except (OSError, AttributeError):
            mallopt = None
        if mallopt is not None:
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            if "MALLOC_ARENA_MAX" in os.environ:
                _malloc_configured = True
            else:
                _malloc_configured = mallopt(_M_ARENA_MAX, MALLOC_ARENA_MAX) == 1
    return _malloc_configured


_heap_frozen = False


def freeze_startup_heap() -> bool:
    """Leave the objects that exist now (the imported modules: Streamlit, Plotly, pandas,
    NumPy, ours) out of every later garbage collection; True on the call that did it.

    Streamlit runs a full ``gc.collect()`` after every script run, fragment
    reruns included (``runner.postScriptGC``): with the app's imports, about
    120,000 objects, that takes some 50 ms holding the GIL, on every tick of
    every session, and stalls the sessions that train meanwhile. Imported
    modules live as long as the process, so a collection never frees them;
    frozen, they are no longer traversed and the collection takes a few
    milliseconds with 30 sessions. Call it once, after the app's imports; later
    calls do nothing, so objects of later sessions are collected as before.
    """
    global _heap_frozen
    if _heap_frozen:
        return False
    _heap_frozen = True
    gc.collect()  # what is garbage now is not frozen with the rest
    gc.freeze()
    return True


def configure_process() -> None:
    """The process-wide settings of a server that holds many sessions; call it once the
    app's modules are imported (every page does, through ``ui.common.page_setup``). Later
    calls do nothing."""
    limit_malloc_retention()
    freeze_startup_heap()


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Slot:
    """One core's worth of compute, held for one chunk, with the work buffers that go with it."""

    def __init__(self, index: int) -> None:
        self.index = index
        self._workspace: Workspace | None = None

    def workspace(self, batch: int, hidden: int, dtype: str | np.dtype) -> Workspace:
        """This slot's buffers for a (batch, hidden, dtype) step, made anew only when the shape changes."""
        ws = self._workspace
        if ws is None or (ws.batch, ws.hidden, ws.dtype) != (batch, hidden, np.dtype(dtype)):
            self._workspace = None  # the old buffers go before the new ones are made
            ws = self._workspace = Workspace(batch, hidden, np.dtype(dtype))
        return ws

    def release_buffers(self) -> None:
        self._workspace = None


class TrainingGate:
    """At most ``cores`` holders at once, first come first served, BLAS threads set by the load."""

    def __init__(
        self, cores: int | None = None, active_window_s: float = ACTIVE_WINDOW_S, solo_threads: int | None = None
    ) -> None:
        self.cores = max(1, cores or available_cores())
        # A run training alone gets every core but one. The last core serves the pages
        # (every session's script runs, the live charts) and, on a laptop, the browser:
        # OpenBLAS's threads wait for each other at every product, so when one of them
        # loses its core to that work the whole product waits. Measured on 2 cores with
        # the Train page watching (benchmarks/train_wait.py): 2 BLAS threads trained the
        # Fast preset in 9-25 s, 1 thread in 5 s, against 3 s with nothing watching.
        self.solo_threads = max(1, solo_threads or self.cores - 1)
        self.active_window_s = active_window_s
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()  # tickets of waiting chunks, oldest first
        self._holders = 0
        self._inside: Counter[str] = Counter()  # chunks waiting or computing, by session
        self._last_seen: dict[str, float] = {}  # session -> end of its last chunk
        self._controller = ThreadpoolController()
        self._threads: int | None = None
        self._slots = [Slot(i) for i in range(self.cores)]
        self._free = list(self._slots)
        # For tests and the load benchmark.
        self.waited_s = 0.0  # total time chunks spent queueing
        self.max_holders = 0  # most chunks ever computing at once
        self.chunks = 0

    # --- who is training ------------------------------------------------------

    def _active_locked(self) -> int:
        now = time.monotonic()
        for key in [k for k, t in self._last_seen.items() if now - t > self.active_window_s]:
            del self._last_seen[key]
        return len(set(self._last_seen) | {k for k, n in self._inside.items() if n > 0})

    def active_sessions(self) -> int:
        """Sessions training now: waiting, computing, or between two chunks of a run."""
        with self._cond:
            return self._active_locked()

    def arrive(self, session_id: str) -> None:
        """The session starts training: it counts from now on, and BLAS threads follow the
        new count, for the work it does before its first chunk (a run's first batch)."""
        with self._cond:
            self._last_seen[session_id] = time.monotonic()
            self._set_blas_threads_locked(self.solo_threads if self._active_locked() <= 1 else 1)

    def leave(self, session_id: str) -> None:
        """The session stopped training (paused, finished or diverged)."""
        with self._cond:
            self._last_seen.pop(session_id, None)

    # --- BLAS threads -----------------------------------------------------------

    def blas_threads(self) -> int | None:
        """The BLAS thread count the gate last set (None before the first chunk)."""
        return self._threads

    def _set_blas_threads_locked(self, n: int) -> None:
        if self._threads != n:
            self._controller.limit(limits=n, user_api="blas")
            self._threads = n

    # --- the slot ---------------------------------------------------------------

    @contextmanager
    def slot(self, session_id: str, interrupt: Callable[[], None] | None = None) -> Iterator[Slot]:
        """Hold one core's worth of compute for one chunk of training; yields the :class:`Slot`.

        ``interrupt`` is called every ``POLL_S`` while the chunk waits for its turn;
        if it raises (a click asked for a rerun, say), the chunk leaves the queue
        without training and the exception propagates: under load a session may
        wait several seconds, and a Pause must not wait with it.
        """
        ticket = object()
        t0 = time.monotonic()
        with self._cond:
            self._inside[session_id] += 1
            self._queue.append(ticket)
            try:
                while self._queue[0] is not ticket or self._holders >= self.cores:
                    if interrupt is None:
                        self._cond.wait()
                    else:
                        self._cond.wait(POLL_S)
                        self._cond.release()  # the callback may write to the store: the gate goes on meanwhile
                        try:
                            interrupt()
                        finally:
                            self._cond.acquire()
            except BaseException:
                self._queue.remove(ticket)
                self._release_locked(session_id)
                raise
            self._queue.popleft()
            slot = self._free.pop()
            self._holders += 1
            self.max_holders = max(self.max_holders, self._holders)
            self.chunks += 1
            self.waited_s += time.monotonic() - t0
            self._set_blas_threads_locked(self.solo_threads if self._active_locked() <= 1 else 1)
            self._cond.notify_all()  # the next in line may take another free slot
        try:
            yield slot
        finally:
            with self._cond:
                self._free.append(slot)
                self._holders -= 1
                self._release_locked(session_id)
                self._last_seen[session_id] = time.monotonic()

    def release_buffers(self) -> None:
        """Drop the slots' work buffers (nothing is training): memory goes back to the system."""
        with self._cond:
            for slot in self._free:
                slot.release_buffers()

    def _release_locked(self, session_id: str) -> None:
        self._inside[session_id] -= 1
        if self._inside[session_id] <= 0:
            del self._inside[session_id]
        self._cond.notify_all()  # a slot or the head of the queue may be free
