"""Optimizers, kept apart from the model: they update parameter arrays in place.

Each has ``step(params, grads, lr)`` and a ``state_dict()`` /
``load_state_dict()`` pair, so a paused run resumes with the same velocities
and moment estimates it had.
"""

from __future__ import annotations

import math

import numpy as np

from .config import TrainConfig


class SGD:
    """W <- W - lr * g, the notebook's update."""

    def __init__(self) -> None:
        self.t = 0
        self._scratch: dict[str, np.ndarray] = {}  # one temporary per parameter, reused every step

    def scratch(self, name: str, like: np.ndarray) -> np.ndarray:
        """A reusable array shaped like ``like`` (not part of the saved state)."""
        buf = self._scratch.get(name)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = self._scratch[name] = np.empty_like(like)
        return buf

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> None:
        """Update every array of ``params`` in place with its gradient in ``grads``."""
        self.t += 1
        for name, p in params.items():
            p -= np.multiply(grads[name], lr, out=self.scratch(name, p))  # W <- W - lr g

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"t": np.array(self.t)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])


class Momentum(SGD):
    """Heavy ball: v <- mu v + g; W <- W - lr v.
    Nesterov: W <- W - lr (g + mu v), with v already updated."""

    def __init__(self, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__()
        self.mu = momentum
        self.nesterov = nesterov
        self.v: dict[str, np.ndarray] = {}

    def step(self, params, grads, lr):
        self.t += 1
        for name, p in params.items():
            g = grads[name]
            v = self.v.get(name)
            if v is None:
                v = self.v[name] = np.zeros_like(p)
            tmp = self.scratch(name, p)
            v *= self.mu
            v += g  # v <- mu v + g
            if self.nesterov:  # W <- W - lr (g + mu v), as two updates
                p -= np.multiply(v, lr * self.mu, out=tmp)
                p -= np.multiply(g, lr, out=tmp)
            else:
                p -= np.multiply(v, lr, out=tmp)

    def state_dict(self):
        return {"t": np.array(self.t), **{f"v.{k}": v.copy() for k, v in self.v.items()}}

    def load_state_dict(self, state):
        self.t = int(state["t"])
        self.v = {k[2:]: np.array(v) for k, v in state.items() if k.startswith("v.")}


class Adam(SGD):
    """m <- b1 m + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;
    W <- W - lr * m_hat / (sqrt(s_hat) + eps), with bias-corrected m_hat, s_hat."""

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__()
        self.b1, self.b2, self.eps = beta1, beta2, eps
        self.m: dict[str, np.ndarray] = {}
        self.s: dict[str, np.ndarray] = {}

    def step(self, params, grads, lr):
        self.t += 1
        c1 = 1.0 - self.b1**self.t
        c2 = 1.0 - self.b2**self.t
        for name, p in params.items():
            g = grads[name]
            if name not in self.m:
                self.m[name] = np.zeros_like(p)
                self.s[name] = np.zeros_like(p)
            m, s = self.m[name], self.s[name]
            tmp = self.scratch(name, p)
            m *= self.b1
            m += np.multiply(g, 1.0 - self.b1, out=tmp)
            s *= self.b2
            s += np.multiply(np.square(g, out=tmp), 1.0 - self.b2, out=tmp)
            # lr * (m / c1) / (sqrt(s / c2) + eps)
            denom = np.sqrt(np.divide(s, c2, out=tmp), out=tmp)
            denom += self.eps
            p -= np.divide(np.multiply(m, lr / c1, out=self.scratch(name + ".step", p)), denom, out=denom)

    def state_dict(self):
        out = {"t": np.array(self.t)}
        out.update({f"m.{k}": v.copy() for k, v in self.m.items()})
        out.update({f"s.{k}": v.copy() for k, v in self.s.items()})
        return out

    def load_state_dict(self, state):
        self.t = int(state["t"])
        self.m = {k[2:]: np.array(v) for k, v in state.items() if k.startswith("m.")}
        self.s = {k[2:]: np.array(v) for k, v in state.items() if k.startswith("s.")}


def make_optimizer(config: TrainConfig) -> SGD:
    """The optimizer a config asks for, with fresh state."""
    if config.optimizer == "sgd":
        return SGD()
    if config.optimizer == "momentum":
        return Momentum(config.momentum, config.nesterov)
    return Adam(config.beta1, config.beta2, config.adam_eps)


def learning_rate(config: TrainConfig, progress: float) -> float:
    """The learning rate at ``progress`` epochs into training (fractional).

    Linear warm-up over ``warmup_epochs``, then constant or a cosine decay to
    ``lr * final_lr_frac`` at the last epoch.
    """
    if config.warmup_epochs > 0 and progress < config.warmup_epochs:
        return config.lr * (progress + 1e-9) / config.warmup_epochs
    if config.schedule == "constant":
        return config.lr
    span = max(config.epochs - config.warmup_epochs, 1e-9)
    frac = min(max((progress - config.warmup_epochs) / span, 0.0), 1.0)
    low = config.lr * config.final_lr_frac
    return low + 0.5 * (config.lr - low) * (1.0 + math.cos(math.pi * frac))
