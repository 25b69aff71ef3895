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

Gradients are those of the batch-mean loss (the notebook sums the loss over
the batch and divides the gradients by the batch size, which is the same).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _blas
from .functions import cross_entropy_sum, relu, softmax
from .init import init_weights

N_INPUTS = 784
N_CLASSES = 10
PARAM_NAMES = ("W_h", "b_h", "W_o", "b_o")
# The (N, 10) arrays theta, y_hat and delta_1 are stored class-major, as the
# transpose of a C-ordered (10, N) array: the softmax's per-example max and sum
# then combine 10 contiguous rows of N numbers instead of N rows of only 10,
# which NumPy does an order of magnitude faster. Indexing is unchanged.
CLASS_MAJOR = ("theta", "y_hat", "delta_1")


@dataclass
class Cache:
    """Every intermediate of one forward pass (the maths page shows them)."""

    x: np.ndarray  # (N, 784) inputs in [0, 1]
    z: np.ndarray  # (N, H) pre-activations
    h: np.ndarray  # (N, H) hidden activations, ReLU(z)
    theta: np.ndarray  # (N, 10) output scores (logits)
    y_hat: np.ndarray  # (N, 10) probabilities
    x_scale: float = 1.0  # the network's input is x * x_scale (1/255 when x holds raw 0-255 pixels)


@dataclass
class Workspace:
    """Preallocated buffers for one batch size, reused by every training step."""

    batch: int
    hidden: int
    dtype: np.dtype
    buffers: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        B, H, K = self.batch, self.hidden, N_CLASSES
        shapes = {
            "x": (B, N_INPUTS),
            "z": (B, H),
            "h": (B, H),
            "theta": (K, B),  # class-major, see CLASS_MAJOR
            "y_hat": (K, B),
            "delta_1": (K, B),
            "delta_2": (B, H),
            "W_h": (N_INPUTS, H),
            "W_o": (H, K),
            "b_h": (H,),
            "b_o": (K,),
        }
        self.buffers = {k: np.empty(s, dtype=self.dtype) for k, s in shapes.items()}
        self.buffers["x_u8"] = np.empty((B, N_INPUTS), dtype=np.uint8)  # the batch's pixels, as stored
        self.buffers["relu_mask"] = np.empty((B, H), dtype=bool)  # ReLU'(z) as z > 0
        self.buffers["rows"] = np.arange(B)  # row numbers, to pick y_hat[i, y_i]
        self._views: dict[tuple[str, int], np.ndarray] = {}

    def get(self, name: str, n: int) -> np.ndarray:
        """The named per-example buffer for a batch of n rows (n <= batch), shaped (n, ...).

        The same view object each time (a run only ever has two batch sizes),
        which spares rebuilding it and lets BLAS calls remember its address.
        """
        view = self._views.get((name, n))
        if view is None:
            # class-major: the first K * n values, as a contiguous (K, n) array seen as (n, K)
            view = self.class_major(name, n).T if name in CLASS_MAJOR else self.buffers[name][:n]
            self._views[(name, n)] = view
        return view

    def class_major(self, name: str, n: int) -> np.ndarray:
        """The (10, n) C-contiguous array behind the (n, 10) view ``get(name, n)``."""
        view = self._views.get((name + ".T", n))
        if view is None:
            buf = self.buffers[name]
            view = self._views[(name + ".T", n)] = buf.reshape(-1)[: buf.shape[0] * n].reshape(buf.shape[0], n)
        return view


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
        return MLP(**{k: v.copy() for k, v in self.params().items()})

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy values into the existing arrays (optimizers hold references to them)."""
        for name, value in params.items():
            np.copyto(getattr(self, name), value)

    def astype(self, dtype) -> MLP:
        return MLP(**{k: v.astype(dtype) for k, v in self.params().items()})

    # --- forward / backward ------------------------------------------------

    def forward(self, x: np.ndarray, ws: Workspace | None = None, *, x_scale: float = 1.0) -> tuple[np.ndarray, Cache]:
        """(N, 784) inputs -> (N, 10) probabilities y_hat, and the cache for backward.

        ``x_scale`` multiplies the inputs: raw 0-255 pixel values with
        ``x_scale=1/255`` give the network x / 255 while scaling the (N, H)
        product instead of the (N, 784) input, six times less work.
        """
        n = x.shape[0]
        use = ws is not None and n <= ws.batch
        dtype = np.result_type(x, self.W_h)
        # (N, 784) @ (784, H) -> (N, H); (x s) @ W_h = (x @ W_h) s, the factor applied inside the product
        z = _blas.gemm(x, self.W_h, ws.get("z", n) if use else np.empty((n, self.hidden), dtype), alpha=x_scale)
        if self.b_h is not None:
            z += self.b_h
        h = relu(z, out=ws.get("h", n) if use else None)  # (N, H)
        # theta = h @ W_o, computed as its transpose (W_o^T h^T) so that it is stored class-major
        theta_cm = ws.class_major("theta", n) if use else np.empty((self.W_o.shape[1], n), dtype)
        _blas.gemm(self.W_o, h, theta_cm, ta=True, tb=True)  # (N, H) @ (H, 10) -> (N, 10), stored transposed
        theta = ws.get("theta", n) if use else theta_cm.T
        if self.b_o is not None:
            theta += self.b_o
        y_hat = softmax(theta, out=ws.get("y_hat", n) if use else None)  # (N, 10)
        return y_hat, Cache(x, z, h, theta, y_hat, x_scale)

    def backward(
        self,
        cache: Cache,
        labels: np.ndarray,
        *,
        l2: float = 0.0,
        ws: Workspace | None = None,
        divisor: int | None = None,
    ) -> dict[str, np.ndarray]:
        """Gradients of the batch-mean cross-entropy (+ l2/2 * |W|^2) for every parameter.

        ``labels`` is (N,) integer classes or an (N, 10) one-hot matrix.
        ``divisor`` replaces N as the batch size the gradients are divided by
        (the notebook divides a short last batch by the nominal batch size).
        With a workspace the returned arrays are its buffers, overwritten by
        the next call.
        """
        n = cache.x.shape[0]
        use = ws is not None and n <= ws.batch
        # delta_1 = dE/dtheta = y_hat - y, divided by N for the batch mean   (N, 10)
        delta_1 = np.subtract(cache.y_hat, 0, out=ws.get("delta_1", n) if use else None)
        if labels.ndim == 1:
            delta_1[ws.get("rows", n) if use else np.arange(n), labels] -= 1
        else:
            delta_1 -= labels
        delta_1 /= divisor or n
        grads: dict[str, np.ndarray] = {}
        dtype = delta_1.dtype
        # dE/dW_o = h^T delta_1: (H, N) @ (N, 10) -> (H, 10)
        out = ws.buffers["W_o"] if use else np.empty(self.W_o.shape, dtype)
        grads["W_o"] = _blas.gemm(cache.h, delta_1, out, ta=True)
        # delta_2 = delta_1 W_o^T (*) ReLU'(z): (N, 10) @ (10, H) -> (N, H)
        out = ws.get("delta_2", n) if use else np.empty((n, self.hidden), dtype)
        delta_2 = _blas.gemm(delta_1, self.W_o, out, tb=True)
        delta_2 *= np.greater(cache.z, 0, out=ws.get("relu_mask", n) if use else None)
        if self.has_biases:
            grads["b_o"] = np.sum(delta_1, axis=0, out=ws.buffers["b_o"] if use else None)
            grads["b_h"] = np.sum(delta_2, axis=0, out=ws.buffers["b_h"] if use else None)
        # dE/dW_h = x^T delta_2: (784, N) @ (N, H) -> (784, H); (x s)^T delta_2 = (x^T delta_2) s
        W_h_out = ws.buffers["W_h"] if use else np.empty(self.W_h.shape, np.result_type(cache.x, delta_2))
        grads["W_h"] = _blas.gemm(cache.x, delta_2, W_h_out, alpha=cache.x_scale, ta=True)
        if l2:
            _blas.axpy(l2, self.W_o, grads["W_o"])
            _blas.axpy(l2, self.W_h, grads["W_h"])
        return grads

    def deltas(self, cache: Cache, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """delta_1 = y_hat - y and delta_2 = delta_1 W_o (*) ReLU'(z), per example (not divided by N)."""
        delta_1 = cache.y_hat.copy()
        delta_1[np.arange(delta_1.shape[0]), labels] -= 1
        delta_2 = (delta_1 @ self.W_o.T) * (cache.z > 0)
        return delta_1, delta_2

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
