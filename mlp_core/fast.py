"""The training step, fast: :class:`~mlp_core.model.MLP`'s forward and backward
written into reused buffers.

Same equations as ``MLP.forward`` and ``MLP.backward`` (``tests/test_fast.py``
checks that both give the same gradients, and the same weights after several
steps); only the bookkeeping differs, for speed:

- every array of a step lives in a :class:`Workspace` made once per run, so a
  step allocates nothing;
- theta, y_hat and delta_1 are stored class-major (see ``CLASS_MAJOR``);
- raw 0-255 pixels may come in with ``x_scale = 1/255``: the (N, H) product is
  scaled instead of the (N, 784) input, six times less work;
- the gradients are those of the batch-mean loss, delta_1 being divided by N
  once rather than each product.

Plain NumPy throughout; float64 runs (the Original preset) give the same
numbers bit for bit as they always have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .functions import relu, softmax
from .model import MLP, N_CLASSES, N_INPUTS, Cache

# The (N, 10) arrays theta, y_hat and delta_1 are stored class-major, as the
# transpose of a C-ordered (10, N) array: the softmax's per-example max and sum
# then combine 10 contiguous rows of N numbers instead of N rows of only 10,
# which NumPy does several times faster. Indexing is unchanged.
CLASS_MAJOR = ("theta", "y_hat", "delta_1")


@dataclass
class ScaledCache(Cache):
    """A forward pass's arrays; the network's input was ``x * x_scale``."""

    x_scale: float = 1.0  # 1/255 when x holds raw 0-255 pixels


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
        which spares rebuilding it every step.
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


def forward(model: MLP, x: np.ndarray, ws: Workspace, *, x_scale: float = 1.0) -> tuple[np.ndarray, ScaledCache]:
    """``model.forward(x * x_scale)`` into ``ws``: (N, 784) -> (N, 10) y_hat, and the cache.

    The returned arrays are the workspace's, overwritten by the next step.
    """
    n = x.shape[0]
    z = np.matmul(x, model.W_h, out=ws.get("z", n))  # (N, 784) @ (784, H) -> (N, H)
    if x_scale != 1.0:
        z *= x_scale  # (x s) @ W_h = (x @ W_h) s
    if model.b_h is not None:
        z += model.b_h
    h = relu(z, out=ws.get("h", n))  # (N, H)
    # theta = h @ W_o, computed as its transpose W_o^T h^T so that it lands class-major
    np.matmul(model.W_o.T, h.T, out=ws.class_major("theta", n))  # (10, H) @ (H, N) -> (10, N)
    theta = ws.get("theta", n)  # (N, 10)
    if model.b_o is not None:
        theta += model.b_o
    y_hat = softmax(theta, out=ws.get("y_hat", n))  # (N, 10)
    return y_hat, ScaledCache(x, z, h, theta, y_hat, x_scale)


def backward(
    model: MLP,
    cache: ScaledCache,
    labels: np.ndarray,
    ws: Workspace,
    *,
    l2: float = 0.0,
    divisor: int | None = None,
) -> dict[str, np.ndarray]:
    """``model.backward(cache, labels, l2=l2, divisor=divisor)`` into ``ws``: the gradients
    of the batch-mean loss, as the workspace's arrays (overwritten by the next step)."""
    n = cache.x.shape[0]
    # delta_1 = (y_hat - y) / N   (N, 10)
    delta_1 = np.subtract(cache.y_hat, 0, out=ws.get("delta_1", n))
    delta_1[ws.get("rows", n), labels] -= 1
    delta_1 /= divisor or n
    grads = {}
    # dE/dW_o = h^T delta_1: (H, N) @ (N, 10) -> (H, 10)
    grads["W_o"] = np.matmul(cache.h.T, delta_1, out=ws.buffers["W_o"])
    # delta_2 = delta_1 W_o^T (*) ReLU'(z): (N, 10) @ (10, H) -> (N, H)
    delta_2 = np.matmul(delta_1, model.W_o.T, out=ws.get("delta_2", n))
    delta_2 *= np.greater(cache.z, 0, out=ws.get("relu_mask", n))
    if model.b_h is not None:
        grads["b_o"] = np.sum(delta_1, axis=0, out=ws.buffers["b_o"])
        grads["b_h"] = np.sum(delta_2, axis=0, out=ws.buffers["b_h"])
    # dE/dW_h = x^T delta_2: (784, N) @ (N, H) -> (784, H); (x s)^T delta_2 = (x^T delta_2) s
    grads["W_h"] = np.matmul(cache.x.T, delta_2, out=ws.buffers["W_h"])
    if cache.x_scale != 1.0:
        grads["W_h"] *= cache.x_scale
    if l2:
        grads["W_o"] += l2 * model.W_o
        grads["W_h"] += l2 * model.W_h
    return grads
