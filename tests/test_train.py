"""Training: the notebook's algorithm reproduced, resumable runs, divergence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_core import MLP, Dataset, TrainConfig, Trainer, train
from mlp_core.optimizers import learning_rate


def notebook_fit(data: Dataset, epochs: int, hidden=128, batch_size=256, lr=0.5):
    """The seed notebook's DNNClassifier.fit, transcribed: float32 pixels / 255,
    float64 weights U(-a, a) from np.random.seed(42), summed cross-entropy,
    every batch's gradients divided by the nominal batch size (the short last
    one too), no shuffling, train accuracy on the whole set after each epoch."""
    X = data.x_train.astype("float32") / 255
    X_test = data.x_test.astype("float32") / 255
    n = X.shape[0]
    Y = np.zeros((n, 10))
    Y[np.arange(n), data.y_train] = 1  # LabelBinarizer: one column per class, sorted
    saved = np.random.get_state()
    try:
        np.random.seed(42)
        a = 2.0 / (784 + hidden)
        W_h = np.random.uniform(-a, a, (784, hidden))
        a = 2.0 / (hidden + 10)
        W_o = np.random.uniform(-a, a, (hidden, 10))
    finally:
        np.random.set_state(saved)

    def forward(x):
        h = np.maximum(0, np.dot(x, W_h))
        theta = np.dot(h, W_o)
        e = np.exp(theta - theta.max(axis=1, keepdims=True))
        return h, e / e.sum(axis=1, keepdims=True)

    table = []
    for _ in range(epochs):
        loss = 0.0
        for i in range(0, n, batch_size):
            x, y = X[i : i + batch_size], Y[i : i + batch_size]
            h, y_prob = forward(x)
            loss += -np.log(y_prob[y == 1]).sum()
            deltas1 = y_prob - y
            grad_o = np.dot(h.T, deltas1)
            deltas2 = np.dot(deltas1, W_o.T) * (h > 0)
            grad_h = np.dot(x.T, deltas2)
            W_h = W_h - lr * (grad_h / batch_size)
            W_o = W_o - lr * (grad_o / batch_size)
        train_acc = (forward(X)[1].argmax(axis=1) == data.y_train).mean()
        test_acc = (forward(X_test)[1].argmax(axis=1) == data.y_test).mean()
        table.append((loss / n, train_acc, test_acc))
    return W_h, W_o, table


def test_original_matches_the_notebook_algorithm(mnist_small):
    W_h, W_o, table = notebook_fit(mnist_small, epochs=2)
    trainer = train(TrainConfig.original(epochs=2), mnist_small)
    assert trainer.status == "finished"
    assert trainer.n_train == 2000 and trainer.batches_per_epoch == 8  # 7 full batches and one of 208
    # ours divides delta_1 by 256 before the products, the notebook divides the products: rounding only
    assert np.allclose(trainer.model.W_h, W_h, rtol=1e-10, atol=1e-15)
    assert np.allclose(trainer.model.W_o, W_o, rtol=1e-10, atol=1e-15)
    assert not np.allclose(W_h, MLP.create().W_h)  # it did train
    for rec, (loss, train_acc, test_acc) in zip(trainer.history, table, strict=True):
        assert rec.train_loss == pytest.approx(loss, rel=1e-10)
        assert rec.train_accuracy == train_acc
        assert rec.test_accuracy == test_acc
        # the notebook's printed line, digit for digit
        line = "Train accuracy: {:.3f} \t Loss : {:.3f}"
        assert line.format(rec.train_accuracy, rec.train_loss) == line.format(train_acc, loss)
    assert table[1][0] < table[0][0] < 2.3


def test_short_last_batch_uses_the_nominal_divisor(mnist_small):
    """Dividing the last 208-example batch by 208 instead of 256 gives different weights."""
    W_h, _, _ = notebook_fit(mnist_small, epochs=1)
    nominal = train(TrainConfig.original(epochs=1), mnist_small).model
    actual = train(TrainConfig.original(epochs=1, nominal_divisor=False), mnist_small).model
    assert np.allclose(nominal.W_h, W_h, rtol=1e-10, atol=1e-15)
    assert not np.allclose(actual.W_h, W_h, rtol=1e-6, atol=1e-9)


RESUME_CONFIGS = [
    TrainConfig.fast(epochs=3, batch_size=64, hidden=32),
    TrainConfig.fast(epochs=3, batch_size=64, hidden=32, optimizer="adam", lr=0.005, l2=1e-4),
    TrainConfig(epochs=3, batch_size=64, hidden=32),
]


@pytest.mark.parametrize("config", RESUME_CONFIGS, ids=["fast", "adam", "original"])
@pytest.mark.parametrize("chunks", [[1], [2, 3], [5], [7, 1, 4], [100]], ids=str)
def test_stop_and_resume_is_bit_for_bit(mnist_tiny, config, chunks):
    whole = Trainer(config, mnist_tiny)
    whole.run()
    assert whole.status == "finished" and whole.batches_done == 15  # 3 epochs of 5 batches (the last of 44)

    cut = Trainer(config, mnist_tiny)
    calls = 0
    while not cut.done:
        before = cut.batches_done
        cut.run(max_batches=chunks[calls % len(chunks)])
        assert cut.batches_done - before == min(chunks[calls % len(chunks)], 15 - before)
        calls += 1
    assert calls >= math.ceil(15 / max(chunks))
    assert cut.status == "finished"
    for name, value in whole.model.params().items():
        assert np.array_equal(value, cut.model.params()[name]), name
    a, b = whole.optimizer.state_dict(), cut.optimizer.state_dict()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert whole.batch_losses == cut.batch_losses
    strip = [{**r.to_dict(), "train_seconds": 0} for r in whole.history]
    assert strip == [{**r.to_dict(), "train_seconds": 0} for r in cut.history]


def test_run_returns_epochs_and_progress(mnist_tiny):
    trainer = Trainer(TrainConfig.fast(epochs=2, batch_size=64, hidden=16), mnist_tiny)
    assert trainer.status == "ready" and trainer.progress == 0
    assert trainer.run(max_batches=3) == []
    assert trainer.status == "running" and trainer.batches_done == 3 and trainer.progress == pytest.approx(0.3)
    records = trainer.run(max_batches=4)
    assert [r.epoch for r in records] == [1]
    assert trainer.run(max_seconds=0) == []  # always at least one batch
    assert trainer.batches_done == 8
    rest = list(trainer.epochs())
    assert [r.epoch for r in rest] == [2] and trainer.status == "finished" and trainer.progress == 1
    assert trainer.run() == []
    first, second = trainer.history
    assert 0 < first.train_seconds <= second.train_seconds
    assert 0 < second.test_accuracy <= 1 and second.train_loss < first.train_loss
    assert second.lr == pytest.approx(learning_rate(trainer.config, 2.0))


def test_seconds_left_is_the_pace_so_far_times_what_is_left():
    from mlp_core.train import seconds_left

    assert seconds_left(6.0, 3, 7) == pytest.approx(14.0)
    assert seconds_left(6.0, 3, 0) == 0
    assert seconds_left(0.0, 0, 10) is None  # nothing timed yet: no guess


def test_same_seed_same_weights_different_seed_different(mnist_tiny):
    cfg = TrainConfig.fast(epochs=1, batch_size=64, hidden=16)
    a = train(cfg, mnist_tiny).model
    b = train(cfg, mnist_tiny).model
    c = train(cfg.replace(seed=1), mnist_tiny).model
    assert np.array_equal(a.W_h, b.W_h) and np.array_equal(a.b_o, b.b_o)
    assert not np.array_equal(a.W_h, c.W_h)


@pytest.mark.parametrize("lr,dtype", [(100.0, "float64"), (1000.0, "float32")])
def test_divergence_stops_and_keeps_the_last_good_weights(mnist_tiny, lr, dtype):
    trainer = Trainer(TrainConfig(lr=lr, epochs=3, batch_size=64, hidden=16, dtype=dtype), mnist_tiny)
    start = {k: v.copy() for k, v in trainer.model.params().items()}
    trainer.run()
    assert trainer.status == "diverged" and trainer.done
    assert "diverged" in trainer.stop_reason and f"{lr:g}" in trainer.stop_reason
    assert trainer.diverged_loss is not None
    assert not (math.isfinite(trainer.diverged_loss) and trainer.diverged_loss <= 50)
    for name, value in trainer.model.params().items():
        assert np.isfinite(value).all()
        assert np.array_equal(value, start[name])  # restored to where this run() started
    assert trainer.run() == [] and trainer.status == "diverged"


@pytest.mark.parametrize(
    ("optimizer", "lr", "expected"),
    [("sgd", 100.0, 0.5), ("sgd", 1.0, 0.1), ("momentum", 100.0, 0.4), ("adam", 0.5, 0.001), ("adam", 0.005, 0.0005)],
)
def test_suggested_learning_rate_is_safe_and_at_least_ten_times_smaller(optimizer, lr, expected):
    from mlp_core.train import suggested_lr

    config = TrainConfig(lr=lr, optimizer=optimizer)
    assert suggested_lr(config) == pytest.approx(expected)


def test_the_suggested_learning_rate_trains(mnist_tiny):
    from mlp_core.train import suggested_lr

    diverged = train(TrainConfig(lr=100.0, epochs=2, batch_size=64, hidden=16), mnist_tiny)
    assert diverged.status == "diverged" and f"for example {suggested_lr(diverged.config):g}" in diverged.stop_reason
    retried = train(diverged.config.replace(lr=suggested_lr(diverged.config)), mnist_tiny)
    assert retried.status == "finished"


def test_run_stops_after_the_batch_in_which_stop_says_so(mnist_tiny):
    trainer = Trainer(TrainConfig(lr=0.5, epochs=2, batch_size=16, hidden=16), mnist_tiny)
    calls = []

    def stop() -> bool:
        calls.append(trainer.batches_done)
        return len(calls) > 3

    trainer.run(max_seconds=60, stop=stop)
    assert trainer.batches_done == 3 and trainer.status == "running"
    trainer.run(max_batches=5, stop=lambda: True)  # told to stop before the first batch: trains none
    assert trainer.batches_done == 3


def test_a_sane_learning_rate_does_not_diverge(mnist_tiny):
    trainer = train(TrainConfig(lr=0.5, epochs=2, batch_size=64, hidden=16), mnist_tiny)
    assert trainer.status == "finished" and trainer.stop_reason is None


def test_train_size_and_model_checks(mnist_small):
    trainer = Trainer(TrainConfig(train_size=500, epochs=1), mnist_small)
    assert trainer.n_train == 500 and trainer.batches_per_epoch == 2
    with pytest.raises(ValueError, match="hidden size or biases"):
        Trainer(TrainConfig(hidden=64), mnist_small, model=MLP.create(32))
    with pytest.raises(ValueError, match="hidden size or biases"):
        Trainer(TrainConfig(hidden=32, biases=True), mnist_small, model=MLP.create(32))
    given = Trainer(TrainConfig(hidden=32, dtype="float32"), mnist_small, model=MLP.create(32))
    assert given.model.dtype == np.float32


def test_fast_preset_learns_on_a_slice(mnist_small):
    trainer = train(TrainConfig.fast(epochs=3, batch_size=64), mnist_small)
    assert trainer.status == "finished"
    assert trainer.history[-1].test_accuracy > 0.85
    assert trainer.model.dtype == np.float32
