"""Runs as jobs: a worker trains each run through the gate and checkpoints it; pause,
resume, a restart of the server and divergence all give exactly the weights of an
uninterrupted run, and nothing is held that a stopped run does not need."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from labs.gate import TrainingGate
from labs.runs import PAUSED, RUNNING, RunManager, chunk_batches, trainer_from_checkpoint
from labs.store import LabStore, Quotas, RunRecord, open_store
from mlp_core import preset, train
from mlp_core.train import DIVERGED, FINISHED


def long_config(**changes):
    """About 400 batches: long enough to pause in the middle, seconds to train."""
    base = dict(epochs=2, train_size=2000, batch_size=10, hidden=32, warmup_epochs=0.0)
    base.update(changes)
    return preset("fast", **base)


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.fixture
def store(tmp_path):
    store = LabStore(tmp_path / "labs.sqlite3")
    yield store
    store.close()


def manager(store, data, **kw) -> RunManager:
    kw.setdefault("chunk_batches", 5)
    return RunManager(store, data, TrainingGate(cores=2), **kw)


def same_weights(a, b) -> bool:
    pa, pb = a.params(), b.params()
    return pa.keys() == pb.keys() and all(np.array_equal(pa[k], pb[k]) for k in pa)


def test_a_run_trains_on_its_own_to_the_weights_of_train(store, mnist_small):
    runs = manager(store, mnist_small)
    lab = store.new_lab()
    config = preset("fast", epochs=2, train_size=1000, hidden=24)
    number = runs.start(lab, config, {"active_before": "default"})
    assert number == 1
    view = runs.wait(lab, number)
    assert view.status == FINISHED and view.epoch == 2 and len(view.history) == 2
    assert view.meta["active_before"] == "default"
    expected = train(config, mnist_small)
    assert same_weights(runs.saved_model(lab, number).model, expected.model)
    assert [h["test_accuracy"] for h in view.history] == [r.test_accuracy for r in expected.history]
    record = store.runs(lab)[0]
    assert record.status == FINISHED and record.history == list(view.history)


def test_pause_resume_restart_give_the_weights_of_an_uninterrupted_run(store, mnist_small):
    config = long_config()
    expected = train(config, mnist_small)
    runs = manager(store, mnist_small)
    lab = store.new_lab()
    number = runs.start(lab, config)
    wait_until(lambda: runs.view(lab, number).batches_done >= 30)
    runs.pause(lab, number)
    paused = runs.view(lab, number)
    assert paused.status == PAUSED and 30 <= paused.batches_done < paused.total_batches
    time.sleep(0.1)
    assert runs.view(lab, number).batches_done == paused.batches_done  # nothing trains after Pause returns
    assert runs.resume(lab, number)
    wait_until(lambda: runs.view(lab, number).batches_done >= paused.batches_done + 40)
    runs.pause(lab, number)
    before_restart = runs.view(lab, number)

    restarted = manager(store, mnist_small)  # a new server process on the same store
    view = restarted.view(lab, number)
    assert view.status == PAUSED and view.batches_done == before_restart.batches_done
    assert view.history == before_restart.history and view.recent_losses == before_restart.recent_losses
    assert restarted.resume(lab, number)
    assert restarted.wait(lab, number).status == FINISHED
    assert same_weights(restarted.saved_model(lab, number).model, expected.model)


def test_a_run_that_was_training_when_the_server_died_shows_paused_and_resumes(store, mnist_small):
    config = long_config()
    runs = manager(store, mnist_small)
    lab = store.new_lab()
    number = runs.start(lab, config)
    wait_until(lambda: runs.view(lab, number).epoch >= 1)  # an epoch's checkpoint is in the store
    runs.pause(lab, number)
    # The server dies while training: its last checkpoint still says "running".
    record = store.runs(lab)[0]
    store.save_run(lab, RunRecord(**{**record.__dict__, "status": RUNNING}))
    fresh = manager(store, mnist_small)
    assert fresh.view(lab, number).status == PAUSED
    fresh.resume(lab, number)
    assert fresh.wait(lab, number).status == FINISHED
    assert same_weights(fresh.saved_model(lab, number).model, train(config, mnist_small).model)


def test_divergence_stops_the_run_and_tells_the_owner(store, mnist_small):
    ended = []
    runs = manager(store, mnist_small, on_end=lambda lab, view: ended.append((lab, view.number, view.status)))
    lab = store.new_lab()
    number = runs.start(lab, preset("original", epochs=2, train_size=1000, lr=1000.0, hidden=16))
    view = runs.wait(lab, number)
    assert view.status == DIVERGED and view.diverged_loss is not None
    assert ended == [(lab, number, DIVERGED)]
    model = runs.saved_model(lab, number).model
    assert all(np.isfinite(p).all() for p in model.params().values())  # the weights from before the blow-up
    assert store.runs(lab)[0].status == DIVERGED


def test_a_run_nobody_watches_pauses_itself(store, mnist_small):
    runs = manager(store, mnist_small, idle_pause_s=0.3)
    lab = store.new_lab()
    number = runs.start(lab, long_config(epochs=50))
    view = runs.wait(lab, number, timeout=60)
    assert view.status == PAUSED and view.idle_paused and not view.done
    runs.watch(lab)  # a page opens the lab again: the run stays paused until Resume
    assert runs.view(lab, number).status == PAUSED


def test_an_ended_run_keeps_only_its_weights_and_a_paused_one_leaves_memory_when_idle(store, mnist_small):
    gate = TrainingGate(cores=1)
    runs = RunManager(store, mnist_small, gate, chunk_batches=5, idle_pause_s=0.2)
    lab = store.new_lab()
    number = runs.start(lab, preset("fast", epochs=1, train_size=500, hidden=16))
    runs.wait(lab, number)
    assert (lab, number) not in runs._jobs  # its trainer (optimizer state, batch losses) is gone
    assert gate._slots[0]._workspace is not None  # the buffers are the slot's, one set per core
    view = runs.view(lab, number)
    assert view.status == FINISHED and view.epoch == 1 and len(view.history) == 1 and view.batches_done
    saved = runs.saved_model(lab, number)
    assert saved is runs.saved_model(lab, number)  # its weights wait among the recently used
    assert list(runs._models) == [(lab, number, view.batches_done)]
    # A paused run keeps its trainer, without work buffers, until no page has watched its lab for a while.
    paused = runs.start(lab, preset("fast", epochs=3, train_size=500, hidden=16))
    runs.pause(lab, paused)
    assert runs._jobs[(lab, paused)].trainer._ws is None
    time.sleep(0.3)
    runs.watch(store.new_lab())  # any page of any lab lets idle runs go
    assert (lab, paused) not in runs._jobs
    assert runs.view(lab, paused).status == PAUSED  # still there, from the store
    runs.idle_pause_s = 3600  # resumed, it trains on however long a loaded machine takes
    assert runs.resume(lab, paused)
    assert runs.wait(lab, paused).status == FINISHED


def test_ended_runs_weights_in_memory_are_bounded(store, mnist_small, monkeypatch):
    import labs.runs

    runs = manager(store, mnist_small)
    lab = store.new_lab()
    numbers = [runs.start(lab, preset("fast", epochs=1, train_size=300, hidden=16, seed=i)) for i in range(3)]
    for n in numbers:
        runs.wait(lab, n)
    assert {k[1] for k in runs._models} == set(numbers)
    one_model = sum(a.nbytes for a in runs.saved_model(lab, 1).model.params().values())
    monkeypatch.setattr(labs.runs, "MODELS_BYTES", 2 * one_model)
    runs.saved_model(lab, 2)  # the least recently used goes first: 3 (1 was read above)
    assert [k[1] for k in runs._models] == [1, 2]
    assert runs.saved_model(lab, 3) is not None  # read back from the store when asked


def test_runs_of_different_labs_never_mix(store, mnist_small):
    runs = manager(store, mnist_small)
    a, b = store.new_lab(), store.new_lab()
    na = runs.start(a, preset("fast", epochs=1, train_size=500, hidden=16, seed=1))
    nb = runs.start(b, preset("fast", epochs=1, train_size=500, hidden=16, seed=2))
    runs.wait(a, na)
    runs.wait(b, nb)
    assert [v.number for v in runs.views(a)] == [1] and [v.number for v in runs.views(b)] == [1]
    assert not same_weights(runs.saved_model(a, 1).model, runs.saved_model(b, 1).model)
    assert runs.saved_model(a, 2) is None


def test_a_full_lab_refuses_a_new_run(tmp_path, mnist_small):
    from labs.store import QuotaExceeded

    store = LabStore(tmp_path / "s.sqlite3", quotas=Quotas(runs=1))
    runs = manager(store, mnist_small)
    lab = store.new_lab()
    runs.wait(lab, runs.start(lab, preset("fast", epochs=1, train_size=300, hidden=8)))
    with pytest.raises(QuotaExceeded):
        runs.start(lab, preset("fast", epochs=1, train_size=300, hidden=8))


def test_many_runs_share_the_cores_fairly(store, mnist_small):
    """Eight runs at once, each trained by its own worker through a one-core gate: all
    finish, and never more than one chunk computes at a time."""
    gate = TrainingGate(cores=1)
    runs = RunManager(store, mnist_small, gate, chunk_batches=3)
    labs = [store.new_lab() for _ in range(8)]
    for i, lab in enumerate(labs):
        runs.start(lab, preset("fast", epochs=1, train_size=600, hidden=16, seed=i))
    for lab in labs:
        assert runs.wait(lab, 1).status == FINISHED
    assert gate.max_holders == 1
    assert threading.active_count() < 50


def test_trainer_state_round_trips_through_a_checkpoint(mnist_small):
    from labs.runs import trainer_state_bytes
    from mlp_core import Trainer
    from mlp_core.io import model_to_bytes

    config = long_config(optimizer="adam", lr=0.001, biases=True, shuffle=True)
    tr = Trainer(config, mnist_small)
    tr.run(max_batches=57)
    copy = trainer_from_checkpoint(config, mnist_small, model_to_bytes(tr.model), trainer_state_bytes(tr))
    tr.run(max_batches=100)
    copy.run(max_batches=100)
    assert same_weights(tr.model, copy.model)
    assert tr.batch_losses == copy.batch_losses and tr.history == copy.history


@pytest.mark.parametrize("active", [2, 30])
def test_runs_training_together_get_the_same_batches_per_turn(active):
    assert chunk_batches(active, 0.01) == 30
    assert chunk_batches(1, 0.01) is None  # alone: a time budget
    assert chunk_batches(active, None) is None  # speed not known yet


def test_a_read_of_the_store_older_than_a_checkpoint_is_not_kept(store, mnist_small, monkeypatch):
    runs = manager(store, mnist_small)
    lab = store.new_lab()
    number = runs.start(lab, preset("fast", epochs=1, train_size=300, hidden=16))
    runs.wait(lab, number)
    assert runs.view(lab, number).status == FINISHED
    # A page reads the lab's runs while the run's last checkpoint lands: what it read is
    # older than the store, so it must not be what every later view shows.
    real_runs = store.runs
    stale = [r if r.number != number else replace(r, status=RUNNING) for r in real_runs(lab)]

    def runs_read_during_a_checkpoint(lab_id):
        with runs._lock:
            runs._writes[lab_id] = runs._writes.get(lab_id, 0) + 1
        return stale

    runs._records.pop(lab, None)
    monkeypatch.setattr(store, "runs", runs_read_during_a_checkpoint)
    assert runs.view(lab, number).status == PAUSED  # that one read shows what it read ...
    monkeypatch.setattr(store, "runs", real_runs)
    assert runs.view(lab, number).status == FINISHED  # ... and the next reads the store again


# --- several servers on one store (replicas): leases ------------------------------------


def held_after_first_epoch(runs: RunManager) -> threading.Event:
    """The server trains its first epoch, then waits before each further chunk until the
    event is set: what the test does meanwhile cannot race the run to its end."""
    go = threading.Event()
    chunk = runs._chunk

    def held(job, gate, interrupt):
        if job.trainer.epoch >= 1:
            assert go.wait(60)
        return chunk(job, gate, interrupt)

    runs._chunk = held
    return go


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_two_servers_never_train_one_run_and_a_pause_reaches_the_owner(where, mnist_small):
    """Server B sees the run A trains as training elsewhere, cannot take it while A's lease
    holds, and its Pause reaches A; then B resumes it, to the weights of an uninterrupted run."""
    config = long_config()
    store_a, store_b = open_store(where), open_store(where)
    a = manager(store_a, mnist_small, renew_s=0.0)  # renews (and hears of a pause) after every chunk
    b = manager(store_b, mnist_small, renew_s=0.0)
    go = held_after_first_epoch(a)
    lab = store_a.new_lab()
    number = a.start(lab, config)
    wait_until(lambda: len(store_a.runs(lab)[0].history) >= 1)  # an epoch's checkpoint to read
    seen = b.view(lab, number)
    assert seen.status == RUNNING and seen.elsewhere and seen.epoch >= 1
    assert not b.resume(lab, number)  # A's lease holds
    b.pause(lab, number)  # asks A
    go.set()  # A trains one more chunk, renews its lease, hears of the pause
    wait_until(lambda: a.view(lab, number).status == PAUSED)
    wait_until(lambda: b.view(lab, number).status == PAUSED)
    assert not b.view(lab, number).elsewhere
    assert b.resume(lab, number)
    assert not a.resume(lab, number)  # now B's
    assert b.wait(lab, number).status == FINISHED
    assert same_weights(b.saved_model(lab, number).model, train(config, mnist_small).model)
    wait_until(lambda: a.view(lab, number).status == FINISHED)  # A reads the store again within RECORDS_TTL
    for s in (store_a, store_b):
        s.close()


def test_a_run_waiting_for_its_turn_keeps_its_lease(where, mnist_small):
    """A run queued behind others on a busy server renews its lease while it waits: another
    server goes on showing it as training there, and cannot take it over."""
    clock = Clock()
    store_a, store_b = open_store(where, clock=clock), open_store(where, clock=clock)
    gate = TrainingGate(cores=1)
    a = RunManager(store_a, mnist_small, gate, chunk_batches=5, lease_s=30.0, renew_s=0.0)
    b = manager(store_b, mnist_small, lease_s=30.0)
    lab = store_a.new_lab()
    with gate.slot("another run"):  # the only core is busy: A's run waits in the queue
        number = a.start(lab, long_config())
        clock.now += 25
        wait_until(lambda: store_b.runs(lab)[0].lease_until > clock.now + 20)  # renewed while it waits
        clock.now += 25  # past the lease it took at Start
        view = b.view(lab, number)
        assert view.status == RUNNING and view.elsewhere and view.batches_done == 0
        assert not b.resume(lab, number)
    assert a.wait(lab, number).status == FINISHED
    for s in (store_a, store_b):
        s.close()


def test_a_dead_servers_runs_are_free_once_its_lease_lapses(where, mnist_small):
    clock = Clock()
    store_a, store_b = open_store(where, clock=clock), open_store(where, clock=clock)
    config = long_config()
    a = manager(store_a, mnist_small, lease_s=30.0)
    b = manager(store_b, mnist_small, lease_s=30.0)
    go = held_after_first_epoch(a)
    lab = store_a.new_lab()
    number = a.start(lab, config)
    wait_until(lambda: len(store_a.runs(lab)[0].history) >= 1)
    # Server A dies: it stops without a word (no last checkpoint, no release).
    store_a.release_lease = lambda *args: None
    a.checkpoint_s = float("inf")
    a._checkpoint = lambda job, status: None
    for job in list(a._jobs.values()):
        job.want_run = False  # stop before the held chunk goes on
    go.set()
    a.shutdown()
    assert b.view(lab, number).status == RUNNING and not b.resume(lab, number)
    clock.now += 31  # A's lease lapses
    view = b.view(lab, number)
    assert view.status == PAUSED and view.epoch >= 1  # at its last checkpoint
    assert b.resume(lab, number)
    assert b.wait(lab, number).status == FINISHED
    assert same_weights(b.saved_model(lab, number).model, train(config, mnist_small).model)
    for s in (store_a, store_b):
        s.close()
