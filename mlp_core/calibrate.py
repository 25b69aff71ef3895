"""Confidence that means what it says: temperature scaling and its measures.

A network trained to minimise cross-entropy ends up over-confident: of the
digits it reads with 95 % confidence, fewer than 95 % are right. Temperature
scaling (Guo, Pleiss, Sun and Weinberger 2017, "On calibration of modern
neural networks") divides the scores by one number T > 1 before the softmax,
``softmax(theta / T)``: the ranking, and so every answer, stays the same, only
the probabilities are softened. T is the value that minimises the
cross-entropy (negative log-likelihood) on digits the network was not trained
on.

Expected calibration error (ECE) measures what is left: the digits are put in
15 equal-width bins by their top probability, and ECE is the average, weighted
by the bins' sizes, of |accuracy - mean confidence| in each bin.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from .functions import softmax

N_BINS = 15
T_RANGE = (0.05, 20.0)  # temperatures searched


def scaled_proba(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """(N, K) or (K,) scores -> softmax(scores / temperature), in the scores' float dtype."""
    logits = np.asarray(logits)
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    squeeze = logits.ndim == 1
    z = np.atleast_2d(logits)
    p = softmax(z if temperature == 1 else z / np.asarray(temperature, z.dtype))
    return p[0] if squeeze else p


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of ``labels`` under softmax(logits / temperature), in float64."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), np.asarray(labels, dtype=np.int64)].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in T_RANGE that minimises the NLL of ``labels`` ((N,) ints) given the
    (N, K) scores ``logits`` (a one-dimensional, convex problem in log T: Brent's method)."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or len(logits) != len(labels) or not len(labels):
        raise ValueError(f"expected (N, K) scores and N labels, got {logits.shape} and {np.shape(labels)}")
    lo, hi = np.log(T_RANGE)
    res = minimize_scalar(lambda t: nll(logits, labels, float(np.exp(t))), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-4})  # fmt: skip
    return float(np.exp(res.x))


def ece(probs: np.ndarray, labels: np.ndarray, n_bins: int = N_BINS) -> float:
    """Expected calibration error of (N, K) probabilities for (N,) labels, with ``n_bins`` equal bins
    of the top probability over (0, 1]: sum over bins of (bin share) * |accuracy - mean confidence|."""
    probs = np.asarray(probs, dtype=np.float64)
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == np.asarray(labels)
    bins = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)  # (k/n, (k+1)/n] -> k
    total = 0.0
    for b in np.unique(bins):
        sel = bins == b
        total += sel.mean() * abs(right[sel].mean() - conf[sel].mean())
    return float(total)


def confident_wrong(probs: np.ndarray, labels: np.ndarray, at_least: float = 0.8) -> int:
    """How many answers are wrong with a top probability of ``at_least`` or more."""
    probs = np.asarray(probs)
    return int(np.count_nonzero((probs.max(axis=1) >= at_least) & (probs.argmax(axis=1) != np.asarray(labels))))
