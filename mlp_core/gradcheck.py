"""Gradient check: backpropagation against central finite differences.

Backpropagation claims dE/dw for every weight w at once. A finite difference
measures one of them directly, by nudging w both ways and watching the loss:

    dE/dw  ~  (E(w + eps) - E(w - eps)) / (2 eps)

The error of this estimate shrinks like eps^2, so in float64 with eps = 1e-6
the two numbers agree to about 8-10 significant digits when backward is
right, and disagree in the first digits when it is wrong. The loss nudged is
``MLP.loss`` (batch-mean cross-entropy + l2/2 * |W|^2), the very objective
``MLP.backward`` differentiates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import MLP, as_float

TINY = np.finfo(np.float64).tiny


@dataclass(frozen=True)
class GradCheckRow:
    """One checked weight: where it is and both derivatives of the loss."""

    param: str  # "W_h", "b_h", "W_o" or "b_o"
    index: tuple[int, ...]  # position inside that array, e.g. (406, 17) in W_h
    analytic: float  # dE/dw from backward
    numeric: float  # (E(w + eps) - E(w - eps)) / (2 eps)
    rel_error: float  # |analytic - numeric| / max(|analytic| + |numeric|, tiny)


def relative_error(analytic: float, numeric: float) -> float:
    """|a - n| / (|a| + |n|): 0 when equal, 1 when of opposite sign; 0 when both are 0."""
    return abs(analytic - numeric) / max(abs(analytic) + abs(numeric), TINY)


def gradient_check(
    model: MLP,
    x: np.ndarray,
    labels: np.ndarray,
    *,
    l2: float = 0.0,
    n_samples: int | None = 10,
    eps: float = 1e-6,
    seed: int = 0,
) -> list[GradCheckRow]:
    """Compare ``backward`` with central differences on weights of every parameter.

    ``x`` is (N, 784) images (uint8 or floats in [0, 1]; any width the model
    takes), ``labels`` (N,) integer classes. ``n_samples`` entries are drawn
    per parameter (None checks every entry), preferring entries whose analytic
    gradient is non-zero: a pixel that is blank in every image gives its
    weights a gradient of exactly 0, which tests nothing. Everything runs on
    float64 copies; ``model`` is left untouched.
    """
    if n_samples is not None and n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer or None, got {n_samples!r}")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    net = model.astype(np.float64)  # a copy: nudging it leaves the caller's model alone
    x64 = as_float(np.asarray(x), np.float64)
    labels = np.asarray(labels, dtype=np.int64)

    _, cache = net.forward(x64)
    grads = net.backward(cache, labels, l2=l2)
    rng = np.random.default_rng(seed)

    rows: list[GradCheckRow] = []
    for name, w in net.params().items():
        g = grads[name]
        if n_samples is None or n_samples >= w.size:
            picks = np.arange(w.size)
        else:
            candidates = np.flatnonzero(g)
            if candidates.size < n_samples:
                candidates = np.arange(w.size)
            picks = np.sort(rng.choice(candidates, size=n_samples, replace=False))
        for flat in picks:
            index = tuple(int(i) for i in np.unravel_index(flat, w.shape))
            original = w[index]
            w[index] = original + eps
            loss_plus = net.loss(x64, labels, l2=l2)
            w[index] = original - eps
            loss_minus = net.loss(x64, labels, l2=l2)
            w[index] = original
            numeric = (loss_plus - loss_minus) / (2 * eps)
            analytic = float(g[index])
            rows.append(GradCheckRow(name, index, analytic, numeric, relative_error(analytic, numeric)))
    return rows


def max_relative_error(rows: list[GradCheckRow]) -> float:
    """The worst relative error of a check (0 for no rows)."""
    return max((r.rel_error for r in rows), default=0.0)
