"""Runs as jobs: a training run trains on a worker thread of its own, pages only watch it.

A :class:`RunManager` (one per server process) owns every run that is in
memory. ``start`` puts a new run on a worker that trains continuously, one
chunk at a time through the fair :class:`~labs.gate.TrainingGate` (the chunk
borrows the work buffers of its gate slot), until the run finishes, diverges,
is paused, or its lab has had no page open for ``idle_pause_s`` (then it
pauses itself). After every epoch, every ``checkpoint_s`` and when it stops,
the worker writes a checkpoint to the :class:`~labs.store.LabStore`: the
weights as a model file and the trainer's state (optimizer, random
generator, position), from which :meth:`RunManager.resume` goes on bit for bit
as if the run had never stopped, in this process or after a restart.

Pages read :class:`RunView` snapshots (``views``) and a run's model
(``saved_model``); nothing they do waits for a chunk or slows one down. A run
that is neither training nor watched is dropped from memory after
``idle_pause_s``: it lives on in the store.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mlp_core.config import TrainConfig
from mlp_core.data import Dataset
from mlp_core.io import SavedModel, load_model, model_to_bytes
from mlp_core.train import DIVERGED, FINISHED, Trainer, seconds_left

from .gate import TrainingGate
from .store import LabStore, QuotaExceeded, RunRecord

RUNNING, PAUSED = "running", "paused"
STATUSES = (RUNNING, PAUSED, FINISHED, DIVERGED)

CHUNK_SECONDS = 0.3  # compute per chunk while others train: a Pause waits at most this (plus one batch)
SOLO_CHUNK_SECONDS = 1.0  # a run training alone takes longer chunks: fewer hand-overs, same pause latency per batch
CHECKPOINT_SECONDS = 20.0  # a run checkpoints at least this often, and after every epoch
IDLE_PAUSE_SECONDS = 600.0  # a run whose lab no page has watched for this long pauses itself
LEASE_SECONDS = (
    30.0  # a server's claim on a run it trains, renewed as it goes: a dead server's runs are free after this
)
RECORDS_TTL = 1.0  # a lab's runs as read from the store serve views this long (other servers write too)
RENEW_SECONDS = 5.0  # ... renewed this often (and the owner learns then that a page elsewhere asked for a pause)
MODELS_BYTES = 64 * 2**20  # weights of ended runs kept in memory, most recently used first (the store has all)
RECENT_BATCHES = 400  # batch losses a view carries (the "recent batches" chart)
# What a stored run's meta says of its progress (written by the manager, not part of the run's own meta).
_PROGRESS_KEYS = ("batches_done", "total_batches", "recent_losses", "diverged_loss")


@dataclass(frozen=True)
class RunView:
    """What a page draws of a run: one consistent snapshot."""

    number: int
    config: TrainConfig
    status: str  # RUNNING, PAUSED, FINISHED or DIVERGED
    epoch: int  # epochs completed
    batches_done: int
    batch_index: int  # batches done in the current epoch
    total_batches: int
    history: tuple[dict, ...]  # EpochRecord.to_dict() per epoch
    recent_losses: tuple[float, ...]  # the last RECENT_BATCHES batch losses
    train_seconds: float
    seconds_left: float | None
    diverged_loss: float | None = None
    meta: dict = field(default_factory=dict)
    idle_paused: bool = False  # paused by itself because nobody watched
    elsewhere: bool = False  # training on another server (its figures are its last checkpoint's)

    @property
    def progress(self) -> float:
        return min(1.0, self.batches_done / self.total_batches) if self.total_batches else 0.0

    @property
    def done(self) -> bool:
        return self.status in (FINISHED, DIVERGED)

    @property
    def first_recent_batch(self) -> int:
        """The number (1-based) of the first batch in ``recent_losses``."""
        return self.batches_done - len(self.recent_losses) + 1


class _Stop(Exception):
    """A chunk waiting for its turn was told to stop."""


class Job:
    """A run in memory: its trainer and the worker that trains it."""

    def __init__(self, lab: str, number: int, trainer: Trainer, meta: dict) -> None:
        self.lab, self.number = lab, number
        self.trainer = trainer
        self.meta = meta
        self.want_run = False
        self.idle_paused = False
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()  # held while a chunk trains or a checkpoint is taken
        self.wall = 0.0  # seconds of chunks, evaluations included, after the first batch
        self.walled_batches = 0  # the batches those seconds trained
        self.batch_cpu: float | None = None  # CPU seconds per batch on one BLAS thread (chunk sizing)
        self.last_checkpoint = time.monotonic()
        self.view: RunView | None = None
        self.renewed = 0.0  # time.monotonic() of the last lease renewal
        self.lost = False  # another server took the run: this one stops without writing

    @property
    def key(self) -> str:
        return f"{self.lab}/{self.number}"

    def status(self) -> str:
        if self.trainer.done:
            return self.trainer.status
        return RUNNING if self.want_run else PAUSED

    def make_view(self) -> RunView:
        tr = self.trainer
        left = None if tr.done else seconds_left(self.wall, self.walled_batches, tr.total_batches - tr.batches_done)
        return RunView(
            number=self.number,
            config=tr.config,
            status=self.status(),
            epoch=tr.epoch,
            batches_done=tr.batches_done,
            batch_index=tr.batch_index,
            total_batches=tr.total_batches,
            history=tuple(r.to_dict() for r in tr.history),
            recent_losses=tuple(tr.batch_losses[-RECENT_BATCHES:]),
            train_seconds=tr.train_seconds,
            seconds_left=left,
            diverged_loss=tr.diverged_loss,
            meta=dict(self.meta),
            idle_paused=self.idle_paused,
        )


def chunk_batches(active: int, batch_cpu_s: float | None, chunk_seconds: float = CHUNK_SECONDS) -> int | None:
    """The batches of the next chunk: None (train for a time budget) for a run training alone
    or before its speed is known; with several runs, ``chunk_seconds`` of its own compute,
    counted in batches.

    The gate serves waiting chunks in turn; what makes the turns fair is their
    size. A time budget buys fewer batches when the chunk shares the CPU with
    other threads (page redraws, the web server) and more when it does not; a
    count of batches from the run's own CPU time per batch on one core gives
    every run with the same settings the same batches per turn.
    """
    if active <= 1 or not batch_cpu_s:
        return None
    return max(1, round(chunk_seconds / batch_cpu_s))


def trainer_state_bytes(tr: Trainer) -> bytes:
    """The trainer's state (see Trainer.state_dict) as an .npz: arrays, and the rest as JSON."""
    arrays, values = tr.state_dict()
    arrays["values_json"] = np.frombuffer(json.dumps(values).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def trainer_from_checkpoint(config: TrainConfig, data: Dataset, weights: bytes, state: bytes | None) -> Trainer:
    """The trainer a checkpoint describes; the weights are checked as any model file is."""
    saved = load_model(weights)
    if state is None:  # weights only: a run that cannot be resumed, kept for its model
        tr = Trainer(config, data, saved.model)
        return tr
    with np.load(io.BytesIO(state), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    values = json.loads(arrays.pop("values_json").tobytes().decode())
    return Trainer.restore(config, data, saved.model, arrays, values)


class RunManager:
    """Every run of this server process that is in memory, and the workers that train them."""

    def __init__(
        self,
        store: LabStore,
        data: Dataset | Callable[[], Dataset],
        gate: TrainingGate,
        *,
        idle_pause_s: float = IDLE_PAUSE_SECONDS,
        checkpoint_s: float = CHECKPOINT_SECONDS,
        chunk_seconds: float = CHUNK_SECONDS,
        chunk_batches: int | None = None,
        on_end: Callable[[str, RunView], None] | None = None,
        lease_s: float = LEASE_SECONDS,
        renew_s: float = RENEW_SECONDS,
    ) -> None:
        self.store = store
        # This server, as leases name it: several servers (replicas) may share one store.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lease_s = lease_s
        self.renew_s = renew_s
        self._data = data  # a Dataset, or how to load it when the first run needs it
        self.gate = gate
        self.idle_pause_s = idle_pause_s
        self.checkpoint_s = checkpoint_s
        self.chunk_seconds = chunk_seconds
        self.fixed_chunk_batches = chunk_batches  # tests: this many batches per chunk
        self.on_end = on_end  # called (lab, view) when a run finishes or diverges
        self._lock = threading.RLock()
        self._jobs: dict[tuple[str, int], Job] = {}
        self._watched: dict[str, float] = {}  # lab -> when a page last showed it
        self._models: OrderedDict[tuple[str, int, int], SavedModel] = OrderedDict()  # store-loaded models
        self._records: dict[str, tuple[float, list[RunRecord]]] = {}  # the store's runs per lab: (read at, runs)
        self._writes: dict[str, int] = {}  # checkpoints written per lab: a read older than one is not kept
        self.last_error: BaseException | None = None  # a worker's unexpected error (tests and logs)

    @property
    def data(self) -> Dataset:
        if callable(self._data):
            self._data = self._data()
        return self._data

    # --- what pages call ------------------------------------------------------------

    def watch(self, lab: str) -> None:
        """A page of this lab is open now: its runs keep training; idle ones may be let go."""
        now = time.monotonic()
        with self._lock:
            self._watched[lab] = now
            self._let_go_idle(now)

    def start(self, lab: str, config: TrainConfig, meta: dict | None = None) -> int:
        """A new run of ``config``, training from now on; returns its number.
        Raises QuotaExceeded when the lab holds as many runs as it may."""
        self.watch(lab)
        number = self.store.next_run_number(lab)
        tr = Trainer(config, self.data)
        job = Job(lab, number, tr, dict(meta or {}))
        self.store.save_run(lab, self._record(job, RUNNING), model_to_bytes(tr.model), trainer_state_bytes(tr))
        self.store.lease_run(lab, number, self.owner, self.lease_s)  # a new run: nobody else knows it yet
        job.renewed = time.monotonic()
        with self._lock:
            self._jobs[(lab, number)] = job
            self._records.pop(lab, None)
            self._writes[lab] = self._writes.get(lab, 0) + 1
        self._launch(job)
        return number

    def pause(self, lab: str, number: int) -> None:
        """Stop training after the current batch; returns once the run is checkpointed. A run
        training on another server is asked to pause (it does at its next lease renewal)."""
        job = self._jobs.get((lab, number))
        if job is None:
            self.store.request_pause(lab, number)
            with self._lock:
                self._records.pop(lab, None)
            return
        job.want_run = False
        job.idle_paused = False
        thread = job.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(60)

    def resume(self, lab: str, number: int) -> bool:
        """Go on training a paused run (loaded from its checkpoint if it is not in memory);
        False when there is nothing to resume, or another server's lease on it still holds."""
        self.watch(lab)
        with self._lock:
            job = self._jobs.get((lab, number))
            if job is not None and job.thread is not None and job.thread.is_alive():
                job.want_run = True
                return True
        if not self.store.lease_run(lab, number, self.owner, self.lease_s):
            return False  # training elsewhere: the page shows it so
        rec = next((r for r in self.store.runs(lab) if r.number == number), None)
        if job is not None and (job.lost or rec is None or not _same_progress(job, rec)):
            self._forget(job)  # another server trained it since: its checkpoint is newer than ours
        job = self._job(lab, number)
        if job is None or job.trainer.done:
            self.store.release_lease(lab, number, self.owner)
            return False
        job.renewed = time.monotonic()
        self._launch(job)
        return True

    def views(self, lab: str) -> list[RunView]:
        """Every run of the lab, oldest first: live ones as their workers last published
        them, the others as the store keeps them (a run that was training when the
        server stopped shows as paused at its last checkpoint; one training on another
        server, as that server last checkpointed it). The store's records are read at most
        every RECORDS_TTL seconds per lab, and at once after this server writes one."""
        with self._lock:
            live = {n: j for (l, n), j in self._jobs.items() if l == lab}
            cached = self._records.get(lab)
            writes = self._writes.get(lab, 0)
        if cached is not None and time.monotonic() - cached[0] < RECORDS_TTL:
            records = cached[1]
        else:
            read_at = time.monotonic()
            records = self.store.runs(lab)
            with self._lock:
                if self._writes.get(lab, 0) == writes:  # no checkpoint of ours landed while reading
                    self._records[lab] = (read_at, records)
        return self._views(records, live)

    def views_of(self, lab: str, records: list[RunRecord]) -> list[RunView]:
        """The lab's runs as :meth:`views` shows them, from ``records`` the caller read from the
        store (the room's board reads every member's in one query)."""
        with self._lock:
            live = {n: j for (l, n), j in self._jobs.items() if l == lab}
        return self._views(records, live)

    def _views(self, records: list[RunRecord], live: dict[int, Job]) -> list[RunView]:
        now = self.store.clock()
        out = []
        for rec in records:
            job = live.get(rec.number)
            if job is not None and not job.lost and (_alive(job) or _same_progress(job, rec)):
                out.append(job.view or job.make_view())
            else:
                if job is not None and not _alive(job):  # another server moved it on since: forget ours
                    self._forget(job)
                out.append(_view_of_record(rec, self._elsewhere(rec, now)))
        known = {v.number for v in out}
        out += [j.view or j.make_view() for n, j in sorted(live.items()) if n not in known and not j.lost]
        return out

    def _forget(self, job: Job) -> None:
        with self._lock:
            if self._jobs.get((job.lab, job.number)) is job and not _alive(job):
                del self._jobs[(job.lab, job.number)]

    def _elsewhere(self, rec: RunRecord, now: float) -> bool:
        """The run trains on another server: it says so, and that server's lease still holds."""
        return (
            rec.status == RUNNING
            and rec.owner is not None
            and rec.owner != self.owner
            and (rec.lease_until or 0) >= now
        )

    def view(self, lab: str, number: int) -> RunView | None:
        return next((v for v in self.views(lab) if v.number == number), None)

    def saved_model(self, lab: str, number: int) -> SavedModel | None:
        """The run's model with its settings and history (the live weights while it trains)."""
        job = self._jobs.get((lab, number))
        if job is not None:
            tr = job.trainer
            return SavedModel(tr.model, tr.config, [r.to_dict() for r in tr.history], self._meta(job))
        view = self.view(lab, number)
        if view is None:
            return None
        key = (lab, number, view.batches_done)
        with self._lock:
            if key in self._models:
                self._remember_locked(key, self._models[key])
                return self._models[key]
        checkpoint = self.store.run_checkpoint(lab, number)
        if checkpoint is None:
            return None
        saved = load_model(checkpoint[0])
        with self._lock:
            self._remember_locked(key, saved)
        return saved

    def wait(self, lab: str, number: int, timeout: float = 120) -> RunView | None:
        """Block until the run is not training (tests, the load benchmark)."""
        job = self._jobs.get((lab, number))
        if job is not None and job.thread is not None:
            job.thread.join(timeout)
        return self.view(lab, number)

    def running(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.thread is not None and j.thread.is_alive())

    def shutdown(self, timeout: float = 30) -> None:
        """Pause every run (each checkpoints as it stops): the server is going down."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.want_run = False
        for job in jobs:
            if job.thread is not None:
                job.thread.join(timeout)

    # --- in memory and in the store ------------------------------------------------------

    def _job(self, lab: str, number: int) -> Job | None:
        """The run in memory, loaded from its checkpoint when needed."""
        with self._lock:
            job = self._jobs.get((lab, number))
            if job is not None:
                return job
        rec = next((r for r in self.store.runs(lab) if r.number == number), None)
        checkpoint = self.store.run_checkpoint(lab, number) if rec is not None else None
        if rec is None or checkpoint is None:
            return None
        config = TrainConfig.from_dict(rec.config)
        tr = trainer_from_checkpoint(config, self.data, *checkpoint)
        job = Job(lab, number, tr, {k: v for k, v in rec.meta.items() if k not in _PROGRESS_KEYS})
        job.view = job.make_view()
        with self._lock:
            return self._jobs.setdefault((lab, number), job)

    def _meta(self, job: Job) -> dict:
        return {"name": f"run {job.number}", "source": "Backprop Lab, Train page", "run": job.number, **job.meta}

    def _record(self, job: Job, status: str) -> RunRecord:
        tr = job.trainer
        meta = dict(job.meta, batches_done=tr.batches_done, total_batches=tr.total_batches)
        meta["recent_losses"] = [float(v) for v in tr.batch_losses[-RECENT_BATCHES:]]
        if tr.diverged_loss is not None:
            meta["diverged_loss"] = tr.diverged_loss if np.isfinite(tr.diverged_loss) else None
        return RunRecord(
            number=job.number,
            config=tr.config.to_dict(),
            history=[r.to_dict() for r in tr.history],
            status=status,
            seconds=tr.train_seconds,
            meta=meta,
        )

    def _checkpoint(self, job: Job, status: str) -> None:
        """Write the run to the store (under job.lock: no chunk is training)."""
        tr = job.trainer
        weights = model_to_bytes(tr.model, tr.config, tr.history, self._meta(job))
        try:
            self.store.save_run(job.lab, self._record(job, status), weights, trainer_state_bytes(tr))
        except QuotaExceeded:  # the lab is over its bytes: keep the summary, not the checkpoint
            self.store.save_run(job.lab, self._record(job, status))
        job.last_checkpoint = time.monotonic()
        with self._lock:
            self._records.pop(job.lab, None)
            self._writes[job.lab] = self._writes.get(job.lab, 0) + 1

    def _let_go_idle(self, now: float) -> None:
        """Drop runs from memory that neither train nor were watched for idle_pause_s."""
        for key, job in list(self._jobs.items()):
            if job.want_run or (job.thread is not None and job.thread.is_alive()):
                continue
            if now - self._watched.get(job.lab, 0.0) > self.idle_pause_s:
                del self._jobs[key]

    def _let_go_done(self, job: Job) -> None:
        """A run that has ended keeps nothing but its weights: the trainer (optimizer state,
        batch history) goes, and the model waits among the recently used ones."""
        tr = job.trainer
        saved = SavedModel(tr.model, tr.config, [r.to_dict() for r in tr.history], self._meta(job))
        with self._lock:
            if self._jobs.get((job.lab, job.number)) is job:
                del self._jobs[(job.lab, job.number)]
            self._remember_locked((job.lab, job.number, tr.batches_done), saved)

    def _remember_locked(self, key: tuple[str, int, int], saved: SavedModel) -> None:
        self._models[key] = saved
        self._models.move_to_end(key)
        while len(self._models) > 1 and sum(_nbytes(m) for m in self._models.values()) > MODELS_BYTES:
            self._models.popitem(last=False)

    def _idle(self, lab: str) -> bool:
        return time.monotonic() - self._watched.get(lab, time.monotonic()) > self.idle_pause_s

    # --- the worker ---------------------------------------------------------------------

    def _launch(self, job: Job) -> None:
        job.want_run = True
        job.idle_paused = False
        job.view = job.make_view()
        job.thread = threading.Thread(target=self._work, args=(job,), name=f"run {job.key}", daemon=True)
        job.thread.start()

    def _work(self, job: Job) -> None:
        tr = job.trainer
        gate = self.gate
        gate.arrive(job.key)

        def interrupt() -> None:  # a chunk waiting for its turn leaves the queue at once on Pause
            # A busy server's queue may take longer than a lease: the run renews it as it waits,
            # or other servers would show it paused and could take it over from a live server.
            if job.want_run and not tr.done and time.monotonic() - job.renewed >= self.renew_s:
                self._renew(job)
            if not job.want_run:
                raise _Stop

        try:
            while job.want_run and not tr.done:
                if self._idle(job.lab):
                    job.want_run, job.idle_paused = False, True
                    break
                new = self._chunk(job, gate, interrupt)
                job.view = job.make_view()
                if new is None:
                    break
                if not tr.done and (new or time.monotonic() - job.last_checkpoint > self.checkpoint_s):
                    with job.lock:
                        self._checkpoint(job, RUNNING)
                if not tr.done and time.monotonic() - job.renewed >= self.renew_s:
                    self._renew(job)
        except BaseException as exc:  # never lose the run to a bug: it pauses, and says so in the log
            self.last_error = exc
            job.want_run = False
            raise
        finally:
            gate.leave(job.key)
            with job.lock:
                status = tr.status if tr.done else PAUSED
                job.want_run = False
                if not job.lost:  # a run another server took over is that server's to write
                    self._checkpoint(job, status)
                    self.store.release_lease(job.lab, job.number, self.owner)
                tr.release_buffers()
                job.view = job.make_view()
            if job.lost:
                with self._lock:
                    if self._jobs.get((job.lab, job.number)) is job:
                        del self._jobs[(job.lab, job.number)]
            elif tr.done:
                self._let_go_done(job)
                if self.on_end is not None:
                    self.on_end(job.lab, job.view)

    def _renew(self, job: Job) -> None:
        """Hold on to the run a while longer; stop when a page elsewhere asked for a pause, or
        when the lease was lost (this server stalled past it and another took the run over)."""
        wanted = self.store.renew_lease(job.lab, job.number, self.owner, self.lease_s)
        job.renewed = time.monotonic()
        if wanted is None:
            job.lost, job.want_run = True, False
        elif wanted == "pause":
            job.want_run = False

    def _chunk(self, job: Job, gate: TrainingGate, interrupt: Callable[[], None]) -> list | None:
        """One chunk through the gate; the epochs it completed, or None when it was stopped while waiting."""
        tr = job.trainer
        cfg = tr.config
        try:
            with gate.slot(job.key, interrupt=interrupt) as slot, job.lock:
                if not job.want_run:
                    return None
                active = gate.active_sessions()
                budget = self.fixed_chunk_batches or chunk_batches(active, job.batch_cpu, self.chunk_seconds)
                seconds = self.chunk_seconds if active > 1 else SOLO_CHUNK_SECONDS
                ws = slot.workspace(cfg.batch_size, cfg.hidden, cfg.dtype)
                before, t0, cpu = tr.batches_done, time.perf_counter(), time.thread_time()
                new = tr.run(
                    max_batches=budget,
                    max_seconds=None if budget else seconds,
                    stop=lambda: not job.want_run,
                    workspace=ws,
                )
                wall, cpu, done = time.perf_counter() - t0, time.thread_time() - cpu, tr.batches_done - before
        except _Stop:
            return None
        if done and gate.blas_threads() == 1:  # BLAS ran in this thread: its CPU time is the chunk's
            job.batch_cpu = min(job.batch_cpu or float("inf"), cpu / done)
        if before == 0 and done:  # the first batch pays for cold caches: left out of "time left"
            wall *= (done - 1) / done
            done -= 1
        job.wall += wall
        job.walled_batches += done
        return new


def _alive(job: Job) -> bool:
    return job.thread is not None and job.thread.is_alive()


def _same_progress(job: Job, rec: RunRecord) -> bool:
    """The stored run is where this server left it (no other server trained it since)."""
    return int(rec.meta.get("batches_done", -1)) == job.trainer.batches_done


def _nbytes(saved: SavedModel) -> int:
    return sum(a.nbytes for a in saved.model.params().values())


def _view_of_record(rec: RunRecord, elsewhere: bool = False) -> RunView:
    config = TrainConfig.from_dict(rec.config)
    # not training in this process: on another server whose lease holds, or paused at its checkpoint
    status = rec.status if rec.status in (FINISHED, DIVERGED) else RUNNING if elsewhere else PAUSED
    meta = dict(rec.meta)
    total = int(meta.pop("total_batches", 0)) or 1
    done = int(meta.pop("batches_done", 0))
    per_epoch = max(1, total // config.epochs)
    return RunView(
        number=rec.number,
        config=config,
        status=status,
        epoch=len(rec.history),
        batches_done=done,
        batch_index=done - len(rec.history) * per_epoch if status in (PAUSED, RUNNING) else 0,
        total_batches=total,
        history=tuple(rec.history),
        recent_losses=tuple(meta.pop("recent_losses", ())),
        train_seconds=rec.seconds,
        seconds_left=None,
        diverged_loss=meta.pop("diverged_loss", None),
        meta=meta,
        elsewhere=elsewhere,
    )
