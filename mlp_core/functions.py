"""Activations and the loss of the network: ReLU, softmax, cross-entropy.

Every function here is pure: it never writes into its input (the notebook's
``stable_softmax`` and ``relu_derivative`` did, which silently changed the
cached activations). Functions that take ``out=`` write only there, so the
training loop can reuse preallocated buffers.
"""

from __future__ import annotations

import numpy as np


def relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """h = max(0, z), elementwise."""
    return np.maximum(z, 0, out=out)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """ReLU'(z): 1 where z > 0, else 0 (the subgradient at 0 is taken as 0)."""
    return (z > 0).astype(z.dtype)


def softmax(theta: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise softmax of (N, K) scores, stable for any finite input.

    Subtracting the row maximum leaves the result unchanged (it cancels in the
    ratio) but keeps ``exp`` from overflowing.
    """
    out = np.subtract(theta, theta.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def log_softmax(theta: np.ndarray) -> np.ndarray:
    """Row-wise log(softmax(theta)) without ever taking log(0)."""
    shifted = theta - theta.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy_sum(theta: np.ndarray, labels: np.ndarray) -> float:
    """E = -sum_i log y_hat[i, y_i], summed over the batch (the notebook's loss).

    Computed from the scores ``theta`` through log-softmax, so a confident
    wrong answer gives a large finite loss instead of ``inf``.
    """
    rows = np.arange(theta.shape[0])
    return float(-log_softmax(theta)[rows, labels].sum())


def loss_from_scores(theta: np.ndarray, label: int) -> float:
    """E = -ln softmax(theta)_label for one example's (K,) scores, accurate to the last digits and never negative.

    The same function as the training loss, written as E = ln(1 + sum_{k != y} e^(theta_k - theta_y))
    when the true class has the top score. The usual -ln softmax rounds E to a multiple of ~1e-16
    (and can print as -0) when a network is sure of a digit; this form keeps E = 3e-20 as 3e-20.
    """
    a = np.asarray(theta, dtype=np.float64) - theta[label]  # (K,) scores relative to the true class
    top = a.max()
    if top > 0:  # the true class is not the top score: E >= top, no cancellation to fear
        return float(top + np.log(np.exp(a - top).sum()))
    return float(np.log1p(np.exp(np.delete(a, label)).sum())) + 0.0  # + 0.0: never -0
