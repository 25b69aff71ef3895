"""One frozen, validated training configuration and its named presets."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPTIMIZERS = ("sgd", "momentum", "adam")
INITS = ("seed_uniform", "xavier", "he")
DTYPES = ("float32", "float64")
SCHEDULES = ("constant", "cosine")
TRAIN_METRICS = ("full", "running")
AUGMENT_STYLES = ("standard", "handwriting")  # mlp_core.augment.STYLES


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@dataclass(frozen=True)
class Limit:
    """The values a numeric setting takes: from ``low`` to ``high``, ends included unless open."""

    low: float
    high: float
    integer: bool = False  # whole numbers only (bools are not numbers here)
    low_open: bool = False  # ``low`` itself is refused (a learning rate of 0 learns nothing)
    high_open: bool = False
    text: str = ""  # how describe() puts it, where the plain range says too little

    def contains(self, value: Any) -> bool:
        if not (_is_int(value) if self.integer else _is_num(value)):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        """In English, as an error message finishes "hidden must be ...": "an integer from 1 to 4096"."""
        if self.text:
            return self.text
        if self.integer:
            return f"an integer from {int(self.low)} to {int(self.high)}"
        return f"a number in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


# What TrainConfig accepts (and so the command line and a model file's settings).
LIMITS: dict[str, Limit] = {
    "hidden": Limit(1, 4096, integer=True),  # hidden units H
    "lr": Limit(0, 1000, low_open=True),
    "batch_size": Limit(1, 60_000, integer=True),  # up to the whole MNIST training set
    "epochs": Limit(1, 1000, integer=True),
    "momentum": Limit(0, 1, high_open=True),
    "beta1": Limit(0, 1, high_open=True),
    "beta2": Limit(0, 1, high_open=True),
    "adam_eps": Limit(0, 1, low_open=True),
    "l2": Limit(0, 1),
    "final_lr_frac": Limit(0, 1),
    "train_size": Limit(0, 10_000_000, integer=True, text="0 (all) or a positive integer up to 10000000"),
    "seed": Limit(0, 2**32 - 1, integer=True),
}

# What the Train page accepts, a subset of LIMITS: one server runs a whole workshop's
# runs, so a run's buffers stay around 100 MB at most. train_size is the page's
# "training images", at least 100 and at most MNIST's 60,000 (all of them).
PAGE_LIMITS: dict[str, Limit] = {
    "hidden": Limit(1, 1024, integer=True),
    "lr": Limit(0.0001, 1000),
    "batch_size": Limit(1, 4096, integer=True),
    "epochs": Limit(1, 200, integer=True),
    "l2": LIMITS["l2"],
    "train_size": Limit(100, 60_000, integer=True),
    "seed": LIMITS["seed"],
}


@dataclass(frozen=True)
class OutOfRange:
    """A setting whose value its limit refuses."""

    field: str
    value: Any
    limit: Limit


def out_of_range(settings: Mapping[str, Any], limits: Mapping[str, Limit] = LIMITS) -> OutOfRange | None:
    """The first of ``settings`` (in the order of ``limits``) outside its range, with that range;
    None when every limited setting is in range. Settings without a limit are not looked at."""
    for name, limit in limits.items():
        if name in settings and not limit.contains(settings[name]):
            return OutOfRange(name, settings[name], limit)
    return None


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides how the network is built and trained.

    The defaults are the original notebook's settings. Invalid values raise
    ``ValueError`` naming the field and its allowed range.
    """

    hidden: int = 128  # hidden units H: W_h is (784, H), W_o is (H, 10)
    lr: float = 0.5  # learning rate (peak rate when a schedule is used)
    batch_size: int = 256  # examples per SGD step; gradients are divided by it
    epochs: int = 50  # passes over the training set
    optimizer: str = "sgd"  # "sgd", "momentum" (heavy ball) or "adam"
    momentum: float = 0.9  # momentum coefficient, used by "momentum"
    nesterov: bool = False  # Nesterov look-ahead for "momentum"
    beta1: float = 0.9  # Adam: decay of the mean of the gradients
    beta2: float = 0.999  # Adam: decay of the mean of the squared gradients
    adam_eps: float = 1e-8  # Adam: added to the denominator
    # "seed_uniform" (the notebook's U(-a, a), a = 2/(in+out)), "xavier" or "he"
    init: str = "seed_uniform"
    biases: bool = False  # add b_h and b_o (the notebook has none)
    shuffle: bool = False  # reshuffle the training set every epoch
    l2: float = 0.0  # weight decay: adds l2 * W to each weight gradient (not to biases)
    schedule: str = "constant"  # "constant" or "cosine" (lr decays to lr * final_lr_frac)
    warmup_epochs: float = 0.0  # linear warm-up from 0 to lr over this many epochs
    final_lr_frac: float = 0.0  # cosine: the learning rate at the end, as a fraction of lr
    augment: bool = False  # random shifts, rotations, scale and stroke changes per batch
    # "standard" (the above) or "handwriting" (wider ranges and elastic distortions), with augment
    augment_style: str = "standard"
    # also train on the bundled non-MNIST digits (fonts, pen strokes, blocky scans: mlp_core.drawn)
    extra_digits: bool = False
    train_size: int = 0  # use the first N training images; 0 means all
    seed: int = 42  # seeds the weights (legacy RandomState, as the notebook) and the shuffling
    dtype: str = "float64"  # "float64" reproduces the notebook; "float32" is about twice as fast
    # "full": accuracy on the whole training set after each epoch (the notebook's);
    # "running": accuracy on the batches as they were trained during the epoch (free)
    train_metric: str = "full"
    nominal_divisor: bool = True  # divide a short last batch's gradients by batch_size, as the notebook does
    divergence_loss: float = 50.0  # a batch's mean loss above this (or not finite) stops training

    def __post_init__(self) -> None:
        def need(ok: bool, field: str, allowed: str) -> None:
            if not ok:
                value = getattr(self, field)
                raise ValueError(f"{field} must be {allowed}, got {value!r}")

        for name, limit in LIMITS.items():
            need(limit.contains(getattr(self, name)), name, limit.describe())
        need(self.optimizer in OPTIMIZERS, "optimizer", f"one of {', '.join(OPTIMIZERS)}")
        need(isinstance(self.nesterov, bool), "nesterov", "true or false")
        need(self.init in INITS, "init", f"one of {', '.join(INITS)}")
        need(isinstance(self.biases, bool), "biases", "true or false")
        need(isinstance(self.shuffle, bool), "shuffle", "true or false")
        need(self.schedule in SCHEDULES, "schedule", f"one of {', '.join(SCHEDULES)}")
        need(
            _is_num(self.warmup_epochs) and 0 <= self.warmup_epochs <= self.epochs,
            "warmup_epochs",
            "a number from 0 to epochs",
        )
        need(isinstance(self.augment, bool), "augment", "true or false")
        need(self.augment_style in AUGMENT_STYLES, "augment_style", f"one of {', '.join(AUGMENT_STYLES)}")
        need(isinstance(self.extra_digits, bool), "extra_digits", "true or false")
        need(self.dtype in DTYPES, "dtype", f"one of {', '.join(DTYPES)}")
        need(self.train_metric in TRAIN_METRICS, "train_metric", f"one of {', '.join(TRAIN_METRICS)}")
        need(isinstance(self.nominal_divisor, bool), "nominal_divisor", "true or false")
        need(_is_num(self.divergence_loss) and self.divergence_loss > 0, "divergence_loss", "a positive number")

    # --- presets -----------------------------------------------------------

    @classmethod
    def original(cls, **overrides: Any) -> TrainConfig:
        """The notebook exactly: 784-128-10, no biases, float64, SGD lr 0.5,
        batch 256, 50 epochs, no shuffle, U(-a, a) weights from seed 42."""
        return cls(**overrides)

    @classmethod
    def fast(cls, **overrides: Any) -> TrainConfig:
        """The notebook's network (784-128-10, no biases) trained to its 97.97% test
        accuracy in a small fraction of its time: float32, He init, a fresh shuffle
        each epoch, batches of 256, Nesterov momentum with a short warm-up and a
        cosine decay over 6 epochs. Seeds 0-4 pass 97.97% after 4-5 epochs and end
        at 98.0-98.1% (benchmarks/train_speed.py measures the time)."""
        base = dict(
            hidden=128,
            lr=0.4,
            batch_size=256,
            epochs=6,
            optimizer="momentum",
            momentum=0.9,
            nesterov=True,
            init="he",
            biases=False,
            shuffle=True,
            schedule="cosine",
            warmup_epochs=0.3,
            dtype="float32",
            train_metric="running",
            nominal_divisor=False,
            seed=0,
        )
        base.update(overrides)
        return cls(**base)

    @classmethod
    def robust(cls, **overrides: Any) -> TrainConfig:
        """The fast recipe made for real drawings: 256 hidden units with biases,
        smaller batches and 20 epochs on augmented digits (random shifts,
        rotations, scale and stroke changes). The bundled default model is this preset
        made wider (800 hidden units), with the handwriting augmentation style and the
        extra digits (the command is in mlp_core/assets/README.md)."""
        base = dataclasses.asdict(cls.fast())
        base.update(
            hidden=256,
            lr=0.1,
            batch_size=128,
            epochs=20,
            biases=True,
            warmup_epochs=0.2,
            augment=True,
            l2=1e-5,
        )
        base.update(overrides)
        return cls(**base)

    # --- serialisation -----------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from a dict, refusing unknown fields (a model file may be hostile)."""
        if not isinstance(data, dict):
            raise ValueError("config must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(map(str, unknown))}")
        return cls(**data)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)


PRESETS = {
    "original": TrainConfig.original,
    "fast": TrainConfig.fast,
    "robust": TrainConfig.robust,
}


def preset(name: str, **overrides: Any) -> TrainConfig:
    """The named preset, with any fields overridden."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, got {name!r}")
    return PRESETS[name](**overrides)
