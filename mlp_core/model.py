"""The notebook's two-layer network, forward and backward, under its names.

Maths (one example, column vectors)::

    z = W_h x          h = ReLU(z)        theta = W_o h
    y_hat = softmax(theta)                E = CE(y_hat, y)
    delta_1 = dE/dtheta = y_hat - y
    delta_2 = dE/dz = delta_1 W_o (*) ReLU'(z)
    dE/dW_o = delta_1^T h^T            dE/dW_h = delta_2^T x^T

Code (a batch of N examples as rows, weights stored transposed as in the
notebook: W_h is (784, H), W_o is (H, 10)), so every product flips::

    z = x @ W_h,  theta = h @ W_o,  dW_o = h.T @ delta_1,  dW_h = x.T @ delta_2

Gradients are those of the batch-mean loss: the notebook sums the loss over
the batch and divides the gradients by the batch size, which is the same.

This is the version to read; training runs the same equations through
:mod:`mlp_core.fast`, which writes them into reused buffers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .functions import cross_entropy_sum, relu, relu_derivative, softmax
from .init import init_weights

N_INPUTS = 784
N_CLASSES = 10
PARAM_NAMES = ("W_h", "b_h", "W_o", "b_o")


@dataclass
class Cache:
    """Every intermediate of one forward pass (the maths page shows them)."""

    x: np.ndarray  # (N, 784) inputs in [0, 1]
    z: np.ndarray  # (N, H) pre-activations
    h: np.ndarray  # (N, H) hidden activations, ReLU(z)
    theta: np.ndarray  # (N, 10) output scores (logits)
    y_hat: np.ndarray  # (N, 10) probabilities


class MLP:
    """x (784) -> W_h -> ReLU -> W_o -> softmax (10), optional biases."""

    def __init__(
        self,
        W_h: np.ndarray,
        W_o: np.ndarray,
        b_h: np.ndarray | None = None,
        b_o: np.ndarray | None = None,
    ) -> None:
        if W_h.ndim != 2 or W_o.ndim != 2 or W_h.shape[1] != W_o.shape[0]:
            raise ValueError(f"W_h {W_h.shape} and W_o {W_o.shape} do not fit together")
        if (b_h is None) != (b_o is None):
            raise ValueError("give both biases or neither")
        self.W_h = W_h
        self.W_o = W_o
        self.b_h = b_h
        self.b_o = b_o
        # Softmax temperature for showing confidence (mlp_core.calibrate): not trained, and
        # never used by forward(); 1 leaves the probabilities as they are.
        self.temperature = 1.0

    @classmethod
    def create(
        cls,
        hidden: int = 128,
        *,
        init: str = "seed_uniform",
        seed: int = 42,
        biases: bool = False,
        dtype: str = "float64",
        n_inputs: int = N_INPUTS,
        n_classes: int = N_CLASSES,
    ) -> MLP:
        """A freshly initialised network (biases, if any, start at zero)."""
        W_h, W_o = init_weights(init, (n_inputs, hidden, n_classes), seed, dtype)
        if biases:
            return cls(W_h, W_o, np.zeros(hidden, dtype), np.zeros(n_classes, dtype))
        return cls(W_h, W_o)

    # --- shape and parameters ---------------------------------------------

    @property
    def hidden(self) -> int:
        return self.W_h.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.W_h.dtype

    @property
    def has_biases(self) -> bool:
        return self.b_h is not None

    def params(self) -> dict[str, np.ndarray]:
        """The trainable arrays by name (biases only when the model has them)."""
        names = PARAM_NAMES if self.has_biases else ("W_h", "W_o")
        return {n: getattr(self, n) for n in names}

    def copy(self) -> MLP:
        return self._like(MLP(**{k: v.copy() for k, v in self.params().items()}))

    def _like(self, other: MLP) -> MLP:
        other.temperature = self.temperature
        return other

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy values into the existing arrays (optimizers hold references to them)."""
        for name, value in params.items():
            np.copyto(getattr(self, name), value)

    def astype(self, dtype) -> MLP:
        return self._like(MLP(**{k: v.astype(dtype) for k, v in self.params().items()}))

    # --- forward / backward ------------------------------------------------

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        """(N, 784) inputs -> (N, 10) probabilities y_hat, and the cache backward needs."""
        z = x @ self.W_h  # (N, 784) @ (784, H) -> (N, H)
        if self.b_h is not None:
            z = z + self.b_h  # (N, H) + (H,)
        h = relu(z)  # (N, H)
        theta = h @ self.W_o  # (N, H) @ (H, 10) -> (N, 10)
        if self.b_o is not None:
            theta = theta + self.b_o  # (N, 10) + (10,)
        y_hat = softmax(theta)  # (N, 10)
        return y_hat, Cache(x, z, h, theta, y_hat)

    def deltas(self, cache: Cache, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """delta_1 = y_hat - y and delta_2 = delta_1 W_o (*) ReLU'(z), per example; ``labels`` (N,) classes."""
        delta_1 = cache.y_hat.copy()  # (N, 10)
        # dE/dtheta: the softmax Jacobian times CE's -y / y_hat collapses to y_hat - y (y sums to 1)
        delta_1[np.arange(len(labels)), labels] -= 1  # y_hat - y, y one-hot
        delta_2 = (delta_1 @ self.W_o.T) * relu_derivative(cache.z)  # (N, 10) @ (10, H) -> (N, H)
        return delta_1, delta_2

    def backward(
        self, cache: Cache, labels: np.ndarray, *, l2: float = 0.0, divisor: int | None = None
    ) -> dict[str, np.ndarray]:
        """Gradients of the batch-mean cross-entropy (+ l2/2 * |W|^2) for every parameter.

        ``labels`` is (N,) integer classes. ``divisor`` replaces N as the batch
        size the gradients are divided by (the notebook divides a short last
        batch by the nominal batch size).
        """
        delta_1, delta_2 = self.deltas(cache, labels)  # (N, 10), (N, H)
        n = divisor or len(labels)
        grads = {
            "W_h": cache.x.T @ delta_2 / n,  # (784, N) @ (N, H) -> (784, H)
            "W_o": cache.h.T @ delta_1 / n,  # (H, N) @ (N, 10) -> (H, 10)
        }
        if self.has_biases:
            grads["b_h"] = delta_2.sum(axis=0) / n  # (H,)
            grads["b_o"] = delta_1.sum(axis=0) / n  # (10,)
        if l2:  # d/dW of l2/2 * |W|^2 is l2 * W (biases are not decayed)
            grads["W_h"] = grads["W_h"] + l2 * self.W_h
            grads["W_o"] = grads["W_o"] + l2 * self.W_o
        return grads

    def loss(self, x: np.ndarray, labels: np.ndarray, *, l2: float = 0.0) -> float:
        """Batch-mean cross-entropy (+ l2/2 * |W|^2): the objective backward differentiates."""
        _, cache = self.forward(x)
        value = cross_entropy_sum(cache.theta, labels) / x.shape[0]
        if l2:
            value += 0.5 * l2 * (float(np.sum(self.W_h**2)) + float(np.sum(self.W_o**2)))
        return value

    # --- prediction --------------------------------------------------------

    def predict_proba(self, x: np.ndarray, batch: int = 8192) -> np.ndarray:
        """(N, 784) inputs (float in [0, 1], or uint8 0-255) -> (N, 10) probabilities."""
        x = np.atleast_2d(x)
        out = np.empty((x.shape[0], self.W_o.shape[1]), dtype=self.dtype)
        for i in range(0, x.shape[0], batch):
            xb = as_float(x[i : i + batch], self.dtype)
            out[i : i + batch] = self.forward(xb)[0]
        return out

    def scores(self, x: np.ndarray, batch: int = 8192) -> np.ndarray:
        """(N, 784) inputs (float in [0, 1], or uint8 0-255) -> (N, 10) scores theta (logits)."""
        x = np.atleast_2d(x)
        out = np.empty((x.shape[0], self.W_o.shape[1]), dtype=self.dtype)
        for i in range(0, x.shape[0], batch):
            out[i : i + batch] = self.forward(as_float(x[i : i + batch], self.dtype))[1].theta
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(N, 784) -> (N,) predicted classes (argmax of the probabilities)."""
        return self.predict_proba(x).argmax(axis=1)


def as_float(x: np.ndarray, dtype=np.float32, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 pixels -> floats in [0, 1], exactly as the notebook: float32(x) / 255.

    Float input is returned as it is (cast to dtype). The float32 division
    comes first even for float64 models, because that is what the notebook's
    data were before they met float64 weights.
    """
    if x.dtype != np.uint8:
        return x.astype(dtype, copy=False) if out is None else np.copyto(out, x) or out
    if np.dtype(dtype) == np.float32:
        return np.divide(x, np.float32(255), out=out, dtype=np.float32)
    scaled = np.divide(x, np.float32(255), dtype=np.float32)
    if out is None:
        return scaled.astype(dtype)
    np.copyto(out, scaled)
    return out
