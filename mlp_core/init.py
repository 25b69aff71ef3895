"""Weight initialisation: the notebook's uniform rule, Xavier (Glorot) and He.

Weights are stored as in the notebook's code, transposed with respect to the
maths: W_h has shape (784, H) and W_o has shape (H, 10), so a batch goes
through as ``x @ W_h``.
"""

from __future__ import annotations

import numpy as np


def seed_uniform(fan_in: int, fan_out: int, rs: np.random.RandomState) -> np.ndarray:
    """The notebook's U(-a, a) with a = 2 / (fan_in + fan_out).

    It takes a legacy ``RandomState`` because ``np.random.seed(42)`` followed by
    ``np.random.uniform`` draws exactly what ``RandomState(42).uniform`` draws:
    that is how the notebook's weights are reproduced bit for bit without
    touching NumPy's global random state.
    """
    a = 2.0 / (fan_in + fan_out)
    return rs.uniform(-a, a, (fan_in, fan_out))


def xavier(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); keeps the variance
    of activations and gradients roughly equal across layers."""
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, (fan_in, fan_out))


def he(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He normal: N(0, 2 / fan_in); ReLU halves the variance, the 2 restores it."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))


def init_weights(
    kind: str, sizes: tuple[int, int, int], seed: int, dtype: str = "float64"
) -> tuple[np.ndarray, np.ndarray]:
    """(W_h, W_o) for layer sizes (inputs, hidden, outputs), drawn W_h first."""
    n_in, n_hidden, n_out = sizes
    if kind == "seed_uniform":
        rs = np.random.RandomState(seed)
        W_h = seed_uniform(n_in, n_hidden, rs)
        W_o = seed_uniform(n_hidden, n_out, rs)
    elif kind in ("xavier", "he"):
        rng = np.random.default_rng(seed)
        draw = xavier if kind == "xavier" else he
        W_h = draw(n_in, n_hidden, rng)
        W_o = draw(n_hidden, n_out, rng)
    else:
        raise ValueError(f"init must be one of seed_uniform, xavier, he, got {kind!r}")
    return W_h.astype(dtype), W_o.astype(dtype)
