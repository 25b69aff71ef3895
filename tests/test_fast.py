"""mlp_core.fast, the training step, against mlp_core.model, the version to read: the same
activations and gradients for one batch, and the same weights after several steps of training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_core import MLP, Dataset, TrainConfig, Trainer, as_float, fast
from mlp_core.optimizers import learning_rate, make_optimizer

# How close the two must be: rounding of the dtype, a few hundred operations deep.
TOLERANCE = {"float32": dict(rtol=2e-5, atol=1e-7), "float64": dict(rtol=1e-12, atol=1e-17)}


def assert_close(a: np.ndarray, b: np.ndarray, dtype: str, what: str) -> None:
    assert a.dtype == b.dtype == np.dtype(dtype), what
    tol = TOLERANCE[dtype]
    scale = float(np.abs(b).max())  # gradients of inactive units are exactly 0: compare to the array's size
    np.testing.assert_allclose(a, b, rtol=tol["rtol"], atol=tol["atol"] + tol["rtol"] * scale, err_msg=what)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("biases", [False, True])
@pytest.mark.parametrize("raw_pixels", [False, True], ids=["x/255", "raw*1/255"])
def test_one_batch_gives_the_readable_models_numbers(mnist, dtype, biases, raw_pixels):
    model = MLP.create(32, init="he", seed=1, biases=biases, dtype=dtype)
    if biases:
        model.b_h[:] = np.linspace(-0.1, 0.1, 32)
        model.b_o[:] = np.linspace(-0.2, 0.2, 10)
    ws = fast.Workspace(64, 32, np.dtype(dtype))
    for n in (64, 37):  # a full batch and a short last one
        u8, labels = mnist.x_train[:n], mnist.y_train[:n]
        if raw_pixels:  # the fast step takes 0-255 and scales its (N, H) product instead
            x_readable = u8.astype(dtype) / 255
            x = ws.get("x", n)
            np.copyto(x, u8)
            y_hat, cache = fast.forward(model, x, ws, x_scale=1 / 255)
        else:
            x_readable = as_float(u8, dtype)
            y_hat, cache = fast.forward(model, as_float(u8, dtype, out=ws.get("x", n)), ws)
        want_y_hat, want = model.forward(x_readable)
        assert np.shares_memory(y_hat, ws.buffers["y_hat"]) and y_hat.shape == (n, 10)
        assert_close(y_hat, want_y_hat, dtype, "y_hat")
        for name in ("z", "h", "theta"):
            assert_close(getattr(cache, name), getattr(want, name), dtype, name)
        for l2, divisor in ((0.0, None), (1e-3, 64)):
            grads = fast.backward(model, cache, labels, ws, l2=l2, divisor=divisor)
            expected = model.backward(want, labels, l2=l2, divisor=divisor)
            assert set(grads) == set(expected) == set(model.params())
            for name in expected:
                assert grads[name] is ws.buffers[name]  # written into the workspace, nothing allocated
                assert_close(grads[name], expected[name], dtype, name)


def readable_loop(config: TrainConfig, data: Dataset, steps: int, lr_factor: float = 1.0) -> MLP:
    """The Trainer's algorithm written with the readable model: MLP.forward, MLP.backward and the
    optimizer, inputs as the notebook scales them (float32(x) / 255)."""
    model = MLP.create(config.hidden, init=config.init, seed=config.seed, biases=config.biases, dtype=config.dtype)
    opt = make_optimizer(config)
    rng = np.random.default_rng([config.seed, 1])  # the Trainer's generator, for the same shuffles
    n, bs = len(data.y_train), config.batch_size
    per_epoch = math.ceil(n / bs)
    order = None
    for step in range(steps):
        epoch, b = divmod(step, per_epoch)
        if b == 0:
            order = rng.permutation(n) if config.shuffle else np.arange(n)
        idx = order[b * bs : (b + 1) * bs]
        _, cache = model.forward(as_float(data.x_train[idx], config.dtype))
        divisor = bs if config.nominal_divisor else len(idx)
        grads = model.backward(cache, data.y_train[idx], l2=config.l2, divisor=divisor)
        opt.step(model.params(), grads, lr_factor * learning_rate(config, epoch + b / per_epoch))
    return model


CONFIGS = {
    "fast": TrainConfig.fast(batch_size=64, hidden=32),
    "fast-biases-l2": TrainConfig.fast(batch_size=64, hidden=32, biases=True, l2=1e-3),
    "sgd-float32": TrainConfig(batch_size=64, hidden=32, dtype="float32", nominal_divisor=False),
    "adam-l2": TrainConfig(batch_size=64, hidden=32, optimizer="adam", lr=0.01, shuffle=True, biases=True, l2=1e-3),
    "original": TrainConfig.original(batch_size=64, hidden=32),
}
STEPS = 12  # two epochs of mnist_tiny (300 images: four batches of 64 and a short one of 44) and more


@pytest.mark.parametrize("name", CONFIGS)
def test_training_steps_give_the_readable_models_weights(mnist_tiny, name):
    config = CONFIGS[name]
    trainer = Trainer(config, mnist_tiny)
    trainer.run(max_batches=STEPS)
    assert trainer.batches_done == STEPS and trainer.epoch == 2
    readable = readable_loop(config, mnist_tiny, STEPS)
    start = MLP.create(config.hidden, init=config.init, seed=config.seed, biases=config.biases, dtype=config.dtype)
    for param, value in trainer.model.params().items():
        assert not np.allclose(value, start.params()[param])  # they did train
        assert_close(value, readable.params()[param], config.dtype, param)


@pytest.mark.parametrize("name", ["fast", "original"])
def test_the_comparison_sees_a_small_difference(mnist_tiny, name):
    """A learning rate 0.1 % off is far outside the tolerance: the comparison above can fail."""
    config = CONFIGS[name]
    trainer = Trainer(config, mnist_tiny)
    trainer.run(max_batches=STEPS)
    off = readable_loop(config, mnist_tiny, STEPS, lr_factor=1.001)
    with pytest.raises(AssertionError):
        assert_close(trainer.model.W_h, off.W_h, config.dtype, "W_h")


def test_workspace_views_are_reused_and_class_major():
    ws = fast.Workspace(8, 4, np.dtype(np.float32))
    theta = ws.get("theta", 5)
    assert theta is ws.get("theta", 5) and theta.shape == (5, 10)
    assert ws.class_major("theta", 5).flags.c_contiguous and ws.class_major("theta", 5).shape == (10, 5)
    assert np.shares_memory(theta, ws.buffers["theta"]) and not theta.flags.c_contiguous
    assert ws.get("z", 5).shape == (5, 4) and ws.get("z", 5).base is ws.buffers["z"]
