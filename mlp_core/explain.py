"""What the network makes of one digit: probabilities, hidden activations, and
which pixels pushed its answer up or down.

For a ReLU network the score of class c is piecewise linear in the input.
With the hidden units that are switched on (z_j > 0) held fixed::

    theta_c = sum_i x_i g_i  +  (b_o[c] + sum_j on W_o[j, c] b_h[j])
    g_i     = dtheta_c/dx_i = sum_j on W_h[i, j] W_o[j, c]

so ``x_i * g_i`` ("gradient times input") is exactly pixel i's share of the
score: positive pixels argue for c, negative ones against it, and the shares
plus the bias part add up to theta_c.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibrate import scaled_proba
from .model import MLP

# A top probability below this is reported as unsure, with the runner-up. The probabilities
# are the calibrated ones (softmax(theta / T) with the model's temperature T), so of the
# answers given with 80 % or more, about that share or more are right.
UNSURE_BELOW = 0.8


@dataclass(frozen=True)
class Reading:
    """The network's reading of one 28x28 image."""

    probs: np.ndarray  # (10,) probabilities: softmax(theta / T), T the model's temperature (y_hat when T = 1)
    theta: np.ndarray  # (10,) scores (logits)
    z: np.ndarray  # (H,) hidden pre-activations
    h: np.ndarray  # (H,) hidden activations ReLU(z)
    ranking: np.ndarray  # (10,) classes from most to least likely
    contributions: np.ndarray  # (28, 28) each pixel's share of theta for the top class
    bias_part: float  # theta[top] minus the sum of the contributions (0 without biases)
    has_biases: bool = True  # whether the model has b_h and b_o

    @property
    def top(self) -> int:
        return int(self.ranking[0])

    @property
    def runner_up(self) -> int:
        return int(self.ranking[1])

    @property
    def confidence(self) -> float:
        return float(self.probs[self.top])

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE_BELOW


def contributions(model: MLP, x: np.ndarray, cls: int, z: np.ndarray | None = None) -> np.ndarray:
    """(784,) or (28, 28) input -> (784,) gradient x input of the score theta[cls].

    ``z`` (H,), the hidden pre-activations of ``x``, is computed when not given.
    """
    x = np.asarray(x, dtype=model.dtype).reshape(-1)
    if z is None:
        z = x @ model.W_h + (model.b_h if model.b_h is not None else 0)  # (784,) @ (784, H) -> (H,)
    w = np.where(z > 0, model.W_o[:, cls], 0)  # (H,) the units switched on pass W_o[j, c] on, the rest 0
    g = model.W_h @ w  # (784, H) @ (H,) -> (784,) = dtheta_c/dx (no copy of the switched-on columns)
    return x * g


def read_digit(model: MLP, x: np.ndarray) -> Reading:
    """One (28, 28) or (784,) image in [0, 1] -> its :class:`Reading`, with the probabilities
    scaled by the model's temperature (``model.temperature``, 1 for an uncalibrated model)."""
    x = np.asarray(x, dtype=model.dtype).reshape(1, -1)
    if x.shape[1] != model.W_h.shape[0]:
        raise ValueError(f"expected {model.W_h.shape[0]} pixels, got {x.shape[1]}")
    y_hat, cache = model.forward(x)
    theta, z = cache.theta[0], cache.z[0]
    probs = y_hat[0] if model.temperature == 1 else scaled_proba(theta, model.temperature)
    ranking = np.argsort(-probs, kind="stable")
    top = int(ranking[0])
    contrib = contributions(model, x[0], top, z)
    return Reading(
        probs=probs,
        theta=theta,
        z=z,
        h=cache.h[0],
        ranking=ranking,
        contributions=contrib.reshape(28, 28),
        bias_part=float(theta[top] - contrib.sum()) if model.has_biases else 0.0,
        has_biases=model.has_biases,
    )


def shown_parts(reading: Reading, decimals: int = 2) -> tuple[float, float, float]:
    """(pixel shares, bias part, theta) of the top class rounded for display so that
    the shown numbers add up: theta and the shares are rounded, the bias part is
    their difference (within one unit of the last decimal of its own rounding).
    Without biases the shares are theta itself (and the bias part 0)."""
    unit = 10**decimals
    theta = round(float(reading.theta[reading.top]) * unit)
    shares = round(float(reading.contributions.sum()) * unit) if reading.has_biases else theta
    return shares / unit, (theta - shares) / unit, theta / unit  # integers first: never -0.0
