"""Gradient check: backpropagation against central finite differences.

Backpropagation claims dE/dw for every weight w at once. A finite difference
measures one of them directly, by nudging w both ways and watching the loss:

    dE/dw  ~  (E(w + eps) - E(w - eps)) / (2 eps)

The error of this estimate shrinks like eps^2, so in float64 the two numbers
agree to about 8-10 significant digits when backward is right, and disagree in
the first digits when it is wrong. The loss nudged is the very objective
``MLP.backward`` differentiates (batch-mean cross-entropy + l2/2 * |W|^2), each
example's cross-entropy taken by :func:`~mlp_core.functions.loss_from_scores`,
which stays exact when the network is sure of a digit (E ~ 1e-20), so that a
difference of two losses resolves gradients far below 1e-8.

The Maths page checks one digit with it; the tests check every entry of small
networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .functions import loss_from_scores
from .model import MLP, as_float

TINY = np.finfo(np.float64).tiny


@dataclass(frozen=True)
class GradCheckRow:
    """One checked weight: where it is and both derivatives of the loss."""

    param: str  # "W_h", "b_h", "W_o" or "b_o"
    # position in the maths layout: W_h[j, i] multiplies x_i into z_j (the code stores it as W_h[i, j])
    index: tuple[int, ...]
    analytic: float  # dE/dw from backward
    numeric: float  # (E(w + eps) - E(w - eps)) / (2 eps)
    rel_error: float  # |analytic - numeric| / max(|analytic| + |numeric|, tiny)


def relative_error(analytic: float, numeric: float) -> float:
    """|a - n| / (|a| + |n|): 0 when equal, 1 when of opposite sign; 0 when both are 0."""
    return abs(analytic - numeric) / max(abs(analytic) + abs(numeric), TINY)


def precise_loss(model: MLP, x: np.ndarray, labels: np.ndarray, *, l2: float = 0.0) -> float:
    """The batch-mean cross-entropy (+ l2/2 * |W|^2) of (N, D) float inputs, exact even when tiny."""
    _, cache = model.forward(x)
    value = sum(loss_from_scores(theta, label) for theta, label in zip(cache.theta, labels, strict=True))
    value /= len(labels)
    if l2:
        value += 0.5 * l2 * (float(np.sum(model.W_h**2)) + float(np.sum(model.W_o**2)))
    return value


def gradient_check(
    model: MLP,
    x: np.ndarray,
    labels: np.ndarray | int,
    *,
    l2: float = 0.0,
    n_samples: int | None = 5,
    eps: float = 1e-5,
    seed: int = 0,
    min_fraction: float = 1e-2,
) -> list[GradCheckRow]:
    """Compare ``backward`` with central differences on weights of every parameter.

    ``x`` is (N, D) inputs or one (D,) input (uint8 pixels or floats in [0, 1]),
    ``labels`` (N,) classes or one class. ``n_samples`` weights are drawn per
    parameter among those whose gradient is at least ``min_fraction`` of the
    largest in their array: a gradient of 1e-12 (a blank pixel, a class the
    network rules out) is below what a difference of two losses can resolve.
    Hidden units within ``eps`` of ReLU's kink are skipped, since a nudge across
    it measures a different slope. ``n_samples=None`` checks every entry.
    Runs on a float64 copy; ``model`` is not changed.
    """
    if n_samples is not None and n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer or None, got {n_samples!r}")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    net = model.astype(np.float64)  # a copy: nudging it leaves the caller's model alone
    x = as_float(np.atleast_2d(np.asarray(x)), np.float64)
    labels = np.atleast_1d(np.asarray(labels)).astype(np.int64)
    if x.shape != (len(labels), net.W_h.shape[0]):
        raise ValueError(f"expected {len(labels)} inputs of {net.W_h.shape[0]} values, got {x.shape}")

    _, cache = net.forward(x)
    grads = net.backward(cache, labels, l2=l2)
    near_kink = (np.abs(cache.z) <= eps * max(1.0, float(np.abs(x).max()))).any(axis=0)  # (H,)
    rng = np.random.default_rng(seed)
    rows: list[GradCheckRow] = []
    for name, w in net.params().items():
        if n_samples is None:
            picks = np.arange(w.size)
        else:
            g = np.abs(grads[name])
            usable = g >= min_fraction * g.max()
            if name == "W_h":  # code layout (D, H): column j feeds hidden unit j
                usable &= ~near_kink[None, :]
            elif name == "b_h":
                usable &= ~near_kink
            candidates = np.flatnonzero(usable)
            if candidates.size == 0:
                continue
            picks = np.sort(rng.choice(candidates, size=min(n_samples, candidates.size), replace=False))
        for flat in picks:
            index = np.unravel_index(flat, w.shape)
            original = w[index]
            w[index] = original + eps
            plus = precise_loss(net, x, labels, l2=l2)
            w[index] = original - eps
            minus = precise_loss(net, x, labels, l2=l2)
            w[index] = original
            numeric = (plus - minus) / (2 * eps)
            analytic = float(grads[name][index])
            maths_index = tuple(int(i) for i in index[::-1])  # (i, j) in code is (j, i) in maths
            rows.append(GradCheckRow(name, maths_index, analytic, numeric, relative_error(analytic, numeric)))
    return rows
