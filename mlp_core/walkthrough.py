"""Every quantity of the derivation for one example, and one SGD step on it.

The maths page shows these numbers next to the formulas, so the names are the
notebook's and the vectors are those of a single example::

    z = W_h x     h = ReLU(z)     theta = W_o h     y_hat = softmax(theta)
    E = CE(y_hat, y)     delta_1 = y_hat - y     delta_2 = delta_1 W_o (*) ReLU'(z)
    dE/dW_o = delta_1^T h^T     dE/dW_h = delta_2^T x^T

Everything is computed by :class:`~mlp_core.model.MLP` itself (forward,
deltas, backward) on a batch of one, and the step by the optimizer's SGD, in
float64 on a copy of the model, so the numbers are those of the maths training
runs and the caller's model is never touched. The page's gradient check is
:func:`mlp_core.gradcheck.gradient_check`.

Matrices are returned in the maths layout (``W_h`` is (H, n_inputs), as in
``z = W_h x``); the model stores them transposed (``x @ W_h``, W_h of shape
(n_inputs, H)), and :func:`walk` transposes once, in one place.

The module also holds the tiny 4-3-2 network of the whiteboard mode, with
round numbers that can be multiplied by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .functions import log_softmax, loss_from_scores
from .model import MLP, as_float
from .optimizers import SGD


@dataclass(frozen=True)
class Walkthrough:
    """One example through the network and back. Shapes: H hidden units, K classes, D inputs."""

    x: np.ndarray  # (D,) the input
    label: int  # the true class
    y: np.ndarray  # (K,) one-hot target
    W_h: np.ndarray  # (H, D) maths layout: z = W_h x
    W_o: np.ndarray  # (K, H) maths layout: theta = W_o h
    z: np.ndarray  # (H,) pre-activations
    h: np.ndarray  # (H,) ReLU(z)
    theta: np.ndarray  # (K,) scores
    y_hat: np.ndarray  # (K,) probabilities
    E: float  # cross-entropy of this example
    delta_1: np.ndarray  # (K,) dE/dtheta = y_hat - y
    delta_2: np.ndarray  # (H,) dE/dz = delta_1 W_o (*) ReLU'(z)
    dW_o: np.ndarray  # (K, H) dE/dW_o = delta_1^T h^T
    dW_h: np.ndarray  # (H, D) dE/dW_h = delta_2^T x^T
    db_o: np.ndarray | None  # (K,) dE/db_o = delta_1, when the model has biases
    db_h: np.ndarray | None  # (H,) dE/db_h = delta_2, when the model has biases

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.y_hat))

    @property
    def relu_off(self) -> int:
        """How many hidden units ReLU switched off (z <= 0, so h = 0 and ReLU'(z) = 0)."""
        return int(np.sum(self.z <= 0))

    @property
    def hidden(self) -> int:
        return self.z.shape[0]

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Maths-layout shape of every quantity, vectors as columns (x, z, h, theta, y_hat, y)
        and the deltas as rows, as in the derivation."""
        D, H, K = self.x.shape[0], self.hidden, self.theta.shape[0]
        return {
            "x": (D, 1),
            "W_h": (H, D),
            "z": (H, 1),
            "h": (H, 1),
            "W_o": (K, H),
            "theta": (K, 1),
            "y_hat": (K, 1),
            "y": (K, 1),
            "E": (),
            "delta_1": (1, K),
            "delta_2": (1, H),
            "dW_o": (K, H),
            "dW_h": (H, D),
        }


def _as_row(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    if not np.isfinite(x).all():
        raise ValueError("the input contains NaN or infinite values")
    return x


def _check(model: MLP, x: np.ndarray, label: int) -> int:
    if x.shape[1] != model.W_h.shape[0]:
        raise ValueError(f"the input has {x.shape[1]} values, the network takes {model.W_h.shape[0]}")
    k = model.W_o.shape[1]
    if not 0 <= int(label) < k:
        raise ValueError(f"label {label} is not a class 0..{k - 1}")
    return int(label)


def walk(model: MLP, x: np.ndarray, label: int) -> Walkthrough:
    """Forward and backward for one example ``x`` (any shape with D values, floats) of class ``label``.

    Computed in float64 on a copy of ``model`` by MLP.forward, MLP.deltas and
    MLP.backward: the maths training runs (mlp_core.fast is checked against them).
    """
    m = model.astype(np.float64)  # a copy with its own arrays (the shared model is read-only)
    xr = _as_row(x)
    label = _check(m, xr, label)
    labels = np.array([label])
    _, cache = m.forward(xr)  # every array (1, .)
    delta_1, delta_2 = m.deltas(cache, labels)  # (1, K), (1, H)
    grads = m.backward(cache, labels)  # code layout, divided by N = 1
    y = np.zeros(m.W_o.shape[1])
    y[label] = 1.0
    return Walkthrough(
        x=xr[0],
        label=label,
        y=y,
        W_h=m.W_h.T,
        W_o=m.W_o.T,
        z=cache.z[0],
        h=cache.h[0],
        theta=cache.theta[0],
        y_hat=cache.y_hat[0],
        E=loss_from_scores(cache.theta[0], label),
        delta_1=delta_1[0],
        # "+ 0.0" turns the -0.0 of switched-off units into 0.0 (equal values, cleaner printing)
        delta_2=delta_2[0] + 0.0,
        dW_o=grads["W_o"].T + 0.0,  # (H, K) -> (K, H)
        dW_h=grads["W_h"].T + 0.0,  # (D, H) -> (H, D)
        db_o=grads["b_o"] if m.has_biases else None,
        db_h=grads["b_h"] if m.has_biases else None,
    )


@dataclass(frozen=True)
class SGDStep:
    """W <- W - lr dE/dW on one example: the loss and the probabilities before and after."""

    lr: float
    loss_before: float
    loss_after: float
    y_hat_before: np.ndarray  # (K,)
    y_hat_after: np.ndarray  # (K,)
    model_after: MLP  # the updated float64 copy


def sgd_step(model: MLP, x: np.ndarray, label: int, lr: float) -> SGDStep:
    """One plain SGD step on a float64 copy of ``model`` (the original is not changed)."""
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"the learning rate must be a positive number, not {lr}")
    m = model.astype(np.float64)  # a copy with its own arrays (the shared model is read-only)
    xr = _as_row(x)
    labels = np.array([_check(m, xr, label)])
    y_before, cache = m.forward(xr)
    loss_before = loss_from_scores(cache.theta[0], labels[0])
    y_before = y_before[0].copy()
    SGD().step(m.params(), m.backward(cache, labels), lr)  # W <- W - lr dE/dW
    y_after, cache = m.forward(xr)
    return SGDStep(
        lr=float(lr),
        loss_before=loss_before,
        loss_after=loss_from_scores(cache.theta[0], labels[0]),
        y_hat_before=y_before,
        y_hat_after=y_after[0].copy(),
        model_after=m,
    )


# --- choosing a digit worth showing ------------------------------------------


def example_losses(model: MLP, x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The cross-entropy of each example under ``model``: rows of ``x`` as uint8 pixels or floats in [0, 1]."""
    x = np.asarray(x).reshape(len(labels), -1)
    _, cache = model.forward(as_float(x, model.dtype))
    return -log_softmax(cache.theta.astype(np.float64))[np.arange(len(labels)), labels]


def instructive_index(
    model: MLP,
    x: np.ndarray,
    labels: np.ndarray,
    *,
    low: float = 0.3,
    high: float = 2.0,
    chunk: int = 500,
) -> int:
    """The first example whose loss lies in [low, high]: the network is unsure or a little wrong,
    so its deltas, gradients and one SGD step show something (on a digit it is sure of, E and every
    gradient are ~1e-5 and a step changes nothing visible). Deterministic for a given model.

    Scans ``chunk`` examples at a time and stops at the first hit; if no loss is in the range,
    the example whose loss is nearest to it.
    """
    labels = np.asarray(labels).astype(int)
    if len(labels) == 0:
        raise ValueError("no examples to choose from")
    if not 0 <= low <= high:
        raise ValueError(f"need 0 <= low <= high, got {low}, {high}")
    best, best_gap = 0, np.inf
    for start in range(0, len(labels), chunk):
        losses = example_losses(model, x[start : start + chunk], labels[start : start + chunk])
        inside = np.flatnonzero((losses >= low) & (losses <= high))
        if inside.size:
            return start + int(inside[0])
        gaps = np.maximum(low - losses, losses - high)
        j = int(np.argmin(gaps))
        if gaps[j] < best_gap:
            best, best_gap = start + j, float(gaps[j])
    return best


# --- the tiny network for the whiteboard ----------------------------------------

# Maths layout (z = W_h x): 4 inputs, 3 hidden units, 2 classes. Chosen so that
# every product is a short sum of one-decimal numbers and the second hidden
# unit is switched off by ReLU (z_2 = -0.4), which shows ReLU'(z) at work.
TINY_X = np.array([1.0, 0.5, 0.0, 1.0])
TINY_LABEL = 0
TINY_W_H = np.array(
    [
        [0.2, -0.1, 0.4, 0.1],
        [-0.3, 0.2, 0.1, -0.2],
        [0.1, 0.3, -0.2, 0.2],
    ]
)
TINY_W_O = np.array(
    [
        [0.5, -0.4, -0.3],
        [-0.2, 0.3, 0.6],
    ]
)


def tiny_model() -> MLP:
    """The 4-3-2 network with the round starting weights (stored transposed, like every MLP)."""
    return MLP(TINY_W_H.T.copy(), TINY_W_O.T.copy())


def tiny_walk(model: MLP | None = None) -> Walkthrough:
    """The walkthrough of the tiny network (or a later state of it) on its one example."""
    return walk(model if model is not None else tiny_model(), TINY_X, TINY_LABEL)
