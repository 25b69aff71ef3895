"""Teach the network one drawing: a few SGD steps on it, mixed with real MNIST.

Training on the drawing alone would make the network answer that digit for
everything (it would "forget" the rest); each step's batch therefore holds a
few randomly distorted copies of the drawing and a larger handful of random
MNIST training digits, and the learning rate is small. The model passed in is
never changed: a new one is returned, so the caller can keep the old one for
undo.
"""

from __future__ import annotations

import numpy as np

from .augment import augment_batch
from .data import Dataset
from .model import MLP, as_float
from .optimizers import SGD

STEPS = 6  # SGD steps per lesson
LR = 0.03  # learning rate of those steps (small: one lesson nudges, it does not overwrite)
COPIES = 8  # distorted copies of the drawing in each batch
MNIST_PER_STEP = 56  # real digits in each batch, so the rest is not forgotten


def teach(
    model: MLP,
    x28: np.ndarray,
    label: int,
    data: Dataset,
    rng: np.random.Generator,
    steps: int = STEPS,
    lr: float = LR,
    copies: int = COPIES,
    mnist_per_step: int = MNIST_PER_STEP,
) -> MLP:
    """A copy of ``model`` after ``steps`` SGD steps on the (28, 28) drawing
    ``x28`` labelled ``label``, mixed with MNIST training digits from ``data``."""
    if not 0 <= int(label) <= 9:
        raise ValueError(f"label must be a digit 0-9, got {label!r}")
    if steps < 1 or lr <= 0:
        raise ValueError("steps must be at least 1 and lr positive")
    drawing = np.asarray(x28, dtype=model.dtype).reshape(1, -1)
    if drawing.shape[1] != model.W_h.shape[0]:
        raise ValueError(f"expected a 28x28 drawing, got {np.shape(x28)}")
    new = model.copy()
    sgd = SGD()
    n_train = len(data.y_train)
    for _ in range(steps):
        idx = rng.integers(0, n_train, mnist_per_step)
        own = augment_batch(np.repeat(drawing, copies, axis=0), rng)  # (copies, 784)
        x = np.concatenate([own, as_float(data.x_train[idx], new.dtype)])  # (B, 784)
        labels = np.concatenate([np.full(copies, int(label)), data.y_train[idx].astype(np.int64)])
        _, cache = new.forward(x)
        sgd.step(new.params(), new.backward(cache, labels), lr)
    return new
