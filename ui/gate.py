"""Sharing the server's cores between sessions that train at the same time.

In a workshop thirty people may press Start together. Each session trains in
short chunks; every chunk passes through one process-wide gate that lets at
most ``cores`` chunks compute at once (waiters are served in arrival order, so
every session moves forward at the same pace) and sets BLAS to one thread
while several sessions train, so 30 sessions never ask OpenBLAS for 60
threads on 2 cores. A session training alone gets every core.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

# A session that has not trained for this long no longer counts as training.
ACTIVE_WINDOW_S = 3.0


class TrainingGate:
    def __init__(self, cores: int | None = None) -> None:
        self.cores = max(1, cores or len(os.sched_getaffinity(0)))
        self._slots = threading.Semaphore(self.cores)
        self._lock = threading.Lock()
        self._last_seen: dict[str, float] = {}
        self._controller = ThreadpoolController()
        self._threads: int | None = None
        self.waited_s = 0.0  # total time chunks spent queueing (for the load test)

    def active_sessions(self) -> int:
        now = time.monotonic()
        with self._lock:
            stale = [k for k, t in self._last_seen.items() if now - t > ACTIVE_WINDOW_S]
            for k in stale:
                del self._last_seen[k]
            return len(self._last_seen)

    def _set_blas_threads(self, n: int) -> None:
        with self._lock:
            if self._threads != n:
                self._controller.limit(limits=n, user_api="blas")
                self._threads = n

    @contextmanager
    def slot(self, session_id: str) -> Iterator[None]:
        """Hold one core's worth of compute for one chunk of training."""
        with self._lock:
            self._last_seen[session_id] = time.monotonic()
        t0 = time.monotonic()
        with self._slots:
            self.waited_s += time.monotonic() - t0
            busy = self.active_sessions()
            self._set_blas_threads(self.cores if busy <= 1 else 1)
            try:
                yield
            finally:
                with self._lock:
                    self._last_seen[session_id] = time.monotonic()

    def leave(self, session_id: str) -> None:
        """The session stopped training (paused, finished or diverged)."""
        with self._lock:
            self._last_seen.pop(session_id, None)
