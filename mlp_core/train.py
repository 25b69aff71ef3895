"""Training in resumable chunks.

A :class:`Trainer` owns one run: model, optimizer state, random state, the
position inside the current epoch and the history. ``run()`` trains for a
bounded number of batches or seconds and returns, so a UI can draw between
chunks; calling it again continues exactly where it stopped, and a run cut
into chunks gives bit for bit the weights of an uninterrupted one. It never
prints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from . import fast
from .config import TrainConfig
from .data import Dataset
from .functions import cross_entropy_sum
from .metrics import evaluate
from .model import MLP, as_float
from .optimizers import learning_rate, make_optimizer

READY, RUNNING, FINISHED, DIVERGED = "ready", "running", "finished", "diverged"

# A learning rate each optimizer trains this network with on all three presets' other
# settings (SGD: the notebook's; momentum: the fast preset's; Adam: its usual default).
SAFE_LR = {"sgd": 0.5, "momentum": 0.4, "adam": 0.001}


def suggested_lr(config: TrainConfig) -> float:
    """A learning rate to try after ``config`` diverged: a tenth of it at least, and never more
    than the optimizer's safe rate (so lr 100 suggests 0.5, not 10, which diverges again)."""
    return min(config.lr / 10, SAFE_LR.get(config.optimizer, config.lr / 10))


@dataclass(frozen=True)
class EpochRecord:
    """Metrics after one epoch. train_loss/train_accuracy follow the config's
    ``train_metric``: for the notebook, loss summed over the epoch's batches
    divided by N, and accuracy on the whole training set after the epoch."""

    epoch: int  # 1-based
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    train_seconds: float  # cumulative seconds spent training (evaluation excluded)
    lr: float  # learning rate at the end of the epoch

    def to_dict(self) -> dict:
        return asdict(self)


class Trainer:
    """One training run of ``config`` on ``data``, resumable at any batch."""

    def __init__(self, config: TrainConfig, data: Dataset, model: MLP | None = None) -> None:
        self.config = config
        self.data = data.subset(config.train_size)
        if config.extra_digits:  # MNIST's (first train_size) images, then the bundled non-MNIST digits
            self.data = with_extra_digits(self.data)
        if model is None:
            model = MLP.create(
                config.hidden, init=config.init, seed=config.seed, biases=config.biases, dtype=config.dtype
            )
        elif model.hidden != config.hidden or model.has_biases != config.biases:
            raise ValueError("the model's hidden size or biases do not match the config")
        self.model = model.astype(config.dtype) if model.dtype != np.dtype(config.dtype) else model
        self.optimizer = make_optimizer(config)
        # One generator for everything random during training (order, augmentation),
        # separate from the weight init so the notebook's weights stay exact.
        self.rng = np.random.default_rng([config.seed, 1])
        self.epoch = 0  # epochs completed
        self.batch_index = 0  # batches completed in the current epoch
        self.order: np.ndarray | None = None  # this epoch's example order (shuffle only)
        self.history: list[EpochRecord] = []
        self.batch_losses: list[float] = []  # mean loss of every batch so far
        self.train_seconds = 0.0
        self.status = READY
        self.stop_reason: str | None = None  # English sentence for logs and the CLI
        self.diverged_loss: float | None = None  # the loss that stopped a diverged run
        self._loss_sum = 0.0
        self._correct = 0
        self._ws: fast.Workspace | None = None  # the step's work buffers: lent by run(), or made on first use

    # --- progress ----------------------------------------------------------

    @property
    def n_train(self) -> int:
        return len(self.data.y_train)

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.n_train / self.config.batch_size)

    @property
    def total_batches(self) -> int:
        return self.batches_per_epoch * self.config.epochs

    @property
    def batches_done(self) -> int:
        return self.epoch * self.batches_per_epoch + self.batch_index

    @property
    def progress(self) -> float:
        """Fraction of all batches done, 0..1."""
        return self.batches_done / self.total_batches

    @property
    def done(self) -> bool:
        return self.status in (FINISHED, DIVERGED)

    # --- training ----------------------------------------------------------

    def run(
        self,
        max_batches: int | None = None,
        max_seconds: float | None = None,
        stop: Callable[[], bool] | None = None,
        workspace: fast.Workspace | None = None,
    ) -> list[EpochRecord]:
        """Train until the run ends, ``max_batches`` batches are done,
        ``max_seconds`` have passed or ``stop()`` returns True (both checked
        after each batch); return the epochs completed meanwhile.

        ``workspace``: work buffers for this call only (a server lends each
        chunk those of its compute slot); without it the trainer makes and
        keeps its own."""
        if self.done:
            return []
        if workspace is not None:
            self._ws = workspace
            try:
                return self.run(max_batches, max_seconds, stop)
            finally:
                self._ws = None
        if self._ws is None:
            self._ws = fast.Workspace(self.config.batch_size, self.config.hidden, np.dtype(self.config.dtype))
        self.status = RUNNING
        start = time.perf_counter()
        good = {k: v.copy() for k, v in self.model.params().items()}
        good_opt = self.optimizer.state_dict()
        new: list[EpochRecord] = []
        steps = 0
        while self.epoch < self.config.epochs:
            if max_batches is not None and steps >= max_batches:
                break
            if max_seconds is not None and steps and time.perf_counter() - start >= max_seconds:
                break
            if stop is not None and stop():
                break
            t0 = time.perf_counter()
            loss = self._step()
            self.train_seconds += time.perf_counter() - t0
            steps += 1
            if not math.isfinite(loss) or loss > self.config.divergence_loss:
                self._diverge(loss, good, good_opt)
                return new
            if self.batch_index == self.batches_per_epoch:
                new.append(self._end_epoch())
        if not all(np.isfinite(p).all() for p in self.model.params().values()):
            self._diverge(float("nan"), good, good_opt)
            return new
        if self.epoch >= self.config.epochs:
            self.status = FINISHED
        return new

    def epochs(self) -> Iterator[EpochRecord]:
        """Train to the end, yielding each epoch's record as it completes."""
        while not self.done:
            yield from self.run(max_batches=self.batches_per_epoch)

    def release_buffers(self) -> None:
        """Let go of the step's work buffers and the optimizer's temporaries (a paused or
        finished run keeps only its weights and optimizer state); made again on the next run()."""
        self._ws = None
        getattr(self.optimizer, "_scratch", {}).clear()

    # --- checkpoints -------------------------------------------------------

    def state_dict(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything but the model's weights and the data that a resumed run needs to go on
        exactly as an uninterrupted one: (arrays, JSON-able values). See :meth:`restore`."""
        arrays = {f"opt.{k}": np.array(v) for k, v in self.optimizer.state_dict().items()}
        if self.order is not None:
            arrays["order"] = self.order.copy()
        arrays["batch_losses"] = np.asarray(self.batch_losses, dtype=np.float64)
        values = {
            "epoch": self.epoch,
            "batch_index": self.batch_index,
            "history": [r.to_dict() for r in self.history],
            "train_seconds": self.train_seconds,
            "status": self.status,
            "stop_reason": self.stop_reason,
            "diverged_loss": self.diverged_loss,
            "loss_sum": self._loss_sum,
            "correct": self._correct,
            "rng": self.rng.bit_generator.state,
        }
        return arrays, values

    @classmethod
    def restore(cls, config: TrainConfig, data: Dataset, model: MLP, arrays: dict, values: dict) -> Trainer:
        """The trainer that :meth:`state_dict` described, around ``model`` (the run's weights)."""
        tr = cls(config, data, model)
        tr.optimizer.load_state_dict({k[4:]: np.array(v) for k, v in arrays.items() if k.startswith("opt.")})
        tr.order = np.array(arrays["order"]) if "order" in arrays else None
        tr.batch_losses = [float(v) for v in arrays.get("batch_losses", ())]
        tr.epoch, tr.batch_index = int(values["epoch"]), int(values["batch_index"])
        tr.history = [EpochRecord(**r) for r in values["history"]]
        tr.train_seconds = float(values["train_seconds"])
        tr.status = values["status"]
        tr.stop_reason = values["stop_reason"]
        tr.diverged_loss = values["diverged_loss"]
        tr._loss_sum, tr._correct = float(values["loss_sum"]), int(values["correct"])
        tr.rng.bit_generator.state = values["rng"]
        return tr

    def _step(self) -> float:
        """One SGD step on the next batch; returns the batch's mean loss."""
        cfg = self.config
        if self.batch_index == 0 and cfg.shuffle and self.order is None:
            self.order = self.rng.permutation(self.n_train)
        lo = self.batch_index * cfg.batch_size
        hi = min(lo + cfg.batch_size, self.n_train)
        n = hi - lo
        if self.order is not None:
            idx = self.order[lo:hi]
            # the shuffled batch's rows, gathered into a reused buffer (mode="clip" spares NumPy
            # a bounds-checked copy; every index is valid)
            x_u8 = np.take(self.data.x_train, idx, axis=0, out=self._ws.get("x_u8", n), mode="clip")
            labels = self.data.y_train[idx]
        else:
            x_u8, labels = self.data.x_train[lo:hi], self.data.y_train[lo:hi]
        x_scale = 1.0
        if cfg.dtype == "float32" and not cfg.augment:
            # Raw 0-255 values; the model scales its (N, H) product by 1/255
            # instead, which spares a division of every one of the N * 784 pixels.
            x = self._ws.get("x", n)
            np.copyto(x, x_u8)
            x_scale = 1 / 255
        else:
            x = as_float(x_u8, cfg.dtype, out=self._ws.get("x", n))  # the notebook's float32(x) / 255
        if cfg.augment:
            from .augment import STYLES, augment_batch

            x = augment_batch(x, self.rng, STYLES[cfg.augment_style])
        lr = learning_rate(cfg, self.epoch + self.batch_index / self.batches_per_epoch)
        y_hat, cache = fast.forward(self.model, x, self._ws, x_scale=x_scale)
        picked = y_hat[self._ws.get("rows", n), labels]  # (N,) probability of the right class
        loss_sum = _batch_loss(picked, cache, labels)
        self._loss_sum += loss_sum
        if cfg.train_metric == "running":  # right when no class is more probable than the true one
            self._correct += int(np.count_nonzero(picked >= y_hat.max(axis=1)))
        divisor = cfg.batch_size if cfg.nominal_divisor else n
        grads = fast.backward(self.model, cache, labels, self._ws, l2=cfg.l2, divisor=divisor)
        self.optimizer.step(self.model.params(), grads, lr)
        self.batch_index += 1
        mean = loss_sum / n
        self.batch_losses.append(mean)
        return mean

    def _end_epoch(self) -> EpochRecord:
        cfg = self.config
        self.epoch += 1
        self.batch_index = 0
        self.order = None
        if cfg.train_metric == "full":
            train_acc = evaluate(self.model, self.data.x_train, self.data.y_train).accuracy
        else:
            train_acc = self._correct / self.n_train
        test = evaluate(self.model, self.data.x_test, self.data.y_test)
        rec = EpochRecord(
            epoch=self.epoch,
            train_loss=self._loss_sum / self.n_train,
            train_accuracy=train_acc,
            test_loss=test.loss,
            test_accuracy=test.accuracy,
            train_seconds=self.train_seconds,
            lr=learning_rate(cfg, float(self.epoch)),
        )
        self._loss_sum, self._correct = 0.0, 0
        self.history.append(rec)
        return rec

    def _diverge(self, loss: float, good: dict[str, np.ndarray], good_opt: dict) -> None:
        self.model.set_params(good)
        self.optimizer.load_state_dict(good_opt)
        self.status = DIVERGED
        self.diverged_loss = loss
        what = "not a number" if not math.isfinite(loss) else f"{loss:.3g}"
        self.stop_reason = (
            f"Training diverged in epoch {self.epoch + 1}: the loss became {what}. "
            f"The learning rate {self.config.lr:g} is too large for this setup; try a smaller one "
            f"(for example {suggested_lr(self.config):g}). The weights from before the blow-up were kept."
        )


def with_extra_digits(data: Dataset) -> Dataset:
    """``data`` with the bundled non-MNIST training digits (mlp_core.drawn) after its own training images."""
    from .drawn import load_extra

    extra = load_extra()
    x = np.concatenate([data.x_train, extra["x_train"]])
    y = np.concatenate([data.y_train, extra["y_train"]])
    x.flags.writeable = y.flags.writeable = False
    return Dataset(x, y, data.x_test, data.y_test)


def seconds_left(seconds: float, batches_done: int, batches_left: int) -> float | None:
    """Time still to go at the pace so far: ``seconds`` spent on ``batches_done`` batches,
    ``batches_left`` to go (None before any batch was timed)."""
    if batches_done <= 0:
        return None
    return seconds / batches_done * batches_left


def _batch_loss(picked: np.ndarray, cache: fast.ScaledCache, labels: np.ndarray) -> float:
    """The batch's summed cross-entropy, -sum_i log y_hat[i, y_i], as the notebook sums it.

    Read straight off ``picked``, the (N,) probabilities of the right classes;
    only when one of them has underflowed to 0 is it recomputed from the
    scores (log-softmax), so a diverging run reports its true, huge loss
    rather than inf.
    """
    if picked.min() > 0:
        return -float(np.log(picked).sum())
    return cross_entropy_sum(cache.theta, labels)


def train(config: TrainConfig, data: Dataset, model: MLP | None = None) -> Trainer:
    """Train a run to the end and return its trainer (model, history, status)."""
    trainer = Trainer(config, data, model)
    for _ in trainer.epochs():
        pass
    return trainer
